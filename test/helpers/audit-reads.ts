import type { Response } from 'supertest';
import type { AttemptRow } from '../factories/attempt-rows';
import type { GateHarness } from './gate-harness';

export type AuditQuery = Record<string, string | number | readonly string[]>;

export const AUDIT_READER = 'Audit.Reader';

/** GET an audit route with a bearer token and query parameters (arrays repeat the parameter). */
export function auditGet(harness: GateHarness, path: string, token: string, query: AuditQuery = {}) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query))
    for (const item of [value].flat()) search.append(name, String(item));
  const text = search.toString();
  return harness.http.get(`${path}${text ? `?${text}` : ''}`).set('authorization', `Bearer ${token}`);
}

/** Ids newest first, in the order every report uses: received_at, then id, both descending. */
export function idsNewestFirst(rows: AttemptRow[]): string[] {
  return [...rows]
    .sort(
      (a, b) =>
        (b.received_at as Date).getTime() - (a.received_at as Date).getTime() ||
        (b.id as string).localeCompare(a.id as string),
    )
    .map((row) => row.id as string);
}

export function itemIds(response: Response): string[] {
  return (response.body.items as { id: string }[]).map((item) => item.id);
}

/** Follows `next` from the first page to the last, returning every page's ids. */
export async function walkPages(harness: GateHarness, token: string, query: AuditQuery): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const response = await auditGet(harness, '/v1/audit/attempts', token, cursor ? { ...query, cursor } : query);
    if (response.status !== 200) throw new Error(`page ${pages.length + 1}: ${response.status} ${response.text}`);
    pages.push(itemIds(response));
    cursor = response.body.next as string | null;
  } while (cursor);
  return pages;
}
