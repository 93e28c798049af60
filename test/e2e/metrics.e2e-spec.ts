import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttemptSweeper } from '../../src/attempts/sweeper/attempt-sweeper';
import type { FakeAutopilotDevice } from '../fakes/fake-graph.server';
import { GateHarness } from '../helpers/gate-harness';
import { valueOf, type Exposition } from '../helpers/prometheus-text';
import { expectProblem } from '../helpers/refusal-assertions';
import { aTeamsRoomIn, createLocalTicket, JUSTIFICATION, UNASSIGNER, unassignV1 } from '../helpers/unassign-calls';

const UNASSIGN_ROUTE = '/v1/autopilot-devices/:deviceId/unassign-resource-account';
const FACADE = '/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities';

/** How far each series named moved between two scrapes. */
function moved(before: Exposition, after: Exposition) {
  return (name: string, labels: Record<string, string> = {}) =>
    valueOf(after, name, labels) - valueOf(before, name, labels);
}

describe('GET /metrics on METRICS_PORT', () => {
  let harness: GateHarness;
  let ticket: string;
  beforeAll(async () => {
    harness = await GateHarness.start({ metrics: true, env: { RATE_LIMIT_PER_CALLER: '2' } });
    ticket = await createLocalTicket(harness);
  });
  afterAll(() => harness?.close());

  const aDevice = (overrides: Partial<FakeAutopilotDevice> = {}) => aTeamsRoomIn(harness, overrides);
  // Each call its own caller, so RATE_LIMIT_PER_CALLER only stops the one test that floods.
  const unassign = async (device: FakeAutopilotDevice, oid = randomUUID()) =>
    unassignV1(harness, device.id, await harness.issuer.userToken({ roles: [UNASSIGNER], oid }), {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });

  it('is not served on the API port', async () => {
    const response = await harness.http.get('/metrics');

    expect(response.status).toBe(404);
    expect(response.text).not.toContain('autopilot_gate_');
  });

  it('counts requests by route template and status, and times them', async () => {
    const before = await harness.scrapeMetrics();

    expect((await unassign(aDevice())).status).toBe(200);
    expect((await harness.http.get('/no/such/route')).status).toBe(404);
    const after = await harness.scrapeMetrics();

    const delta = moved(before, after);
    const ok = { method: 'POST', route: UNASSIGN_ROUTE, status: '200' };
    expect(delta('autopilot_gate_http_requests_total', ok)).toBe(1);
    expect(delta('autopilot_gate_http_request_duration_seconds_count', ok)).toBe(1);
    expect(delta('autopilot_gate_http_request_duration_seconds_sum', ok)).toBeGreaterThan(0);
    expect(delta('autopilot_gate_http_request_duration_seconds_bucket', { ...ok, le: '+Inf' })).toBe(1);
    expect(delta('autopilot_gate_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(after.types.get('autopilot_gate_http_request_duration_seconds')).toBe('histogram');
  });

  it('counts attempts by outcome and entry point when they are settled, by the request or by the sweeper', async () => {
    const before = await harness.scrapeMetrics();
    const unassigner = await harness.issuer.userToken({ roles: [UNASSIGNER] });

    expect((await unassign(aDevice())).status).toBe(200);
    const denied = await harness.http
      .post(`${FACADE}/${aDevice({ groupTag: 'OTHER' }).id}/unassignResourceAccountFromDevice`)
      .set('authorization', `Bearer ${unassigner}`)
      .set('x-change-ticket', ticket)
      .set('x-justification', JUSTIFICATION)
      .send();
    expect(denied.status).toBe(403);
    const stale = aDevice({ resourceName: '' });
    await harness.gate.database.sql.query(
      `INSERT INTO attempts (id, received_at, outcome, entry_point, correlation_id, policy_version, device_id, decision)
       VALUES ($1, now() - interval '1 hour', 'in_flight', 'graph-facade', $2, 'test', $3, 'allowed')`,
      [randomUUID(), randomUUID(), stale.id],
    );
    await harness.gate.app.get(AttemptSweeper).sweep();
    const after = await harness.scrapeMetrics();

    const delta = moved(before, after);
    expect(
      delta('autopilot_gate_attempts_total', { outcome: 'succeeded', entry_point: 'v1', settled_by: 'request' }),
    ).toBe(1);
    expect(
      delta('autopilot_gate_attempts_total', {
        outcome: 'policy_denied',
        entry_point: 'graph-facade',
        settled_by: 'request',
      }),
    ).toBe(1);
    expect(
      delta('autopilot_gate_attempts_total', {
        outcome: 'succeeded',
        entry_point: 'graph-facade',
        settled_by: 'sweeper',
      }),
    ).toBe(1);
  });

  it('times each Graph try by operation and status, and counts retries and the 429s Graph answered', async () => {
    const before = await harness.scrapeMetrics();

    harness.graph.respondNext('read', { status: 429, headers: { 'retry-after': '0' } });
    expect((await unassign(aDevice())).status).toBe(200);
    const after = await harness.scrapeMetrics();

    const delta = moved(before, after);
    expect(
      delta('autopilot_gate_graph_request_duration_seconds_count', {
        operation: 'read',
        result: 'error',
        status: '429',
      }),
    ).toBe(1);
    expect(
      delta('autopilot_gate_graph_request_duration_seconds_count', { operation: 'read', result: 'ok', status: '200' }),
    ).toBe(1);
    expect(
      delta('autopilot_gate_graph_request_duration_seconds_count', {
        operation: 'unassign',
        result: 'ok',
        status: '204',
      }),
    ).toBe(1);
    expect(delta('autopilot_gate_graph_request_duration_seconds_sum', { operation: 'unassign' })).toBeGreaterThan(0);
    expect(delta('autopilot_gate_graph_retries_total', { operation: 'read' })).toBe(1);
    expect(delta('autopilot_gate_graph_throttled_responses_total', { operation: 'read' })).toBe(1);
  });

  it('times change ticket look-ups by provider and result', async () => {
    const before = await harness.scrapeMetrics();

    const missing = await unassignV1(harness, aDevice().id, await harness.issuer.userToken({ roles: [UNASSIGNER] }), {
      changeTicket: 'CHG9999999',
      justification: JUSTIFICATION,
    });
    expect(missing.status).toBe(422);
    const after = await harness.scrapeMetrics();

    expect(
      moved(before, after)('autopilot_gate_ticket_lookup_duration_seconds_count', {
        provider: 'local',
        result: 'not_found',
      }),
    ).toBe(1);
    expect(
      valueOf(after, 'autopilot_gate_ticket_lookup_duration_seconds_count', { provider: 'local', result: 'found' }),
    ).toBeGreaterThan(0);
  });

  it("counts the gate's own inbound refusals by reason", async () => {
    const before = await harness.scrapeMetrics();
    const oid = randomUUID();

    for (let i = 0; i < 2; i += 1) expect((await unassign(aDevice(), oid)).status).toBe(200);
    expectProblem(await unassign(aDevice(), oid), 429, 'RATE_LIMITED');
    const after = await harness.scrapeMetrics();

    const delta = moved(before, after);
    expect(delta('autopilot_gate_rate_limit_refusals_total', { reason: 'caller_limit' })).toBe(1);
    expect(delta('autopilot_gate_attempts_total', { outcome: 'rate_limited', entry_point: 'v1' })).toBe(1);
  });

  it("reports the circuit breaker's state, the database pool and Node's own process metrics", async () => {
    const metrics = await harness.scrapeMetrics();

    expect(valueOf(metrics, 'autopilot_gate_graph_circuit_state', { state: 'closed' })).toBe(1);
    expect(valueOf(metrics, 'autopilot_gate_graph_circuit_state', { state: 'open' })).toBe(0);
    if (harness.database.databaseUrl) {
      // Every request so far has given its connections back: the pool holds idle ones, none in use, no one waiting.
      expect(valueOf(metrics, 'autopilot_gate_database_pool_connections', { state: 'idle' })).toBeGreaterThan(0);
    } else {
      expect(valueOf(metrics, 'autopilot_gate_database_pool_connections', { state: 'in_use' })).toBe(1);
      expect(valueOf(metrics, 'autopilot_gate_database_pool_connections', { state: 'idle' })).toBe(0);
    }
    expect(metrics.samples.some((sample) => sample.name === 'autopilot_gate_database_pool_waiting_requests')).toBe(
      true,
    );
    expect(valueOf(metrics, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(valueOf(metrics, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });
});

describe('GET /metrics while Graph is in trouble', () => {
  let harness: GateHarness;
  let ticket: string;
  beforeAll(async () => {
    harness = await GateHarness.start({
      metrics: true,
      env: { GRAPH_MAX_TRIES: '1', GRAPH_BREAKER_FAILURES: '1', GRAPH_BREAKER_COOLDOWN_MS: '600000' },
    });
    ticket = await createLocalTicket(harness);
  });
  afterAll(() => harness?.close());

  it('shows the circuit open once Graph has failed', async () => {
    const device = aTeamsRoomIn(harness);
    harness.graph.respondNext('read', { status: 503 });

    const failed = await unassignV1(harness, device.id, await harness.issuer.userToken({ roles: [UNASSIGNER] }), {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });
    const metrics = await harness.scrapeMetrics();

    expect(failed.status).toBe(503);
    expect(valueOf(metrics, 'autopilot_gate_graph_circuit_state', { state: 'open' })).toBe(1);
    expect(valueOf(metrics, 'autopilot_gate_graph_circuit_state', { state: 'closed' })).toBe(0);
    expect(
      valueOf(metrics, 'autopilot_gate_graph_request_duration_seconds_count', {
        operation: 'read',
        result: 'error',
        status: '503',
      }),
    ).toBe(1);
  });
});

describe('GET /metrics while the gate paces its calls to Graph', () => {
  let harness: GateHarness;
  let ticket: string;
  beforeAll(async () => {
    // One token, and the next one 1000 s away: the read takes it, the unassign cannot wait that long.
    harness = await GateHarness.start({
      metrics: true,
      env: { GRAPH_RATE_PER_SECOND: '0.001', GRAPH_RATE_BURST: '1', GRAPH_CALL_DEADLINE_MS: '1000' },
    });
    ticket = await createLocalTicket(harness);
  });
  afterAll(() => harness?.close());

  it('counts a pacing refusal', async () => {
    const device = aTeamsRoomIn(harness);
    const before = await harness.scrapeMetrics();

    const paced = await unassignV1(harness, device.id, await harness.issuer.userToken({ roles: [UNASSIGNER] }), {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });
    const after = await harness.scrapeMetrics();

    expectProblem(paced, 429, 'RATE_LIMITED');
    expect(paced.body.reason).toBe('gate_pacing');
    expect(moved(before, after)('autopilot_gate_rate_limit_refusals_total', { reason: 'gate_pacing' })).toBe(1);
  });
});
