import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anAttemptRow, insertAttemptRows, type AttemptRow } from '../factories/attempt-rows';
import { AUDIT_READER, auditGet, type AuditQuery } from '../helpers/audit-reads';
import { GateHarness } from '../helpers/gate-harness';
import { expectProblem } from '../helpers/refusal-assertions';
import { UNASSIGNER } from '../helpers/unassign-calls';

const SUMMARY = '/v1/audit/summary';
const DAY_MS = 24 * 60 * 60 * 1000;

/** Expected buckets: counts by key, largest first then by key (or by key alone for days). */
function countBy(rows: AttemptRow[], key: (row: AttemptRow) => string | null, byKeyOnly = false) {
  const counts = new Map<string | null, number>();
  for (const row of rows) counts.set(key(row), (counts.get(key(row)) ?? 0) + 1);
  const buckets = [...counts].map(([bucketKey, count]) => ({ key: bucketKey, count }));
  const keyOrder = (a: { key: string | null }, b: { key: string | null }) =>
    a.key === b.key ? 0 : a.key === null ? 1 : b.key === null ? -1 : a.key < b.key ? -1 : 1;
  return buckets.sort((a, b) => (byKeyOnly ? 0 : b.count - a.count) || keyOrder(a, b));
}

describe('GET /v1/audit/summary', () => {
  let harness: GateHarness;
  let rows: AttemptRow[];
  let readerToken: string;
  const alice = { oid: randomUUID(), upn: 'alice@contoso.example' };
  const robot = { oid: randomUUID(), appId: randomUUID() };
  const summary = (token: string, query: AuditQuery) => auditGet(harness, SUMMARY, token, query);

  beforeAll(async () => {
    harness = await GateHarness.start({ env: { AUDIT_SEAL_INTERVAL_MS: '0' } });
    const start = Date.UTC(2026, 0, 30, 22);
    const outcomes = ['succeeded', 'succeeded', 'succeeded', 'policy_denied', 'ticket_rejected', 'graph_failed'];
    rows = Array.from({ length: 90 }, (_, i) => {
      const actor =
        i % 3 === 0
          ? { actor_oid: alice.oid, actor_upn: alice.upn }
          : i % 3 === 1
            ? { actor_oid: robot.oid, actor_upn: null, actor_app_id: robot.appId, actor_kind: 'app' }
            : {};
      return anAttemptRow({
        received_at: new Date(start + Math.floor(i / 10) * DAY_MS + (i % 10) * 30 * 60_000),
        outcome: outcomes[i % outcomes.length],
        device_snapshot: i % 7 === 0 ? null : { serialNumber: `SN-${i}`, groupTag: i % 2 === 0 ? 'MTR-EU' : 'MTR-US' },
        ...actor,
      });
    });
    await insertAttemptRows(harness.gate.database.sql, rows);
    readerToken = await harness.issuer.userToken({ roles: [AUDIT_READER] });
  });
  afterAll(() => harness?.close());

  it.each([
    ['outcome', (row: AttemptRow) => row.outcome as string, false],
    ['actor', (row: AttemptRow) => row.actor_oid as string, false],
    ['day', (row: AttemptRow) => (row.received_at as Date).toISOString().slice(0, 10), true],
    ['groupTag', (row: AttemptRow) => (row.device_snapshot as { groupTag?: string } | null)?.groupTag ?? null, false],
  ] as const)('counts attempts by %s', async (groupBy, key, byKeyOnly) => {
    const response = await summary(readerToken, { groupBy });

    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ groupBy, from: null, to: null, total: rows.length });
    expect(
      response.body.buckets.map(({ key: bucketKey, count }: { key: string | null; count: number }) => ({
        key: bucketKey,
        count,
      })),
    ).toEqual(countBy(rows, key, byKeyOnly));
  });

  it('labels each actor with the UPN or client app id seen with it', async () => {
    const response = await summary(readerToken, { groupBy: 'actor', actor: robot.appId });

    expect(response.body.buckets).toEqual([{ key: robot.oid, count: 30, label: robot.appId }]);
  });

  it('counts UTC days across a month end, and only within [from, to)', async () => {
    const from = '2026-02-01T00:00:00Z';
    const to = '2026-02-04T00:00:00Z';
    const inWindow = rows.filter(
      (row) => (row.received_at as Date) >= new Date(from) && (row.received_at as Date) < new Date(to),
    );

    const response = await summary(readerToken, { groupBy: 'day', from, to });

    expect(response.body).toMatchObject({
      from: '2026-02-01T00:00:00.000Z',
      to: '2026-02-04T00:00:00.000Z',
      total: inWindow.length,
    });
    expect(response.body.buckets.map((bucket: { key: string }) => bucket.key)).toEqual([
      '2026-02-01',
      '2026-02-02',
      '2026-02-03',
    ]);
  });

  it('defaults to counting by outcome, with the list filters applied', async () => {
    const response = await summary(readerToken, { outcome: ['policy_denied', 'graph_failed'] });

    expect(response.body.groupBy).toBe('outcome');
    expect(response.body.buckets).toEqual([
      { key: 'graph_failed', count: 15 },
      { key: 'policy_denied', count: 15 },
    ]);
  });

  it("counts only an operator's own attempts", async () => {
    const aliceToken = await harness.issuer.userToken({ roles: [UNASSIGNER], oid: alice.oid, upn: alice.upn });

    const response = await summary(aliceToken, { groupBy: 'actor' });

    expect(response.body).toMatchObject({ total: 30, buckets: [{ key: alice.oid, count: 30, label: alice.upn }] });
  });

  it('refuses an unknown groupBy with 400 and a caller with no read rule with 403', async () => {
    const adminToken = await harness.issuer.userToken({ roles: ['ChangeTickets.Admin'] });

    expectProblem(await summary(readerToken, { groupBy: 'device' }), 400, 'INVALID_REQUEST');
    expectProblem(await summary(adminToken, {}), 403, 'POLICY_DENIED');
  });
});
