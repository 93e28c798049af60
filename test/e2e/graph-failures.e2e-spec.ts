import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTeamsRoom } from '../factories/devices';
import type { ScriptedGraphResponse } from '../fakes/fake-graph.server';
import { GateHarness } from '../helpers/gate-harness';
import { attemptsFor, canonicalUnassignPath, graphTrafficFor, GUID, problemOf } from '../helpers/gate-observations';
import { createLocalTicket, JUSTIFICATION, UNASSIGNER, unassignV1 } from '../helpers/unassign-calls';

const NOT_AUTHORIZED = 'Application is not authorized to perform this operation.';

/**
 * One unassign with Graph's answers scripted: returns the response, the one attempt row it left and what
 * Graph received about the device.
 */
async function unassignWith(
  harness: GateHarness,
  script: { read?: ScriptedGraphResponse; unassign?: ScriptedGraphResponse; reconcile?: ScriptedGraphResponse } = {},
) {
  const device = aTeamsRoom();
  harness.graph.addDevice(device);
  const ticket = await createLocalTicket(harness);
  const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });
  if (script.read) harness.graph.respondNext('read', script.read);
  if (script.unassign) harness.graph.respondNext('unassign', script.unassign);
  // The read after a lost unassign answer is the second read of the device.
  if (script.reconcile) {
    if (!script.read) harness.graph.respondNext('read', { status: 200 });
    harness.graph.respondNext('read', script.reconcile);
  }

  const response = await unassignV1(harness, device.id, caller, { changeTicket: ticket, justification: JUSTIFICATION });

  const rows = await attemptsFor(harness, device.id);
  expect(rows, 'exactly one attempt per request').toHaveLength(1);
  expect(rows[0].id).toBe(response.body.attemptId);
  expect(rows[0].settled_at).not.toBeNull();
  const traffic = graphTrafficFor(harness, device.id);
  expectTheRequestIdOnEveryCall(traffic, response.headers['x-request-id']);
  return { device, response, row: rows[0], traffic };
}

/** Every Graph call of one request, reads, unassigns and the read back, carries the request's own id (a GUID). */
function expectTheRequestIdOnEveryCall(traffic: ReturnType<typeof graphTrafficFor>, requestId: string): void {
  expect(requestId).toMatch(GUID);
  for (const request of traffic.all) expect(request.headers['client-request-id']).toBe(requestId);
}

// One try per call: how each single answer of Graph is mapped. Retries, reconciling and the breaker: resilience tests.
const SINGLE_TRY = { env: { GRAPH_MAX_TRIES: '1' } };

