import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTeamsRoom } from '../factories/devices';
import { anOpenChange } from '../factories/tickets';
import { GateHarness } from '../helpers/gate-harness';
import { attemptsFor, graphTrafficFor, theOnlyAttemptFor } from '../helpers/gate-observations';
import { expectProblem } from '../helpers/refusal-assertions';
import { createLocalTicket, JUSTIFICATION, unassignV1 } from '../helpers/unassign-calls';

const UNASSIGN = 'Unassign';
const NO_US = 'Restricted.NoUS';
const EMERGENCY = 'Emergency.Unassign';
const NINES_ADMIN = 'Tickets.Nines.Admin';
const OUTCOME_READER = 'Outcome.Reader';

// Each rule here narrows something with a condition or `fields`; the tests show the gate honours each one.
const POLICY_YAML = `
roles:
  ${UNASSIGN}:
    - { action: unassign, subject: AutopilotDevice }
  ${NO_US}:
    - { action: unassign, subject: AutopilotDevice, inverted: true, conditions: { groupTag: MTR-US }, reason: US rooms are out of scope }
  ${EMERGENCY}:
    - { action: unassign, subject: AutopilotDevice }
    - { action: bypass, subject: ChangeTicket, conditions: { number: { $regex: "^CHG9" } } }
  ${NINES_ADMIN}:
    - { action: [read, write], subject: LocalChangeTicket, conditions: { number: { $regex: "^CHG9" } } }
  ${OUTCOME_READER}:
    - { action: read, subject: Attempt, fields: [id, outcome] }
  ChangeTickets.Admin:
    - { action: [read, write], subject: LocalChangeTicket }
`;

