import type { Response } from 'supertest';
import { expect } from 'vitest';
import type { RecordedGraphRequest } from '../fakes/fake-graph.server';
import type { GateHarness } from './gate-harness';

export const PROBLEM_JSON = /^application\/problem\+json(;|$)/;

/** The RFC 9457 members every problem has, with our stable `code` and its type URI. */
export function expectProblem(response: Response, status: number, code: string): void {
  expect(response.status, response.text).toBe(status);
  expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
  expect(response.body).toMatchObject({
    type: `https://autopilot-gate.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`,
    title: expect.stringMatching(/\S/),
    status,
    detail: expect.stringMatching(/\S/),
    code,
  });
}

/** Attempt rows about one device, so tests sharing a harness do not see each other's rows. */
export async function attemptRowsFor(harness: GateHarness, deviceId: string): Promise<Record<string, unknown>[]> {
  return (await harness.attemptRows()).filter((row) => row.device_id === deviceId);
}

export async function attemptRowById(harness: GateHarness, attemptId: string): Promise<Record<string, unknown> | undefined> {
  return (await harness.attemptRows()).find((row) => row.id === attemptId);
}

/** Everything the fake Graph received about one device: reads and unassigns. */
export function graphRequestsFor(harness: GateHarness, deviceId: string): RecordedGraphRequest[] {
  return harness.graph.requests.filter((request) => request.path.toLowerCase().includes(deviceId.toLowerCase()));
}

/**
 * A refused unassign: exactly one attempt for the device, settled with the outcome and the status answered,
 * its id in the problem body, and nothing sent to Graph about the device (no read, no unassign).
 */
export async function expectRefusalRecorded(
  harness: GateHarness,
  response: Response,
  deviceId: string,
  expected: { outcome: string; httpStatus: number; code: string },
): Promise<Record<string, unknown>> {
  const rows = await attemptRowsFor(harness, deviceId);
  expect(rows).toHaveLength(1);
  const [row] = rows;
  expect(response.body.attemptId).toBe(row.id);
  expect(row).toMatchObject({ outcome: expected.outcome, http_status: expected.httpStatus, error_code: expected.code, decision: 'denied' });
  expect(row.settled_at).not.toBeNull();
  expect(graphRequestsFor(harness, deviceId)).toEqual([]);
  return row;
}