describe('Graph failures on an unassign', () => {
  let harness: GateHarness;
  beforeAll(async () => {
    harness = await GateHarness.start(SINGLE_TRY);
  });
  afterAll(() => harness?.close());

  describe('answers to the unassign POST', () => {
    it("answers 502 GRAPH_ERROR to a 403 and records the human text inside Intune's JSON message", async () => {
      const { device, response, row, traffic } = await unassignWith(harness, {
        unassign: {
          status: 403,
          code: 'Forbidden',
          message: `${NOT_AUTHORIZED} Application must have one of the following scopes: DeviceManagementServiceConfig.ReadWrite.All`,
          intuneStyleMessage: true,
        },
      });

      expect(response.status).toBe(502);
      expect(response.body).toMatchObject({
        ...problemOf('GRAPH_ERROR', 502),
        outcome: 'graph_failed',
        graph: { status: 403, code: 'Forbidden' },
      });
      expect(traffic.posts).toHaveLength(1);
      expect(traffic.posts[0].path).toBe(canonicalUnassignPath(device.id));
      const sentId = traffic.posts[0].headers['client-request-id'];
      expect(row).toMatchObject({
        outcome: 'graph_failed',
        http_status: 502,
        error_code: 'GRAPH_ERROR',
        graph_status: 403,
        graph_error_code: 'Forbidden',
        graph_client_request_id: sentId,
        graph_request_id: response.body.graph.requestId,
      });
      expect(row.graph_request_id).toMatch(GUID);
      expect(row.graph_request_id).not.toBe(sentId);
      const message = row.graph_error_message as string;
      expect(message.startsWith(NOT_AUTHORIZED)).toBe(true);
      // Intune's "Activity ID" is the client-request-id the gate sent, which joins our record to Intune's log.
      expect(message).toContain(`Activity ID: ${sentId}`);
      expect(message).not.toContain('_version');
      expect(message).not.toContain('{');
      expect(harness.graph.device(device.id)?.resourceName).toBe(device.resourceName);
    });

    it('records the innermost text of a double-wrapped Intune message answered with 401', async () => {
      const inner = JSON.stringify(
        { _version: 3, Message: `${NOT_AUTHORIZED} - Activity ID: x`, CustomApiErrorPhrase: '' },
        null,
        2,
      );
      const wrapped = JSON.stringify({ ErrorCode: 'Forbidden', Message: inner, Target: null });
      const { response, row } = await unassignWith(harness, {
        unassign: { status: 401, code: 'UnknownError', message: wrapped },
      });

      expect(response.status).toBe(502);
      expect(row).toMatchObject({
        outcome: 'graph_failed',
        graph_status: 401,
        graph_error_code: 'UnknownError',
        graph_error_message: `${NOT_AUTHORIZED} - Activity ID: x`,
      });
    });

    it("answers 502 GRAPH_ERROR to a 500 and records Graph's code and ids", async () => {
      const { response, row, traffic } = await unassignWith(harness, { unassign: { status: 500 } });

      expect(response.status).toBe(502);
      expect(response.body).toMatchObject({ ...problemOf('GRAPH_ERROR', 502), outcome: 'graph_failed' });
      expect(traffic.posts).toHaveLength(1);
      expect(row).toMatchObject({
        outcome: 'graph_failed',
        graph_status: 500,
        graph_error_code: 'InternalError',
        graph_client_request_id: traffic.posts[0].headers['client-request-id'],
        graph_request_id: response.body.graph.requestId,
      });
      expect(row.graph_request_id).toMatch(GUID);
    });

    it('answers 503 GRAPH_UNAVAILABLE to a 503 and passes its Retry-After on', async () => {
      const { response, row, traffic } = await unassignWith(harness, {
        unassign: { status: 503, headers: { 'Retry-After': '12' } },
      });

      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBe('12');
      expect(response.body).toMatchObject({
        ...problemOf('GRAPH_UNAVAILABLE', 503),
        outcome: 'graph_unavailable',
        retryAfterSeconds: 12,
      });
      expect(traffic.posts).toHaveLength(1);
      expect(row).toMatchObject({
        outcome: 'graph_unavailable',
        http_status: 503,
        error_code: 'GRAPH_UNAVAILABLE',
        graph_status: 503,
      });
      expect(row.graph_request_id).toMatch(GUID);
    });

    it("answers 429 RATE_LIMITED with Graph's Retry-After of 7 seconds", async () => {
      const { response, row, traffic } = await unassignWith(harness, {
        unassign: { status: 429, headers: { 'Retry-After': '7' } },
      });

      expect(response.status).toBe(429);
      expect(response.headers['retry-after']).toBe('7');
      expect(response.body).toMatchObject({
        ...problemOf('RATE_LIMITED', 429),
        outcome: 'rate_limited',
        retryAfterSeconds: 7,
      });
      expect(traffic.posts).toHaveLength(1);
      expect(row).toMatchObject({
        outcome: 'rate_limited',
        http_status: 429,
        error_code: 'RATE_LIMITED',
        graph_status: 429,
        graph_error_code: 'TooManyRequests',
        graph_client_request_id: traffic.posts[0].headers['client-request-id'],
      });
      expect(row.graph_request_id).toMatch(GUID);
    });

    it('rounds a decimal Retry-After up to whole seconds in the header and keeps it exact in the body', async () => {
      const { response, row } = await unassignWith(harness, {
        unassign: { status: 429, headers: { 'Retry-After': '2.128' } },
      });

      expect(response.status).toBe(429);
      expect(response.headers['retry-after']).toBe('3');
      expect(response.body.retryAfterSeconds).toBe(2.128);
      expect(row.outcome).toBe('rate_limited');
    });

    it('answers a 429 without Retry-After without inventing one', async () => {
      const { response, row } = await unassignWith(harness, { unassign: { status: 429 } });

      expect(response.status).toBe(429);
      expect(response.headers['retry-after']).toBeUndefined();
      expect(response.body).not.toHaveProperty('retryAfterSeconds');
      expect(row).toMatchObject({ outcome: 'rate_limited', graph_status: 429 });
    });

    it('reads the device back when Graph does not answer the POST within GRAPH_TIMEOUT_MS, and reports the unassign it finds done', async () => {
      const { device, response, row, traffic } = await unassignWith(harness, {
        unassign: { status: 204, delayMs: 4000 },
      });

      expect(response.status, response.text).toBe(200);
      expect(traffic.posts).toHaveLength(1);
      expect(traffic.reads).toHaveLength(2);
      expect(harness.graph.device(device.id)?.resourceName).toBe('');
      expect(row).toMatchObject({
        outcome: 'succeeded',
        reconciled: true,
        graph_client_request_id: traffic.posts[0].headers['client-request-id'],
      });
      expect(
        (row.graph_tries as { operation: string; result: string }[]).map(
          ({ operation, result }) => `${operation}:${result}`,
        ),
      ).toEqual(['read:ok', 'unassign:timeout', 'reconcile:ok']);
      expect(row.graph_duration_ms as number).toBeGreaterThanOrEqual(1400);
    });

    it('records the outcome as unknown when the connection drops after the POST was sent and the device cannot be read back', async () => {
      const { response, row, traffic } = await unassignWith(harness, {
        unassign: { status: 204, dropConnection: true },
        reconcile: { status: 500 },
      });

      expect(response.status).toBe(502);
      expect(response.body).toMatchObject({ ...problemOf('GRAPH_ERROR', 502), outcome: 'unknown' });
      expect(response.body.detail).toMatch(/may or may not have happened/);
      expect(traffic.posts).toHaveLength(1);
      expect(row).toMatchObject({
        outcome: 'unknown',
        http_status: 502,
        error_code: 'GRAPH_ERROR',
        reconciled: false,
        graph_client_request_id: traffic.posts[0].headers['client-request-id'],
      });
    });

    it('sends the read and the unassign of one attempt with the request id as their client-request-id', async () => {
      const { response, row, traffic } = await unassignWith(harness);

      expect(response.status).toBe(200);
      expect(traffic.reads).toHaveLength(1);
      expect(traffic.posts).toHaveLength(1);
      const requestId = response.headers['x-request-id'];
      expect(traffic.reads[0].headers['client-request-id']).toBe(requestId);
      expect(traffic.posts[0].headers['client-request-id']).toBe(requestId);
      expect(row).toMatchObject({ correlation_id: requestId, graph_client_request_id: requestId });
      expect(response.body.graph.clientRequestId).toBe(requestId);
    });
  });

  describe('answers to the pre-flight read', () => {
    it('answers 502 GRAPH_ERROR to a 500 on the read and never sends the unassign', async () => {
      const { response, row, traffic } = await unassignWith(harness, { read: { status: 500 } });

      expect(response.status).toBe(502);
      expect(response.body).toMatchObject({ ...problemOf('GRAPH_ERROR', 502), outcome: 'graph_failed' });
      expect(traffic.reads).toHaveLength(1);
      expect(traffic.posts).toHaveLength(0);
      expect(row).toMatchObject({
        outcome: 'graph_failed',
        graph_status: 500,
        graph_error_code: 'InternalError',
        graph_client_request_id: traffic.reads[0].headers['client-request-id'],
        device_snapshot: null,
        ticket_snapshot: null,
      });
      expect(row.graph_request_id).toMatch(GUID);
    });

    it('answers 429 RATE_LIMITED to a throttled read and never sends the unassign', async () => {
      const { response, row, traffic } = await unassignWith(harness, {
        read: { status: 429, headers: { 'Retry-After': '4' } },
      });

      expect(response.status).toBe(429);
      expect(response.headers['retry-after']).toBe('4');
      expect(traffic.posts).toHaveLength(0);
      expect(row).toMatchObject({ outcome: 'rate_limited', graph_status: 429 });
    });

    it('answers 504 GRAPH_TIMEOUT to a read that does not answer in time, and never sends the unassign', async () => {
      const { response, row, traffic } = await unassignWith(harness, { read: { status: 200, delayMs: 4000 } });

      expect(response.status).toBe(504);
      expect(traffic.posts).toHaveLength(0);
      expect(row).toMatchObject({
        outcome: 'graph_timeout',
        graph_status: null,
        graph_client_request_id: traffic.reads[0].headers['client-request-id'],
      });
    });

    it('answers 503 GRAPH_UNAVAILABLE to a read whose connection drops, since a read changes nothing', async () => {
      const { response, row, traffic } = await unassignWith(harness, { read: { status: 200, dropConnection: true } });

      expect(response.status).toBe(503);
      expect(response.body.code).toBe('GRAPH_UNAVAILABLE');
      expect(traffic.posts).toHaveLength(0);
      expect(row).toMatchObject({ outcome: 'graph_unavailable', graph_status: null });
    });
  });
});

