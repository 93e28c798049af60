import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTeamsRoom } from '../../factories/devices';
import { GateHarness } from '../../helpers/gate-harness';
import { expectProblem } from '../../helpers/refusal-assertions';
import { UNASSIGNER } from '../../helpers/unassign-calls';

const POLICY = `
roles:
  ${UNASSIGNER}:
    - { action: [read, unassign], subject: AutopilotDevice, conditions: { groupTag: { $in: [MTR-EU, MTR-US] } } }
  Viewer:
    - { action: read, subject: AutopilotDevice, fields: [id, serialNumber, groupTag] }
  Restricted:
    - { action: read, subject: AutopilotDevice }
    - { action: unassign, subject: AutopilotDevice }
    - { action: unassign, subject: AutopilotDevice, inverted: true, conditions: { groupTag: MTR-US }, reason: US rooms are frozen }
  Breaker:
    - { action: [read, unassign], subject: AutopilotDevice }
    - { action: bypass, subject: ChangeTicket }
  Audit.Reader:
    - { action: read, subject: Attempt }
`;

describe('device look-up', () => {
  let harness: GateHarness;
  beforeAll(async () => {
    harness = await GateHarness.start({ policyYaml: POLICY });
  });
  afterAll(() => harness?.close());

  const get = async (path: string, roles: string[]) => {
    const token = await harness.issuer.userToken({ roles });
    return harness.http.get(path).set('authorization', `Bearer ${token}`);
  };
  const listRequests = () =>
    harness.graph.deviceReads.filter((request) => new URL(request.path, 'http://graph').searchParams.has('$filter'));

  it('shows a device by id with what the caller may do with it, and never a secret', async () => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);

    const response = await get(`/v1/autopilot-devices/${device.id}`, [UNASSIGNER]);

    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({
      device: {
        id: device.id,
        serialNumber: device.serialNumber,
        groupTag: 'MTR-EU',
        resourceName: device.resourceName,
      },
      hasResourceAccount: true,
      canUnassign: { allowed: true, reason: null, ticketRequired: true },
    });
    expect(response.text).not.toContain('device-account-password');
    expect(response.text).not.toContain('deviceAccountPassword');
  });

  it('says why the caller may not unassign: the policy, an inverted rule, no resource account', async () => {
    const us = aTeamsRoom({ groupTag: 'MTR-US' });
    const empty = aTeamsRoom({ resourceName: '' });
    harness.graph.addDevice(us);
    harness.graph.addDevice(empty);

    const frozen = await get(`/v1/autopilot-devices/${us.id}`, ['Restricted']);
    const nothing = await get(`/v1/autopilot-devices/${empty.id}`, ['Restricted']);
    const breakGlass = await get(`/v1/autopilot-devices/${us.id}`, ['Breaker']);

    expect(frozen.body.canUnassign).toEqual({
      allowed: false,
      reason: 'The policy does not allow you to unassign this device.',
      ticketRequired: true,
    });
    expect(nothing.body).toMatchObject({
      hasResourceAccount: false,
      canUnassign: { allowed: false, reason: 'The device has no resource account to unassign.' },
    });
    expect(breakGlass.body.canUnassign).toEqual({ allowed: true, reason: null, ticketRequired: false });
  });

  it('limits the device to the fields the read rule lists', async () => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);

    const response = await get(`/v1/autopilot-devices/${device.id}`, ['Viewer']);

    expect(response.body.device).toEqual({ id: device.id, serialNumber: device.serialNumber, groupTag: 'MTR-EU' });
  });

  it('reports a device outside the read rule as missing, and refuses a caller with no read rule at all', async () => {
    const hub = aTeamsRoom({ groupTag: 'SURFACE-HUB' });
    harness.graph.addDevice(hub);

    const outside = await get(`/v1/autopilot-devices/${hub.id}`, [UNASSIGNER]);
    const noRule = await get(`/v1/autopilot-devices/${hub.id}`, ['Audit.Reader']);

    expectProblem(outside, 404, 'DEVICE_NOT_FOUND');
    expect(outside.text).not.toContain('SURFACE-HUB');
    expectProblem(noRule, 403, 'POLICY_DENIED');
  });

  describe('by serial number', () => {
    it('asks Graph with contains and keeps exact matches only, ignoring case and surrounding blanks', async () => {
      const wanted = aTeamsRoom({ serialNumber: 'LKP-SN-0001' });
      const longer = aTeamsRoom({ serialNumber: 'LKP-SN-00011' });
      harness.graph.addDevice(wanted);
      harness.graph.addDevice(longer);

      const response = await get(`/v1/autopilot-devices?serialNumber=${encodeURIComponent('  lkp-sn-0001 ')}`, [
        UNASSIGNER,
      ]);

      expect(response.status, response.text).toBe(200);
      expect(response.body.map((view: { device: { id: string } }) => view.device.id)).toEqual([wanted.id]);
      const sent = listRequests().at(-1)!;
      expect(new URL(sent.path, 'http://graph').searchParams.get('$filter')).toBe(
        "contains(serialNumber,'lkp-sn-0001')",
      );
    });

    it('answers every device with the serial, and none as an empty list', async () => {
      const first = aTeamsRoom({ serialNumber: 'LKP-DUP-0002' });
      const second = aTeamsRoom({ serialNumber: 'LKP-DUP-0002' });
      harness.graph.addDevice(first);
      harness.graph.addDevice(second);

      const both = await get('/v1/autopilot-devices?serialNumber=LKP-DUP-0002', [UNASSIGNER]);
      const none = await get('/v1/autopilot-devices?serialNumber=LKP-NONE-9999', [UNASSIGNER]);

      expect(both.body.map((view: { device: { id: string } }) => view.device.id).sort()).toEqual(
        [first.id, second.id].sort(),
      );
      expect(none.status).toBe(200);
      expect(none.body).toEqual([]);
    });

    it("doubles a quote in the serial the OData way, and follows Graph's next links", async () => {
      harness.graph.listPageSize = 1;
      const quoted = aTeamsRoom({ serialNumber: "LKP'Q-0003" });
      const quotedToo = aTeamsRoom({ serialNumber: "LKP'Q-0003" });
      harness.graph.addDevice(quoted);
      harness.graph.addDevice(quotedToo);
      try {
        const response = await get(`/v1/autopilot-devices?serialNumber=${encodeURIComponent("LKP'Q-0003")}`, [
          UNASSIGNER,
        ]);

        expect(response.body).toHaveLength(2);
        const filters = listRequests()
          .slice(-2)
          .map((request) => new URL(request.path, 'http://graph').searchParams.get('$filter'));
        expect(filters).toEqual(["contains(serialNumber,'LKP''Q-0003')", "contains(serialNumber,'LKP''Q-0003')"]);
      } finally {
        harness.graph.listPageSize = 100;
      }
    });

    it('validates the serial before anything reaches Graph', async () => {
      const before = listRequests().length;

      for (const serial of ['', '   ', 'x'.repeat(101), 'tab\there', 'ümlaut']) {
        const response = await get(`/v1/autopilot-devices?serialNumber=${encodeURIComponent(serial)}`, [UNASSIGNER]);
        expectProblem(response, 400, 'INVALID_REQUEST');
      }
      expect(listRequests()).toHaveLength(before);
    });
  });
});
