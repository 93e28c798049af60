import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTeamsRoom } from '../../factories/devices';
import type { RecordedGraphRequest } from '../../fakes/fake-graph.server';
import { TcpProxy } from '../../fakes/tcp-proxy';
import { GateHarness } from '../../helpers/gate-harness';
import { graphTrafficFor, theOnlyAttemptFor } from '../../helpers/gate-observations';
import { expectProblem } from '../../helpers/refusal-assertions';
import { createLocalTicket, JUSTIFICATION, UNASSIGNER, unassignV1 } from '../../helpers/unassign-calls';

type Try = {
  operation: string;
  result: string;
  status?: number;
  waitMs: number;
  requestId?: string;
  clientRequestId: string;
};

const triesOf = (row: Record<string, unknown>) => row.graph_tries as Try[];
const summary = (row: Record<string, unknown>) =>
  triesOf(row).map(({ operation, result, status }) => `${operation}:${status ?? result}`);
const receivedAt = (request: RecordedGraphRequest) => request.receivedAt;

describe('Graph back-off and reconciling', () => {
  let harness: GateHarness;
  let ticket: string;
  beforeAll(async () => {
    harness = await GateHarness.start({ env: { GRAPH_MAX_TRIES: '4', GRAPH_CALL_DEADLINE_MS: '8000' } });
    ticket = await createLocalTicket(harness);
  });
  afterAll(() => harness?.close());

  const unassignADevice = async () => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });
    const response = await unassignV1(harness, device.id, caller, {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });
    return { device, response, traffic: graphTrafficFor(harness, device.id) };
  };

  it("retries a 429 after Graph's Retry-After and records both tries", async () => {
    harness.graph.respondNext('unassign', { status: 429, headers: { 'Retry-After': '1' } });

    const { device, response, traffic } = await unassignADevice();

    expect(response.status, response.text).toBe(200);
    expect(traffic.posts).toHaveLength(2);
    expect(receivedAt(traffic.posts[1]) - receivedAt(traffic.posts[0])).toBeGreaterThanOrEqual(1000);
    const row = await theOnlyAttemptFor(harness, device.id, response, { outcome: 'succeeded' });
    expect(summary(row)).toEqual(['read:200', 'unassign:429', 'unassign:204']);
    expect(triesOf(row)[2].waitMs).toBeGreaterThanOrEqual(1000);
    expect(triesOf(row)[1].requestId).not.toBe(triesOf(row)[2].requestId);
  });

  it('retries a 503, and a read that failed with 504', async () => {
    harness.graph.respondNext('read', { status: 504 });
    harness.graph.respondNext('unassign', { status: 503 });

    const { device, response, traffic } = await unassignADevice();

    expect(response.status, response.text).toBe(200);
    expect(traffic.reads).toHaveLength(2);
    expect(traffic.posts).toHaveLength(2);
    const row = await theOnlyAttemptFor(harness, device.id, response, { outcome: 'succeeded' });
    expect(summary(row)).toEqual(['read:504', 'read:200', 'unassign:503', 'unassign:204']);
  });

  it('never retries another 4xx', async () => {
    harness.graph.respondNext('unassign', { status: 403 });

    const { response, traffic } = await unassignADevice();

    expectProblem(response, 502, 'GRAPH_ERROR');
    expect(traffic.posts).toHaveLength(1);
  });

  it('sends the unassign again when a read back shows it did not happen (a try that hung past GRAPH_TIMEOUT_MS)', async () => {
    harness.graph.respondNext('unassign', { status: 503, delayMs: 4000 });

    const { device, response, traffic } = await unassignADevice();

    expect(response.status, response.text).toBe(200);
    expect(traffic.posts).toHaveLength(2);
    const row = await theOnlyAttemptFor(harness, device.id, response, { outcome: 'succeeded', reconciled: false });
    expect(summary(row)).toEqual(['read:200', 'unassign:timeout', 'reconcile:200', 'unassign:204']);
  });

  it('reports a reset after Graph read the request as succeeded when the read back shows it done, and sends nothing again', async () => {
    harness.graph.respondNext('unassign', { status: 204, dropConnection: true });

    const { device, response, traffic } = await unassignADevice();

    expect(response.status, response.text).toBe(200);
    expect(traffic.posts).toHaveLength(1);
    await theOnlyAttemptFor(harness, device.id, response, { outcome: 'succeeded', reconciled: true });
  });

  it('gives up within GRAPH_CALL_DEADLINE_MS when Retry-After asks for longer, passing 429 and Retry-After on', async () => {
    harness.graph.respondNext('unassign', { status: 429, headers: { 'Retry-After': '30' } });

    const started = Date.now();
    const { response, traffic } = await unassignADevice();

    expectProblem(response, 429, 'RATE_LIMITED');
    expect(response.headers['retry-after']).toBe('30');
    expect(traffic.posts).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it('stops after GRAPH_MAX_TRIES', async () => {
    for (let i = 0; i < 4; i += 1) harness.graph.respondNext('unassign', { status: 503 });

    const { response, traffic } = await unassignADevice();

    expectProblem(response, 503, 'GRAPH_UNAVAILABLE');
    expect(traffic.posts).toHaveLength(4);
  });
});