// Its own gate, because @azure/identity caches the app token: only a credential that has never obtained
// one asks the token endpoint again.
async function expectGraphUnavailableWithoutContact(attempt: Awaited<ReturnType<typeof unassignWith>>): Promise<void> {
  const { response, row, traffic } = attempt;
  expect(response.status, response.text).toBe(503);
  expect(response.body).toMatchObject({ ...problemOf('GRAPH_UNAVAILABLE', 503), outcome: 'graph_unavailable' });
  expect(traffic.all).toEqual([]);
  expect(row).toMatchObject({
    outcome: 'graph_unavailable',
    http_status: 503,
    error_code: 'GRAPH_UNAVAILABLE',
    graph_status: null,
    graph_request_id: null,
    device_snapshot: null,
  });
}

describe('Graph token endpoint refusing the gate', () => {
  let harness: GateHarness;
  beforeAll(async () => {
    harness = await GateHarness.start(SINGLE_TRY);
  });
  afterAll(() => harness?.close());

  it('answers 503 GRAPH_UNAVAILABLE and sends Graph nothing when the authority answers 400 invalid_client', async () => {
    const tokenRequestsBefore = harness.authority.tokenRequests.length;
    harness.authority.respondNextToken(400, {
      error: 'invalid_client',
      error_description:
        'AADSTS7000215: Invalid client secret provided. Trace ID: t Correlation ID: c Timestamp: 2025-01-01 00:00:00Z',
      error_codes: [7000215],
    });

    await expectGraphUnavailableWithoutContact(await unassignWith(harness));
    expect(harness.authority.tokenRequests.length - tokenRequestsBefore).toBe(1);
  });

  it('answers 503 GRAPH_UNAVAILABLE and sends Graph nothing when the authority answers 401', async () => {
    harness.authority.respondNextToken(401);

    await expectGraphUnavailableWithoutContact(await unassignWith(harness));
  });

  it('obtains a token and unassigns once the authority answers again', async () => {
    harness.authority.reset();

    const { response, traffic } = await unassignWith(harness);

    expect(response.status, response.text).toBe(200);
    expect(harness.authority.tokenRequests).toHaveLength(1);
    expect(traffic.posts).toHaveLength(1);
    expect(traffic.posts[0].headers.authorization).toBe(`Bearer ${harness.authority.issuedTokens[0]}`);
  });
});

// MSAL retries a 5xx from the token endpoint for seconds and then throttles that request for a minute, so this
// case gets a gate of its own too.
describe('Graph token endpoint failing with 5xx', () => {
  let harness: GateHarness;
  beforeAll(async () => {
    harness = await GateHarness.start(SINGLE_TRY);
  });
  afterAll(() => harness?.close());

  it('answers 503 GRAPH_UNAVAILABLE naming the token endpoint within GRAPH_TIMEOUT_MS, though MSAL keeps retrying', async () => {
    for (let attempt = 0; attempt < 6; attempt += 1) harness.authority.respondNextToken(503);

    const started = Date.now();
    const attempt = await unassignWith(harness);

    await expectGraphUnavailableWithoutContact(attempt);
    expect(attempt.response.body.reason).toBe('token_endpoint');
    expect(Date.now() - started).toBeLessThan(2500 + 1500);
    expect(harness.authority.tokenRequests.length).toBeGreaterThanOrEqual(1);
    expect(harness.authority.issuedTokens).toEqual([]);
  }, 30_000);
});
