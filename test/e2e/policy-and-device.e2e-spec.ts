import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTeamsRoom } from '../factories/devices';
import { GateHarness } from '../helpers/gate-harness';
import {
  attemptsFor,
  canonicalUnassignPath,
  devicePath,
  graphTrafficFor,
  problemOf,
  theOnlyAttemptFor,
} from '../helpers/gate-observations';
import { createLocalTicket, JUSTIFICATION, UNASSIGNER, unassignV1 } from '../helpers/unassign-calls';

const BREAK_GLASS = 'Autopilot.BreakGlass';
const LAB_UNASSIGNER = 'Lab.ResourceAccount.Unassign';
const LAB_SERIAL = 'LAB-SN-0001';

// The default roles plus one whose scope is a serial number rather than a groupTag.
const POLICY_YAML = `
roles:
  ${UNASSIGNER}:
    - { action: unassign, subject: AutopilotDevice, conditions: { groupTag: { $in: [MTR-EU, MTR-US] } } }
    - { action: read, subject: Attempt, conditions: { actorOid: "\${user.oid}", actorTenantId: "\${user.tenantId}" } }
  ${BREAK_GLASS}:
    - { action: unassign, subject: AutopilotDevice }
    - { action: bypass, subject: ChangeTicket }
  ${LAB_UNASSIGNER}:
    - { action: unassign, subject: AutopilotDevice, conditions: { serialNumber: ${LAB_SERIAL} } }
  Audit.Reader:
    - { action: read, subject: Attempt }
  ChangeTickets.Admin:
    - { action: [read, write], subject: LocalChangeTicket }
changeTickets:
  acceptStates: [Implement]
  requireApproval: true
  requireWindow: true
  requireDeviceInTicket: false
`;

