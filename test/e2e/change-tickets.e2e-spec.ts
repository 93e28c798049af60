import { readFileSync } from 'node:fs';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTeamsRoom } from '../factories/devices';
import { anImplementingChange, hoursFromNow } from '../factories/servicenow-changes';
import { aTicketNumber } from '../factories/tickets';
import type { FakeAutopilotDevice, FakeGraphServer } from '../fakes/fake-graph.server';
import type { FakeServiceNowServer, RecordedServiceNowRequest } from '../fakes/fake-servicenow.server';
import { GateHarness, SERVICENOW_PASSWORD, SERVICENOW_USER } from '../helpers/gate-harness';
import { attemptsFor, graphTrafficFor, problemOf, theOnlyAttemptFor } from '../helpers/gate-observations';
import {
  SERVICENOW_OAUTH_CLIENT_ID,
  SERVICENOW_OAUTH_CLIENT_SECRET,
  startGateWithServiceNowOAuth,
  type OAuthServiceNowGate,
} from '../helpers/servicenow-oauth';
import { createLocalTicket, JUSTIFICATION, UNASSIGNER, unassignV1 } from '../helpers/unassign-calls';

const HOUR_MS = 60 * 60 * 1000;
const hours = (n: number) => new Date(Date.now() + n * HOUR_MS).toISOString();

/** The shipped policy with requireDeviceInTicket on, so the affected-CI check is exercised too. */
const POLICY_REQUIRING_DEVICE = readFileSync('config/policy.yaml', 'utf8').replace(
  'requireDeviceInTicket: false',
  'requireDeviceInTicket: true',
);

async function unassignWithTicket(
  harness: GateHarness,
  device: FakeAutopilotDevice,
  changeTicket: string,
): Promise<Response> {
  harness.graph.addDevice(device);
  const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });
  return unassignV1(harness, device.id, caller, { changeTicket, justification: JUSTIFICATION });
}

/** A ticket refusal: 422 listing exactly these checks, one attempt with the ticket as read, and no unassign sent. */
async function expectTicketRejected(
  harness: GateHarness,
  response: Response,
  device: FakeAutopilotDevice,
  codes: string[],
) {
  expect(response.status, response.text).toBe(422);
  expect(response.body).toMatchObject({ ...problemOf('CHANGE_TICKET_REJECTED', 422), outcome: 'ticket_rejected' });
  expect(response.body.reasons.map((reason: { code: string }) => reason.code).sort()).toEqual([...codes].sort());
  expectNothingForwarded(harness.graph, device);
  const row = await theOnlyAttemptFor(harness, device.id, response, {
    outcome: 'ticket_rejected',
    http_status: 422,
    error_code: 'CHANGE_TICKET_REJECTED',
    decision: 'denied',
    break_glass: false,
  });
  return row;
}

function expectNothingForwarded(graph: FakeGraphServer, device: FakeAutopilotDevice): void {
  const posts = graph.unassignRequests.filter((request) => request.path.includes(device.id));
  expect(posts).toHaveLength(0);
  expect(graph.device(device.id)?.resourceName).toBe(device.resourceName);
}

function tableRequests(
  serviceNow: FakeServiceNowServer,
  table: string,
  sysparmQuery: string,
): RecordedServiceNowRequest[] {
  return serviceNow.requests.filter(
    (request) => request.path === `/api/now/table/${table}` && request.query.sysparm_query === sysparmQuery,
  );
}

