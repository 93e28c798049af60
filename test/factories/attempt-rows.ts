import { randomUUID } from 'node:crypto';
import type { SqlExecutor } from '../../src/database/sql-executor';
import { DEFAULT_ISSUER_TENANT_ID } from '../fakes/jwks-issuer.server';

export type AttemptRow = Record<string, unknown>;

// The tenant the test issuer signs for: operators read their own attempts by tenant and oid together.
export const TEST_TENANT = DEFAULT_ISSUER_TENANT_ID;
const MINUTE_MS = 60_000;
let counter = 0;

/**
 * A settled attempt as the gate records it (snake_case columns), for report tests that need many and varied rows.
 * Received a minute apart from 2026-11-01 onwards unless told otherwise.
 */
export function anAttemptRow(overrides: AttemptRow = {}): AttemptRow {
  counter += 1;
  const receivedAt =
    (overrides.received_at as Date | undefined) ?? new Date(Date.UTC(2026, 10, 1) + counter * MINUTE_MS);
  const deviceId = randomUUID();
  const number = String(counter).padStart(5, '0');
  return {
    id: randomUUID(),
    received_at: receivedAt,
    settled_at: new Date(receivedAt.getTime() + 150),
    outcome: 'succeeded',
    http_status: 200,
    error_code: null,
    entry_point: 'v1',
    simulated: false,
    correlation_id: randomUUID(),
    actor_oid: randomUUID(),
    actor_tenant_id: TEST_TENANT,
    actor_upn: `user-${number}@contoso.example`,
    actor_app_id: null,
    actor_kind: 'user',
    actor_roles: ['Autopilot.ResourceAccount.Unassign'],
    client_ip: '10.1.2.3',
    user_agent: 'report-tests/1.0',
    device_id: deviceId,
    device_snapshot: {
      id: deviceId,
      serialNumber: `SN-${number}`,
      groupTag: 'MTR-EU',
      displayName: `ROOM-${number}`,
      resourceName: `room-${number}@contoso.example`,
    },
    change_ticket: `CHG0${number}`,
    ticket_snapshot: { number: `CHG0${number}`, state: 'Implement', approval: 'approved' },
    justification: 'Room decommissioned, account moves to the new room.',
    break_glass: false,
    decision: 'allowed',
    decision_reason: 'role Autopilot.ResourceAccount.Unassign',
    policy_version: 'report-tests-policy',
    graph_status: 204,
    graph_error_code: null,
    graph_error_message: null,
    graph_request_id: randomUUID(),
    graph_client_request_id: randomUUID(),
    graph_duration_ms: 40,
    duration_ms: 150,
    ...overrides,
  };
}

/** Inserts rows with one statement per hundred, the columns named by the first row. */
export async function insertAttemptRows(sql: SqlExecutor, rows: AttemptRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += 100) {
    const chunk = rows.slice(start, start + 100);
    const columns = Object.keys(chunk[0]);
    const values: unknown[] = [];
    const tuples = chunk.map(
      (row) => `(${columns.map((column) => `$${values.push(jsonParameter(row[column]))}`).join(', ')})`,
    );
    await sql.query(
      `INSERT INTO attempts (${columns.map((column) => `"${column}"`).join(', ')}) VALUES ${tuples.join(', ')}`,
      values,
    );
  }
}

/** Objects go in as JSON text (jsonb columns); arrays stay arrays (text[] columns). */
function jsonParameter(value: unknown): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)
    ? JSON.stringify(value)
    : value;
}
