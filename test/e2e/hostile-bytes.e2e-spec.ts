import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTeamsRoom } from '../factories/devices';
import { anImplementingChange } from '../factories/servicenow-changes';
import { GateHarness } from '../helpers/gate-harness';
import { attemptsFor, graphTrafficFor, theOnlyAttemptFor } from '../helpers/gate-observations';
import { expectProblem } from '../helpers/refusal-assertions';
import { JUSTIFICATION, UNASSIGNER, unassignV1 } from '../helpers/unassign-calls';

const NUL = '\u0000';
const LONE_SURROGATE = '\ud800';
const REPLACEMENT = '\uFFFD';
const HOSTILE = [
  ['NUL', NUL],
  ['a lone surrogate', LONE_SURROGATE],
] as const;

/** What a row holds where a hostile character arrived: the same text with U+FFFD in its place. */
const stored = (text: string) => text.replaceAll(NUL, REPLACEMENT).replaceAll(LONE_SURROGATE, REPLACEMENT);

/** The one error line a stack trace would come with: no request may produce one. */
const errorLines = (harness: GateHarness) => harness.logs.filter((line) => JSON.parse(line).level >= 50);

describe('one request, one record, even with hostile bytes', () => {
  let harness: GateHarness;
  beforeAll(async () => {
    harness = await GateHarness.start({ ticketProvider: 'servicenow' });
  });
  afterAll(() => harness?.close());

  const unassign = async (
    deviceId: string,
    body: Record<string, unknown>,
    claims: { upn?: string; roles?: string[] } = {},
  ) => {
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER], ...claims });
    return unassignV1(harness, deviceId, caller, body);
  };

  it('records a device id of %00 as an invalid request, with the character replaced', async () => {
    const before = errorLines(harness).length;
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });

    const response = await harness.http
      .post('/v1/autopilot-devices/%00/unassign-resource-account')
      .set('authorization', `Bearer ${caller}`)
      .send({ changeTicket: 'CHG0000001', justification: JUSTIFICATION });

    expectProblem(response, 400, 'INVALID_REQUEST');
    const rows = (await harness.attemptRows()).filter((row) => row.id === response.body.attemptId);
    expect(rows).toEqual([
      expect.objectContaining({ outcome: 'invalid_request', device_id: REPLACEMENT, http_status: 400 }),
    ]);
    expect(errorLines(harness)).toHaveLength(before);
  });

  it.each(HOSTILE)('refuses %s in the justification as invalid, and records the attempt', async (_, character) => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);

    const response = await unassign(device.id, {
      changeTicket: 'CHG0000001',
      justification: `${JUSTIFICATION}${character}`,
    });

    expectProblem(response, 400, 'INVALID_REQUEST');
    expect(response.body.errors).toEqual([expect.objectContaining({ path: 'justification' })]);
    expect(graphTrafficFor(harness, device.id).all).toHaveLength(0);
    await theOnlyAttemptFor(harness, device.id, response, { outcome: 'invalid_request' });
  });

  it.each(HOSTILE)('records %s in the token claims and still settles the attempt', async (_, character) => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    const change = harness.serviceNow.addChange(anImplementingChange());
    const upn = `evil${character}@contoso.example`;
    const roles = [UNASSIGNER, `Role${character}`];

    const response = await unassign(
      device.id,
      { changeTicket: change.number, justification: JUSTIFICATION },
      { upn, roles },
    );

    expect(response.status, response.text).toBe(200);
    await theOnlyAttemptFor(harness, device.id, response, {
      outcome: 'succeeded',
      actor_upn: stored(upn),
      actor_roles: roles.map(stored),
    });
  });

  it.each(HOSTILE)(
    'settles a forwarded attempt as succeeded when a Graph device field holds %s',
    async (_, character) => {
      const device = aTeamsRoom({ displayName: `ROOM${character}-1`, model: `Model${character}` } as never);
      harness.graph.addDevice(device);
      const change = harness.serviceNow.addChange(anImplementingChange());

      const response = await unassign(device.id, { changeTicket: change.number, justification: JUSTIFICATION });

      expect(response.status, response.text).toBe(200);
      expect(graphTrafficFor(harness, device.id).posts).toHaveLength(1);
      const row = await theOnlyAttemptFor(harness, device.id, response, { outcome: 'succeeded', graph_status: 204 });
      expect(row.settled_at).not.toBeNull();
      expect(row.device_snapshot).toMatchObject({
        displayName: stored(device.displayName),
        model: stored(`Model${character}`),
      });
    },
  );

  it.each(HOSTILE)(
    'settles a forwarded attempt as succeeded when the ServiceNow change holds %s',
    async (_, character) => {
      const device = aTeamsRoom();
      harness.graph.addDevice(device);
      const shortDescription = `Unassign ${character} rooms`;
      const change = harness.serviceNow.addChange(anImplementingChange({ shortDescription, stateLabel: `Implement` }));

      const response = await unassign(device.id, { changeTicket: change.number, justification: JUSTIFICATION });

      expect(response.status, response.text).toBe(200);
      const row = await theOnlyAttemptFor(harness, device.id, response, { outcome: 'succeeded' });
      expect(row.ticket_snapshot).toMatchObject({ shortDescription: stored(shortDescription) });
    },
  );

  it('refuses a percent-encoded NUL in X-Justification on the facade, and records the attempt', async () => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    const change = harness.serviceNow.addChange(anImplementingChange());
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });

    const response = await harness.http
      .post(
        `/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities/${device.id}/unassignResourceAccountFromDevice`,
      )
      .set('authorization', `Bearer ${caller}`)
      .set('x-change-ticket', change.number)
      .set('x-justification', "UTF-8''Room%20decommissioned%00%20today");

    expect(response.status, response.text).toBe(400);
    expect(graphTrafficFor(harness, device.id).all).toHaveLength(0);
    expect(await attemptsFor(harness, device.id)).toEqual([expect.objectContaining({ outcome: 'invalid_request' })]);
  });

  describe('a ticket system whose answer cannot be read', () => {
    it.each([
      [
        'answers 200 with an HTML page',
        { status: 200, rawBody: { contentType: 'text/html', text: '<html><body>Log in</body></html>' } },
      ],
      [
        'answers 200 with JSON that has no result list',
        { status: 200, rawBody: { contentType: 'application/json', text: '{"result":"busy"}' } },
      ],
      ['stalls in the middle of the body', { status: 200, stallMidBody: true }],
    ])('is unavailable, never unknown, when it %s: 503 and nothing forwarded', async (_, scripted) => {
      const device = aTeamsRoom();
      harness.graph.addDevice(device);
      const change = harness.serviceNow.addChange(anImplementingChange());
      harness.serviceNow.respondNext(scripted);

      const response = await unassign(device.id, { changeTicket: change.number, justification: JUSTIFICATION });

      expectProblem(response, 503, 'TICKET_PROVIDER_UNAVAILABLE');
      expect(response.body.outcome).toBe('ticket_unavailable');
      expect(graphTrafficFor(harness, device.id).posts).toHaveLength(0);
      await theOnlyAttemptFor(harness, device.id, response, {
        outcome: 'ticket_unavailable',
        http_status: 503,
        decision: 'denied',
      });
    });
  });

  it('forwards to the id the caller asked for, and refuses a device whose answer claims another id', async () => {
    const device = aTeamsRoom({ reportedId: 'other-device/../../../x?y=1#' });
    harness.graph.addDevice(device);
    const change = harness.serviceNow.addChange(anImplementingChange());
    const postsBefore = harness.graph.unassignRequests.length;

    const response = await unassign(device.id, { changeTicket: change.number, justification: JUSTIFICATION });

    expectProblem(response, 502, 'GRAPH_ERROR');
    expect(JSON.stringify(response.body)).not.toContain('other-device');
    expect(harness.graph.unassignRequests).toHaveLength(postsBefore);
    await theOnlyAttemptFor(harness, device.id, response, { outcome: 'graph_failed', device_id: device.id });
  });
});