describe('change tickets', () => {
  describe('local provider', () => {
    let harness: GateHarness;
    beforeAll(async () => {
      harness = await GateHarness.start({ policyYaml: POLICY_REQUIRING_DEVICE });
    });
    afterAll(() => harness?.close());

    /** A device and a local ticket that lists it, with some checks made to fail. */
    async function deviceWithTicket(overrides: Record<string, unknown>) {
      const device = aTeamsRoom();
      const ticket = await createLocalTicket(harness, { affectedCis: [device.serialNumber], ...overrides });
      return { device, ticket };
    }

    it('passes a ticket that lists the device by serial number', async () => {
      const { device, ticket } = await deviceWithTicket({});

      const response = await unassignWithTicket(harness, device, ticket);

      expect(response.status, response.text).toBe(200);
      expect(graphTrafficFor(harness, device.id).posts).toHaveLength(1);
      const [row] = await attemptsFor(harness, device.id);
      expect(row).toMatchObject({ outcome: 'succeeded', change_ticket: ticket });
      expect(row.ticket_snapshot).toMatchObject({
        number: ticket,
        source: 'local',
        affectedCis: [device.serialNumber],
      });
    });

    it('passes a ticket that lists the device by display name, ignoring case', async () => {
      const device = aTeamsRoom();
      const ticket = await createLocalTicket(harness, { affectedCis: [device.displayName.toLowerCase()] });

      const response = await unassignWithTicket(harness, device, ticket);

      expect(response.status, response.text).toBe(200);
      expect(graphTrafficFor(harness, device.id).posts).toHaveLength(1);
    });

    it('rejects a ticket that does not exist', async () => {
      const device = aTeamsRoom();
      const ticket = aTicketNumber();

      const response = await unassignWithTicket(harness, device, ticket);

      const row = await expectTicketRejected(harness, response, device, ['TICKET_NOT_FOUND']);
      expect(row).toMatchObject({ change_ticket: ticket, ticket_snapshot: null });
      // The device was read (policy and "anything to unassign" come first), the unassign never sent.
      expect(graphTrafficFor(harness, device.id).reads).toHaveLength(1);
    });

    it('rejects a ticket in a state the policy does not accept', async () => {
      const { device, ticket } = await deviceWithTicket({ state: 'Scheduled' });

      const response = await unassignWithTicket(harness, device, ticket);

      const row = await expectTicketRejected(harness, response, device, ['TICKET_STATE_NOT_ACCEPTED']);
      expect(row.ticket_snapshot).toMatchObject({
        number: ticket,
        source: 'local',
        state: 'Scheduled',
        approval: 'approved',
      });
    });

    it('rejects a ticket that is not approved', async () => {
      const { device, ticket } = await deviceWithTicket({ approval: 'requested' });

      const response = await unassignWithTicket(harness, device, ticket);

      const row = await expectTicketRejected(harness, response, device, ['TICKET_NOT_APPROVED']);
      expect(row.ticket_snapshot).toMatchObject({ number: ticket, state: 'Implement', approval: 'requested' });
    });

    it('rejects a ticket whose window has not opened yet', async () => {
      const plannedStart = hours(1);
      const { device, ticket } = await deviceWithTicket({ plannedStart, plannedEnd: hours(2) });

      const response = await unassignWithTicket(harness, device, ticket);

      const row = await expectTicketRejected(harness, response, device, ['TICKET_BEFORE_WINDOW']);
      expect(row.ticket_snapshot).toMatchObject({ number: ticket, plannedStart });
    });

    it('rejects a ticket whose window has closed', async () => {
      const plannedEnd = hours(-1);
      const { device, ticket } = await deviceWithTicket({ plannedStart: hours(-2), plannedEnd });

      const response = await unassignWithTicket(harness, device, ticket);

      const row = await expectTicketRejected(harness, response, device, ['TICKET_AFTER_WINDOW']);
      expect(row.ticket_snapshot).toMatchObject({ number: ticket, plannedEnd });
    });

    it('rejects a ticket whose affected CIs do not include the device when the policy requires it', async () => {
      const device = aTeamsRoom();
      const ticket = await createLocalTicket(harness, { affectedCis: ['MTR-SN-SOMEONE-ELSE', 'ROOM-ELSEWHERE'] });

      const response = await unassignWithTicket(harness, device, ticket);

      const row = await expectTicketRejected(harness, response, device, ['DEVICE_NOT_IN_TICKET']);
      expect(row.ticket_snapshot).toMatchObject({
        number: ticket,
        affectedCis: ['MTR-SN-SOMEONE-ELSE', 'ROOM-ELSEWHERE'],
      });
    });

    it('lists every failed check of a ticket that fails several at once', async () => {
      const device = aTeamsRoom();
      const ticket = await createLocalTicket(harness, {
        state: 'Review',
        approval: 'rejected',
        plannedStart: hours(-3),
        plannedEnd: hours(-2),
        affectedCis: [],
      });

      const response = await unassignWithTicket(harness, device, ticket);

      await expectTicketRejected(harness, response, device, [
        'TICKET_STATE_NOT_ACCEPTED',
        'TICKET_NOT_APPROVED',
        'TICKET_AFTER_WINDOW',
        'DEVICE_NOT_IN_TICKET',
      ]);
      expect(response.body.detail).toContain(ticket);
      for (const reason of response.body.reasons) expect(reason.detail).toEqual(expect.stringMatching(/\S/));
    });
  });

  describe('ServiceNow provider with basic auth', () => {
    let harness: GateHarness;
    beforeAll(async () => {
      harness = await GateHarness.start({ ticketProvider: 'servicenow' });
    });
    afterAll(() => harness?.close());

    it('passes an approved change in Implement inside its window, read through the Table API', async () => {
      const device = aTeamsRoom();
      const change = harness.serviceNow.addChange(
        anImplementingChange({ affectedCis: [{ name: device.serialNumber }] }),
      );

      const response = await unassignWithTicket(harness, device, change.number);

      expect(response.status, response.text).toBe(200);
      expect(graphTrafficFor(harness, device.id).posts).toHaveLength(1);

      const basic = `Basic ${Buffer.from(`${SERVICENOW_USER}:${SERVICENOW_PASSWORD}`).toString('base64')}`;
      const changeQueries = tableRequests(harness.serviceNow, 'change_request', `number=${change.number}`);
      expect(changeQueries).toHaveLength(1);
      expect(changeQueries[0]).toMatchObject({
        method: 'GET',
        query: { sysparm_display_value: 'all' },
        headers: { authorization: basic },
      });
      const ciQueries = tableRequests(harness.serviceNow, 'task_ci', `task=${change.sysId}`);
      expect(ciQueries).toHaveLength(1);
      expect(ciQueries[0]).toMatchObject({
        method: 'GET',
        query: { sysparm_display_value: 'all' },
        headers: { authorization: basic },
      });

      const [row] = await attemptsFor(harness, device.id);
      expect(row).toMatchObject({ outcome: 'succeeded', change_ticket: change.number });
      // The window comes from the UTC values, not the display values (which the fake renders in Los Angeles time).
      expect(row.ticket_snapshot).toMatchObject({
        number: change.number,
        source: 'servicenow',
        state: 'Implement',
        stateValue: '-1',
        approval: 'approved',
        plannedStart: change.startDate.toISOString(),
        plannedEnd: change.endDate.toISOString(),
        affectedCis: [device.serialNumber],
        externalId: change.sysId,
      });
    });

    it('rejects a change that is still Scheduled', async () => {
      const device = aTeamsRoom();
      const change = harness.serviceNow.addChange(anImplementingChange({ state: '-2' }));

      const response = await unassignWithTicket(harness, device, change.number);

      const row = await expectTicketRejected(harness, response, device, ['TICKET_STATE_NOT_ACCEPTED']);
      expect(row.ticket_snapshot).toMatchObject({
        number: change.number,
        source: 'servicenow',
        state: 'Scheduled',
        stateValue: '-2',
      });
    });

    it('rejects a change whose window ended, judged on the UTC values', async () => {
      const device = aTeamsRoom();
      const change = harness.serviceNow.addChange(
        anImplementingChange({ startDate: hoursFromNow(-3), endDate: hoursFromNow(-1) }),
      );

      const response = await unassignWithTicket(harness, device, change.number);

      const row = await expectTicketRejected(harness, response, device, ['TICKET_AFTER_WINDOW']);
      expect(row.ticket_snapshot).toMatchObject({ plannedEnd: change.endDate.toISOString() });
    });

    it('rejects a change number ServiceNow does not know', async () => {
      const device = aTeamsRoom();

      const response = await unassignWithTicket(harness, device, aTicketNumber());

      await expectTicketRejected(harness, response, device, ['TICKET_NOT_FOUND']);
    });

    it.each([
      { status: 500, retryAfterSeconds: undefined },
      { status: 429, retryAfterSeconds: 30 },
    ])(
      'answers 503 TICKET_PROVIDER_UNAVAILABLE and forwards nothing when ServiceNow answers $status',
      async ({ status, retryAfterSeconds }) => {
        const device = aTeamsRoom();
        const change = harness.serviceNow.addChange(anImplementingChange());
        harness.serviceNow.respondNext({ status, retryAfterSeconds });

        const response = await unassignWithTicket(harness, device, change.number);

        expect(response.status, response.text).toBe(503);
        expect(response.body).toMatchObject({
          ...problemOf('TICKET_PROVIDER_UNAVAILABLE', 503),
          outcome: 'ticket_unavailable',
        });
        expectNothingForwarded(harness.graph, device);
        expect(tableRequests(harness.serviceNow, 'change_request', `number=${change.number}`)).toHaveLength(1);
        await theOnlyAttemptFor(harness, device.id, response, {
          outcome: 'ticket_unavailable',
          http_status: 503,
          error_code: 'TICKET_PROVIDER_UNAVAILABLE',
          decision: 'denied',
          ticket_snapshot: null,
        });
      },
    );
  });

  describe('ServiceNow provider with OAuth client credentials', () => {
    let gate: OAuthServiceNowGate;
    beforeAll(async () => {
      gate = await startGateWithServiceNowOAuth();
    });
    afterAll(() => gate?.close());

    const tokenRequests = () =>
      gate.serviceNow.requests.filter((request) => request.method === 'POST' && request.path === '/oauth_token.do');

    it('reads the change with a Bearer token from /oauth_token.do and reuses it for later lookups', async () => {
      const { harness, serviceNow } = gate;
      const first = aTeamsRoom();
      const second = aTeamsRoom();
      const firstChange = serviceNow.addChange(anImplementingChange());
      const secondChange = serviceNow.addChange(anImplementingChange());

      const firstResponse = await unassignWithTicket(harness, first, firstChange.number);
      const secondResponse = await unassignWithTicket(harness, second, secondChange.number);

      expect(firstResponse.status, firstResponse.text).toBe(200);
      expect(secondResponse.status, secondResponse.text).toBe(200);
      expect(tokenRequests()).toHaveLength(1);
      expect(Object.fromEntries(new URLSearchParams(tokenRequests()[0].body))).toEqual({
        grant_type: 'client_credentials',
        client_id: SERVICENOW_OAUTH_CLIENT_ID,
        client_secret: SERVICENOW_OAUTH_CLIENT_SECRET,
      });
      const lookups = [
        ...tableRequests(serviceNow, 'change_request', `number=${firstChange.number}`),
        ...tableRequests(serviceNow, 'change_request', `number=${secondChange.number}`),
        ...tableRequests(serviceNow, 'task_ci', `task=${firstChange.sysId}`),
      ];
      expect(lookups).toHaveLength(3);
      const authorizations = new Set(lookups.map((request) => request.headers.authorization));
      expect(authorizations.size).toBe(1);
      expect([...authorizations][0]).toMatch(/^Bearer \S{20,}$/);
      // The Table API never saw the client secret.
      for (const request of lookups) expect(JSON.stringify(request)).not.toContain(SERVICENOW_OAUTH_CLIENT_SECRET);
    });

    it('fetches a new token when ServiceNow stops accepting the cached one, and retries that look-up once', async () => {
      const { harness, serviceNow } = gate;
      await unassignWithTicket(harness, aTeamsRoom(), serviceNow.addChange(anImplementingChange()).number);
      const tokensBefore = tokenRequests().length;
      serviceNow.expireAccessTokens();
      const change = serviceNow.addChange(anImplementingChange());

      const response = await unassignWithTicket(harness, aTeamsRoom(), change.number);

      expect(response.status, response.text).toBe(200);
      expect(tokenRequests()).toHaveLength(tokensBefore + 1);
      const lookups = tableRequests(serviceNow, 'change_request', `number=${change.number}`);
      expect(lookups.map((lookup) => lookup.headers.authorization)).toHaveLength(2);
      expect(lookups[0].headers.authorization).not.toBe(lookups[1].headers.authorization);
    });

    it('answers 503 TICKET_PROVIDER_UNAVAILABLE when ServiceNow refuses the new token too, and tries only once more', async () => {
      const { harness, serviceNow } = gate;
      const change = serviceNow.addChange(anImplementingChange());
      const device = aTeamsRoom();
      serviceNow.respondNext({ status: 401 });
      serviceNow.respondNext({ status: 401 });

      const response = await unassignWithTicket(harness, device, change.number);

      expect(response.status, response.text).toBe(503);
      expect(response.body.code).toBe('TICKET_PROVIDER_UNAVAILABLE');
      expectNothingForwarded(harness.graph, device);
      expect(tableRequests(serviceNow, 'change_request', `number=${change.number}`)).toHaveLength(2);
    });
  });
});
