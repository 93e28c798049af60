import type { Response } from 'supertest';
import { expect } from 'vitest';
import type { GateHarness } from './gate-harness';
import { graphTrafficFor, theOnlyAttemptFor } from './gate-observations';

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

export async function attemptRowById(
  harness: GateHarness,
  attemptId: string,
): Promise<Record<string, unknown> | undefined> {
  return (await harness.attemptRows()).find((row) => row.id === attemptId);
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
  const row = await theOnlyAttemptFor(harness, deviceId, response, {
    outcome: expected.outcome,
    http_status: expected.httpStatus,
    error_code: expected.code,
    decision: 'denied',
  });
  expect(row.settled_at).not.toBeNull();
  expect(graphTrafficFor(harness, deviceId).all).toEqual([]);
  return row;
}