describe('the policy means what it says', () => {
  let harness: GateHarness;
  let ticket: string;
  beforeAll(async () => {
    harness = await GateHarness.start({ policyYaml: POLICY_YAML });
    ticket = await createLocalTicket(harness);
  });
  afterAll(() => harness?.close());

  describe('a bypass limited by a condition on the ticket number', () => {
    it('checks every other ticket as usual', async () => {
      const device = aTeamsRoom();
      harness.graph.addDevice(device);
      const caller = await harness.issuer.userToken({ roles: [EMERGENCY] });

      const response = await unassignV1(harness, device.id, caller, {
        changeTicket: 'CHG1000001',
        justification: JUSTIFICATION,
      });

      expectProblem(response, 422, 'CHANGE_TICKET_REJECTED');
      expect(response.body.reasons).toEqual([expect.objectContaining({ code: 'TICKET_NOT_FOUND' })]);
      expect(graphTrafficFor(harness, device.id).posts).toHaveLength(0);
      await theOnlyAttemptFor(harness, device.id, response, { outcome: 'ticket_rejected', break_glass: false });
    });

    it('skips the checks for a ticket the condition matches, and flags the attempt break-glass', async () => {
      const device = aTeamsRoom();
      harness.graph.addDevice(device);
      const caller = await harness.issuer.userToken({ roles: [EMERGENCY] });

      const response = await unassignV1(harness, device.id, caller, {
        changeTicket: 'CHG9000001',
        justification: JUSTIFICATION,
      });

      expect(response.status, response.text).toBe(200);
      expect(response.body).toMatchObject({ outcome: 'succeeded', breakGlass: true, changeTicket: 'CHG9000001' });
      expect(graphTrafficFor(harness, device.id).posts).toHaveLength(1);
      await theOnlyAttemptFor(harness, device.id, response, {
        outcome: 'succeeded',
        break_glass: true,
        change_ticket: 'CHG9000001',
      });
    });

    it('still requires a ticket: only an unconditional bypass may leave it out', async () => {
      const device = aTeamsRoom();
      harness.graph.addDevice(device);
      const caller = await harness.issuer.userToken({ roles: [EMERGENCY] });

      const response = await unassignV1(harness, device.id, caller, { justification: JUSTIFICATION });

      expectProblem(response, 400, 'INVALID_REQUEST');
      expect(response.body.errors).toEqual([expect.objectContaining({ path: 'changeTicket' })]);
      expect(graphTrafficFor(harness, device.id).all).toHaveLength(0);
      await theOnlyAttemptFor(harness, device.id, response, { outcome: 'invalid_request' });
    });
  });

  describe('a write on local tickets limited by a condition on the number', () => {
    const put = async (number: string) => {
      const admin = await harness.issuer.userToken({ roles: [NINES_ADMIN] });
      return harness.http
        .put(`/v1/change-tickets/${number}`)
        .set('authorization', `Bearer ${admin}`)
        .send(anOpenChange());
    };
    const storedTicket = async (number: string) =>
      (await harness.gate.database.sql.query('SELECT number FROM local_change_tickets WHERE number = $1', [number]))
        .length;

    it('refuses a ticket outside the condition and stores nothing', async () => {
      const response = await put('CHG1000001');

      expectProblem(response, 403, 'POLICY_DENIED');
      expect(await storedTicket('CHG1000001')).toBe(0);
    });

    it('refuses to overwrite a ticket outside the condition', async () => {
      const existing = await createLocalTicket(harness, {}, 'CHG1000002');

      const response = await put(existing);

      expectProblem(response, 403, 'POLICY_DENIED');
    });

    it('allows a ticket inside the condition', async () => {
      const response = await put('CHG9000002');

      expect(response.status, response.text).toBe(200);
      expect(await storedTicket('CHG9000002')).toBe(1);
    });
  });

  it('answers a read limited to fields with those fields only', async () => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    const caller = await harness.issuer.userToken({ roles: [UNASSIGN] });
    const unassigned = await unassignV1(harness, device.id, caller, {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });
    const reader = await harness.issuer.userToken({ roles: [OUTCOME_READER] });

    const response = await harness.http
      .get(`/v1/attempts/${unassigned.body.attemptId}`)
      .set('authorization', `Bearer ${reader}`);

    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({ id: unassigned.body.attemptId, outcome: 'succeeded' });
  });

  describe.each([
    ['allowing role first', [UNASSIGN, NO_US]],
    ['inverted role first', [NO_US, UNASSIGN]],
  ])('an inverted rule in another role (%s)', (_, roles) => {
    it('denies the device it matches and forwards nothing', async () => {
      const device = aTeamsRoom({ groupTag: 'MTR-US' });
      harness.graph.addDevice(device);
      const caller = await harness.issuer.userToken({ roles });

      const response = await unassignV1(harness, device.id, caller, {
        changeTicket: ticket,
        justification: JUSTIFICATION,
      });

      expectProblem(response, 403, 'POLICY_DENIED');
      expect(graphTrafficFor(harness, device.id).posts).toHaveLength(0);
      const row = await theOnlyAttemptFor(harness, device.id, response, {
        outcome: 'policy_denied',
        decision: 'denied',
      });
      expect(row.decision_reason).toContain('US rooms are out of scope');
    });

    it('leaves the devices it does not match to the allowing rule', async () => {
      const device = aTeamsRoom({ groupTag: 'MTR-EU' });
      harness.graph.addDevice(device);
      const caller = await harness.issuer.userToken({ roles });

      const response = await unassignV1(harness, device.id, caller, {
        changeTicket: ticket,
        justification: JUSTIFICATION,
      });

      expect(response.status, response.text).toBe(200);
      expect(graphTrafficFor(harness, device.id).posts).toHaveLength(1);
    });
  });

  describe('roles named like Object.prototype members', () => {
    const prototypeRoles = ['constructor', '__proto__', 'toString', 'hasOwnProperty'];

    it('grant nothing on /v1/me, without an error', async () => {
      const caller = await harness.issuer.userToken({ roles: prototypeRoles });

      const response = await harness.http.get('/v1/me').set('authorization', `Bearer ${caller}`);

      expect(response.status, response.text).toBe(200);
      expect(response.body.principal.roles).toEqual(prototypeRoles);
      expect(response.body.rules).toEqual([]);
    });

    it('make an unassign a recorded policy denial, not an unknown outcome', async () => {
      const device = aTeamsRoom();
      harness.graph.addDevice(device);
      const caller = await harness.issuer.userToken({ roles: prototypeRoles });

      const response = await unassignV1(harness, device.id, caller, {
        changeTicket: ticket,
        justification: JUSTIFICATION,
      });

      expectProblem(response, 403, 'POLICY_DENIED');
      expect(graphTrafficFor(harness, device.id).all).toHaveLength(0);
      const rows = await attemptsFor(harness, device.id);
      expect(rows).toEqual([expect.objectContaining({ outcome: 'policy_denied', actor_roles: prototypeRoles })]);
    });
  });
});
