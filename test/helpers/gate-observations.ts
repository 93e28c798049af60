import { expect } from 'vitest';
import type { RecordedGraphRequest } from '../fakes/fake-graph.server';
import type { GateHarness } from './gate-harness';

/** A GUID as Graph's client-request-id expects it (any version). */
export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Graph's innerError.date: ISO 8601 without a time-zone suffix. */
export const GRAPH_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

export type AttemptRow = Record<string, unknown>;

/** The attempt rows recorded for one device, oldest first: tests in a file share a database, not devices. */
export async function attemptsFor(harness: GateHarness, deviceId: string): Promise<AttemptRow[]> {
  return (await harness.attemptRows()).filter((row) => row.device_id === deviceId);
}

/** What the fake Graph received about one device: its pre-flight reads and its unassign POSTs. */
export function graphTrafficFor(
  harness: GateHarness,
  deviceId: string,
): { all: RecordedGraphRequest[]; reads: RecordedGraphRequest[]; posts: RecordedGraphRequest[] } {
  const all = harness.graph.requests.filter((request) => request.path.toLowerCase().includes(deviceId.toLowerCase()));
  return {
    all,
    reads: all.filter((request) => request.method === 'GET'),
    posts: all.filter((request) => request.method === 'POST'),
  };
}

export function canonicalUnassignPath(deviceId: string): string {
  return `/beta/deviceManagement/windowsAutopilotDeviceIdentities/${deviceId}/unassignResourceAccountFromDevice`;
}

export function devicePath(deviceId: string): string {
  return `/beta/deviceManagement/windowsAutopilotDeviceIdentities/${deviceId}`;
}

/** The RFC 9457 body every refusal of the v1 contract has: our stable code, its type URI, the status. */
export function problemOf(code: string, status: number): Record<string, unknown> {
  return {
    type: `https://autopilot-gate.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`,
    status,
    code,
  };
}

/** Exactly one attempt for the device, the one the answer names, holding `expected`. */
export async function theOnlyAttemptFor(
  harness: GateHarness,
  deviceId: string,
  response: { body: { attemptId?: unknown } },
  expected: Record<string, unknown>,
): Promise<AttemptRow> {
  const rows = await attemptsFor(harness, deviceId);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ id: response.body.attemptId, ...expected });
  return rows[0];
}