describe('Graph refusing connections, and the circuit breaker', () => {
  let harness: GateHarness;
  let proxy: TcpProxy;
  let ticket: string;
  beforeAll(async () => {
    harness = await GateHarness.prepare();
    proxy = await TcpProxy.start({ host: '127.0.0.1', port: harness.graph.port });
    await harness.boot({
      env: {
        GRAPH_BASE_URL: `http://127.0.0.1:${proxy.port}/beta`,
        GRAPH_MAX_TRIES: '2',
        GRAPH_BREAKER_FAILURES: '4',
        GRAPH_BREAKER_COOLDOWN_MS: '1500',
      },
    });
    ticket = await createLocalTicket(harness);
  });
  afterAll(async () => {
    await proxy?.close();
    await harness?.close();
  });

  const unassignADevice = async () => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });
    const response = await unassignV1(harness, device.id, caller, {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });
    return { device, response };
  };

  it('answers 503 when Graph refuses connections, opens after GRAPH_BREAKER_FAILURES failed tries, fails fast while open, and closes after a probe', async () => {
    await unassignADevice(); // the app token, obtained before Graph goes away
    await proxy.cut();

    const refused = await unassignADevice();
    const breaking = await unassignADevice();
    const readiness = await harness.http.get('/health/ready');
    const requestsBefore = harness.graph.requests.length;
    const fastFailure = await unassignADevice();

    expectProblem(refused.response, 503, 'GRAPH_UNAVAILABLE');
    expect(refused.response.body.reason).toBe('connection');
    expectProblem(breaking.response, 503, 'GRAPH_UNAVAILABLE');
    expect(readiness.status).toBe(200);
    expect(readiness.body.graph.circuit).toMatchObject({ state: 'open' });
    expectProblem(fastFailure.response, 503, 'GRAPH_UNAVAILABLE');
    expect(fastFailure.response.body.reason).toBe('circuit_open');
    expect(Number(fastFailure.response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(harness.graph.requests.length).toBe(requestsBefore);
    await theOnlyAttemptFor(harness, fastFailure.device.id, fastFailure.response, { outcome: 'graph_unavailable' });

    await proxy.heal();
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const probe = await unassignADevice();

    expect(probe.response.status, probe.response.text).toBe(200);
    expect((await harness.http.get('/health/ready')).body.graph.circuit).toEqual({ state: 'closed' });
  });
});

// Its own gate: @azure/identity caches the app token, so only a gate that has never obtained one asks again.
describe('a failing token endpoint and the circuit breaker', () => {
  let harness: GateHarness;
  let ticket: string;
  beforeAll(async () => {
    harness = await GateHarness.start({
      env: { GRAPH_MAX_TRIES: '1', GRAPH_BREAKER_FAILURES: '2', GRAPH_BREAKER_COOLDOWN_MS: '60000' },
    });
    ticket = await createLocalTicket(harness);
  });
  afterAll(() => harness?.close());

  it('counts token failures toward the breaker, which then fails fast without asking the token endpoint', async () => {
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });
    const unassign = () => {
      const device = aTeamsRoom();
      harness.graph.addDevice(device);
      return unassignV1(harness, device.id, caller, { changeTicket: ticket, justification: JUSTIFICATION });
    };
    harness.authority.respondNextToken(400);
    harness.authority.respondNextToken(400);

    const first = await unassign();
    const second = await unassign();
    const tokenRequests = harness.authority.tokenRequests.length;
    const third = await unassign();

    expect(first.body.reason).toBe('token_endpoint');
    expect(second.body.reason).toBe('token_endpoint');
    expectProblem(third, 503, 'GRAPH_UNAVAILABLE');
    expect(third.body.reason).toBe('circuit_open');
    expect(harness.authority.tokenRequests).toHaveLength(tokenRequests);
    expect(harness.graph.requests).toHaveLength(0);
  });
});
