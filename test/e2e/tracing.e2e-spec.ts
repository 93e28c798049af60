import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GateTracer } from '../../src/tracing/gate-tracer';
import { NoopTracer } from '../../src/tracing/noop-tracer';
import { anImplementingChange } from '../factories/servicenow-changes';
import { OtlpReceiverServer, type ReceivedSpan } from '../fakes/otlp-receiver.server';
import { GateHarness } from '../helpers/gate-harness';
import { aTeamsRoomIn, JUSTIFICATION, UNASSIGNER } from '../helpers/unassign-calls';

const SERVER = 2;
const CLIENT = 3;
const UNASSIGN_SPAN = 'POST /v1/autopilot-devices/:deviceId/unassign-resource-account';

describe('tracing over OTLP/HTTP (OTEL_EXPORTER_OTLP_ENDPOINT set)', () => {
  let receiver: OtlpReceiverServer;
  let harness: GateHarness;
  beforeAll(async () => {
    receiver = await OtlpReceiverServer.start();
    harness = await GateHarness.start({
      ticketProvider: 'servicenow',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SERVICE_NAME: 'gate-under-test' },
    });
  });
  afterAll(async () => {
    await harness?.close();
    await receiver?.close();
  });

  const unassign = async (headers: Record<string, string> = {}) => {
    const device = aTeamsRoomIn(harness);
    const call = harness.http
      .post(`/v1/autopilot-devices/${device.id}/unassign-resource-account`)
      .set('authorization', `Bearer ${await harness.issuer.userToken({ roles: [UNASSIGNER] })}`);
    for (const [name, value] of Object.entries(headers)) call.set(name, value);
    return call.send({
      changeTicket: harness.serviceNow.addChange(anImplementingChange()).number,
      justification: JUSTIFICATION,
    });
  };
  const serverSpanOf = (spans: ReceivedSpan[], requestId: string) =>
    spans.find((span) => span.kind === SERVER && span.attributes['autopilot_gate.request_id'] === requestId);

  it('exports the spans of one request under one trace id: the request, the ticket look-up, each attempt write and each Graph try', async () => {
    const response = await unassign();
    expect(response.status, response.text).toBe(200);
    const requestId = response.headers['x-request-id'];

    const spans = await receiver.waitFor((received) => {
      const root = serverSpanOf(received, requestId);
      return !!root && received.filter((span) => span.traceId === root.traceId).length >= 6;
    });

    const root = serverSpanOf(spans, requestId)!;
    expect(root).toMatchObject({ name: UNASSIGN_SPAN, parentSpanId: undefined, serviceName: 'gate-under-test' });
    expect(root.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/autopilot-devices/:deviceId/unassign-resource-account',
      'http.response.status_code': 200,
    });
    const trace = spans.filter((span) => span.traceId === root.traceId);
    const children = trace.filter((span) => span !== root);
    expect(children.map((span) => span.name).sort()).toEqual([
      'attempt open',
      'attempt settle',
      'graph read',
      'graph unassign',
      'ticket lookup',
    ]);
    for (const child of children) expect(child.parentSpanId, child.name).toBe(root.spanId);
    expect(children.find((span) => span.name === 'ticket lookup')!.attributes).toMatchObject({
      'autopilot_gate.ticket.provider': 'servicenow',
      'autopilot_gate.ticket.result': 'found',
    });
    const graphUnassign = children.find((span) => span.name === 'graph unassign')!;
    expect(graphUnassign).toMatchObject({ kind: CLIENT });
    expect(graphUnassign.attributes).toMatchObject({
      'http.response.status_code': 204,
      'autopilot_gate.graph.client_request_id': requestId,
      'autopilot_gate.graph.try': 1,
    });
    expect(new Set(receiver.contentTypes)).toEqual(new Set(['application/json']));
    // The log lines of the request name its trace.
    expect(harness.logLines().find((line) => line.requestId === requestId && line.msg === 'request')).toMatchObject({
      traceId: root.traceId,
    });
  });

  it("continues a caller's W3C trace context", async () => {
    const traceId = randomBytes(16).toString('hex');
    const parentSpanId = randomBytes(8).toString('hex');

    const response = await unassign({ traceparent: `00-${traceId}-${parentSpanId}-01` });

    const spans = await receiver.waitFor((received) => !!serverSpanOf(received, response.headers['x-request-id']));
    expect(serverSpanOf(spans, response.headers['x-request-id'])).toMatchObject({ traceId, parentSpanId });
  });

  it('sends what is still buffered when the gate stops', async () => {
    const response = await unassign();
    await harness.stopGate();

    // No waiting: shutdown itself must have exported the request's spans.
    expect(serverSpanOf(receiver.spans, response.headers['x-request-id'])).toBeDefined();
  });
});

describe('tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  let harness: GateHarness;
  beforeAll(async () => {
    harness = await GateHarness.start();
  });
  afterAll(() => harness?.close());

  it('binds the no-op tracer, and log lines carry no trace id', async () => {
    expect(harness.gate.app.get(GateTracer)).toBeInstanceOf(NoopTracer);

    const response = await harness.http.get('/health/live');

    const line = harness.logLines().find((entry) => entry.requestId === response.headers['x-request-id']);
    expect(line).toBeDefined();
    expect(line).not.toHaveProperty('traceId');
  });
});