describe('unassign: policy and device checks', () => {
  let harness: GateHarness;
  let ticket: string;
  beforeAll(async () => {
    harness = await GateHarness.start({ policyYaml: POLICY_YAML });
    ticket = await createLocalTicket(harness);
  });
  afterAll(() => harness?.close());

  it('denies a caller without an unassign role before Graph hears anything about the device', async () => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    const caller = await harness.issuer.userToken({ roles: ['Audit.Reader'] });

    const response = await unassignV1(harness, device.id, caller, {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });

    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ ...problemOf('POLICY_DENIED', 403), outcome: 'policy_denied' });
    expect(graphTrafficFor(harness, device.id).all).toEqual([]);
    expect(harness.graph.device(device.id)?.resourceName).toBe(device.resourceName);
    await theOnlyAttemptFor(harness, device.id, response, {
      outcome: 'policy_denied',
      http_status: 403,
      error_code: 'POLICY_DENIED',
      decision: 'denied',
      actor_roles: ['Audit.Reader'],
      device_snapshot: null,
      ticket_snapshot: null,
      graph_status: null,
      graph_client_request_id: null,
    });
  });

  it('denies a caller whose token carries no roles at all, without reading the device', async () => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    const caller = await harness.issuer.userToken();

    const response = await unassignV1(harness, device.id, caller, {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });

    expect(response.status).toBe(403);
    expect(response.body.code).toBe('POLICY_DENIED');
    expect(graphTrafficFor(harness, device.id).all).toEqual([]);
    const rows = await attemptsFor(harness, device.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'policy_denied', actor_roles: [], device_snapshot: null });
  });

  it("reads a device outside the caller's groupTag scope once, forwards nothing and records the device it saw", async () => {
    const device = aTeamsRoom({ groupTag: 'OTHER' });
    harness.graph.addDevice(device);
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });

    const response = await unassignV1(harness, device.id, caller, {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });

    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ ...problemOf('POLICY_DENIED', 403), attemptId: expect.any(String) });
    const traffic = graphTrafficFor(harness, device.id);
    expect(traffic.reads).toHaveLength(1);
    expect(traffic.reads[0].path).toBe(devicePath(device.id));
    expect(traffic.posts).toHaveLength(0);
    expect(harness.graph.device(device.id)?.resourceName).toBe(device.resourceName);
    const rows = await attemptsFor(harness, device.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: response.body.attemptId,
      outcome: 'policy_denied',
      http_status: 403,
      error_code: 'POLICY_DENIED',
      decision: 'denied',
    });
    expect(rows[0].decision_reason).toContain('groupTag OTHER');
    expect(rows[0].device_snapshot).toMatchObject({
      id: device.id,
      groupTag: 'OTHER',
      serialNumber: device.serialNumber,
      resourceName: device.resourceName,
    });
    // The ticket is never looked at for a device the caller may not touch.
    expect(rows[0].ticket_snapshot).toBeNull();
  });

  it('answers 404 DEVICE_NOT_FOUND when Graph does not know the device, and forwards nothing', async () => {
    const unknownId = aTeamsRoom().id;
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });

    const response = await unassignV1(harness, unknownId, caller, {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });

    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({
      ...problemOf('DEVICE_NOT_FOUND', 404),
      outcome: 'device_not_found',
      graph: { status: 404 },
    });
    const traffic = graphTrafficFor(harness, unknownId);
    expect(traffic.reads).toHaveLength(1);
    expect(traffic.posts).toHaveLength(0);
    const rows = await attemptsFor(harness, unknownId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      outcome: 'device_not_found',
      http_status: 404,
      error_code: 'DEVICE_NOT_FOUND',
      graph_status: 404,
      graph_error_code: 'ResourceNotFound',
      graph_client_request_id: traffic.reads[0].headers['client-request-id'],
      graph_request_id: response.body.graph.requestId,
      device_snapshot: null,
    });
    expect(rows[0].graph_request_id).toEqual(expect.any(String));
  });

  it('answers 409 NOTHING_TO_UNASSIGN for a device without a resource account, and forwards nothing', async () => {
    const device = aTeamsRoom({ resourceName: '' });
    harness.graph.addDevice(device);
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });

    const response = await unassignV1(harness, device.id, caller, {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });

    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ ...problemOf('NOTHING_TO_UNASSIGN', 409), outcome: 'nothing_to_unassign' });
    const traffic = graphTrafficFor(harness, device.id);
    expect(traffic.reads).toHaveLength(1);
    expect(traffic.posts).toHaveLength(0);
    const rows = await attemptsFor(harness, device.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      outcome: 'nothing_to_unassign',
      http_status: 409,
      error_code: 'NOTHING_TO_UNASSIGN',
    });
    expect(rows[0].device_snapshot).toMatchObject({ id: device.id, resourceName: '' });
  });

  it('treats a resource name of only spaces as no resource account', async () => {
    const device = aTeamsRoom({ resourceName: '   ' });
    harness.graph.addDevice(device);
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });

    const response = await unassignV1(harness, device.id, caller, {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });

    expect(response.status).toBe(409);
    expect(graphTrafficFor(harness, device.id).posts).toHaveLength(0);
  });

  it('lets a break-glass caller unassign a device of any groupTag without a ticket, and flags the attempt', async () => {
    const device = aTeamsRoom({ groupTag: 'Unlisted-Group' });
    harness.graph.addDevice(device);
    const caller = await harness.issuer.userToken({ roles: [BREAK_GLASS], upn: 'oncall@contoso.example' });

    const response = await unassignV1(harness, device.id, caller, { justification: JUSTIFICATION });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      outcome: 'succeeded',
      deviceId: device.id,
      changeTicket: null,
      breakGlass: true,
      graph: { status: 204 },
    });
    const traffic = graphTrafficFor(harness, device.id);
    expect(traffic.posts).toHaveLength(1);
    expect(traffic.posts[0].path).toBe(canonicalUnassignPath(device.id));
    expect(harness.graph.device(device.id)?.resourceName).toBe('');
    const row = await theOnlyAttemptFor(harness, device.id, response, {
      outcome: 'succeeded',
      break_glass: true,
      change_ticket: null,
      ticket_snapshot: null,
      decision: 'allowed',
      actor_upn: 'oncall@contoso.example',
      graph_status: 204,
    });
    expect(row.decision_reason).toMatch(/break-glass/);
  });

  it('does not let an ordinary unassigner leave the ticket out', async () => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });

    const response = await unassignV1(harness, device.id, caller, { justification: JUSTIFICATION });

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ ...problemOf('INVALID_REQUEST', 400), outcome: 'invalid_request' });
    expect(graphTrafficFor(harness, device.id).all).toEqual([]);
    const rows = await attemptsFor(harness, device.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'invalid_request', break_glass: false });
  });

  it('applies a custom policy whose condition is on the serial number, and records its version', async () => {
    const allowed = aTeamsRoom({ serialNumber: LAB_SERIAL, groupTag: 'LAB' });
    const other = aTeamsRoom({ serialNumber: 'LAB-SN-0002', groupTag: 'LAB' });
    harness.graph.addDevice(allowed);
    harness.graph.addDevice(other);
    const caller = await harness.issuer.userToken({ roles: [LAB_UNASSIGNER] });

    const granted = await unassignV1(harness, allowed.id, caller, {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });
    const refused = await unassignV1(harness, other.id, caller, { changeTicket: ticket, justification: JUSTIFICATION });

    expect(granted.status).toBe(200);
    expect(graphTrafficFor(harness, allowed.id).posts).toHaveLength(1);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('POLICY_DENIED');
    expect(graphTrafficFor(harness, other.id).posts).toHaveLength(0);
    expect(harness.graph.device(other.id)?.resourceName).toBe(other.resourceName);

    const policyVersion = createHash('sha256').update(POLICY_YAML).digest('hex');
    const [grantedRow] = await attemptsFor(harness, allowed.id);
    const [refusedRow] = await attemptsFor(harness, other.id);
    expect(grantedRow).toMatchObject({
      outcome: 'succeeded',
      decision: 'allowed',
      decision_reason: `role ${LAB_UNASSIGNER}`,
      policy_version: policyVersion,
    });
    expect(refusedRow).toMatchObject({ outcome: 'policy_denied', decision: 'denied', policy_version: policyVersion });
    expect(refusedRow.device_snapshot).toMatchObject({ serialNumber: 'LAB-SN-0002' });
  });
});
