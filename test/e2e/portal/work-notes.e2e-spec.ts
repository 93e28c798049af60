import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkNoteSender } from '../../../src/tickets/work-notes/work-note-sender';
import { aTeamsRoom } from '../../factories/devices';
import { anImplementingChange } from '../../factories/servicenow-changes';
import { GateHarness } from '../../helpers/gate-harness';
import { createLocalTicket, JUSTIFICATION, UNASSIGNER, unassignV1 } from '../../helpers/unassign-calls';

// The sender is driven by the tests (sendDue), not by its timer; failed notes are retried 20 ms later.
const NOTES = {
  SERVICENOW_WORK_NOTES: 'true',
  WORK_NOTES_INTERVAL_MS: '3600000',
  WORK_NOTES_RETRY_BASE_MS: '20',
  WORK_NOTES_MAX_TRIES: '3',
  GRAPH_MAX_TRIES: '1',
};

describe('work notes on the ServiceNow change', () => {
  let harness: GateHarness;
  beforeAll(async () => {
    harness = await GateHarness.start({ ticketProvider: 'servicenow', env: NOTES });
  });
  afterAll(() => harness?.close());

  const sender = () => harness.gate.app.get(WorkNoteSender);
  const patches = () => harness.serviceNow.requests.filter((request) => request.method === 'PATCH');
  const unassignUnder = async (device = aTeamsRoom()) => {
    harness.graph.addDevice(device);
    const change = harness.serviceNow.addChange(anImplementingChange());
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER], upn: 'flow.user@contoso.example' });
    const response = await unassignV1(harness, device.id, caller, {
      changeTicket: change.number,
      justification: JUSTIFICATION,
    });
    return { device, change, response };
  };
  const readAttempt = async (attemptId: string, roles: string[]) => {
    const token = await harness.issuer.userToken({ roles });
    return (await harness.http.get(`/v1/attempts/${attemptId}`).set('authorization', `Bearer ${token}`)).body;
  };

  it('writes one note after the answer, naming the device, the outcome, the attempt, Graph request-id and the caller', async () => {
    const { device, change, response } = await unassignUnder();
    expect(response.status, response.text).toBe(200);
    expect(harness.serviceNow.workNotes(change.sysId)).toEqual([]);

    await sender().sendDue();
    await sender().sendDue();

    const notes = harness.serviceNow.workNotes(change.sysId);
    expect(notes).toHaveLength(1);
    for (const fact of [
      device.id,
      device.serialNumber,
      device.displayName,
      'succeeded',
      response.body.attemptId,
      response.body.graph.requestId,
      'flow.user@contoso.example',
    ]) {
      expect(notes[0]).toContain(fact);
    }
    const patch = patches().find((request) => request.path === `/api/now/table/change_request/${change.sysId}`)!;
    expect(JSON.parse(patch.body)).toEqual({ work_notes: notes[0] });
    expect((await readAttempt(response.body.attemptId, ['Audit.Reader'])).workNote).toMatchObject({
      state: 'sent',
      tries: 1,
    });
  });

  it('writes a note for an attempt that failed at Graph after forwarding, and none for one refused before', async () => {
    harness.graph.respondNext('unassign', { status: 403 });
    const failed = await unassignUnder();
    const hub = await unassignUnder(aTeamsRoom({ groupTag: 'SURFACE-HUB' }));

    await sender().sendDue();

    expect(failed.response.status).toBe(502);
    expect(harness.serviceNow.workNotes(failed.change.sysId)).toEqual([
      expect.stringContaining('Outcome: graph_failed'),
    ]);
    expect(hub.response.status).toBe(403);
    expect(harness.serviceNow.workNotes(hub.change.sysId)).toEqual([]);
    expect((await readAttempt(hub.response.body.attemptId, ['Audit.Reader'])).workNote).toBeNull();
  });

  it('retries a note ServiceNow refuses, and it arrives on the third try', async () => {
    const { change, response } = await unassignUnder();
    harness.serviceNow.respondNext({ status: 500 });
    harness.serviceNow.respondNext({ status: 503 });

    for (let round = 0; round < 3; round += 1) {
      await sender().sendDue();
      await new Promise((resolve) => setTimeout(resolve, 60));
    }

    expect(harness.serviceNow.workNotes(change.sysId)).toHaveLength(1);
    expect((await readAttempt(response.body.attemptId, ['Audit.Reader'])).workNote).toMatchObject({
      state: 'sent',
      tries: 3,
    });
  });

  it('marks a note failed after WORK_NOTES_MAX_TRIES, leaving the outcome alone and the error for auditors only', async () => {
    const { change, response } = await unassignUnder();
    for (let i = 0; i < 3; i += 1) harness.serviceNow.respondNext({ status: 500 });

    for (let round = 0; round < 4; round += 1) {
      await sender().sendDue();
      await new Promise((resolve) => setTimeout(resolve, 60));
    }

    expect(harness.serviceNow.workNotes(change.sysId)).toEqual([]);
    const audited = await readAttempt(response.body.attemptId, ['Audit.Reader']);
    expect(audited).toMatchObject({
      outcome: 'succeeded',
      workNote: { state: 'failed', tries: 3, lastError: expect.stringContaining('500') },
    });
  });
});

describe('work notes turned off', () => {
  let harness: GateHarness;
  beforeAll(async () => {
    harness = await GateHarness.start({ ticketProvider: 'servicenow', env: { SERVICENOW_WORK_NOTES: 'false' } });
  });
  afterAll(() => harness?.close());

  it('writes no note with SERVICENOW_WORK_NOTES=false', async () => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    const change = harness.serviceNow.addChange(anImplementingChange());
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });

    const response = await unassignV1(harness, device.id, caller, {
      changeTicket: change.number,
      justification: JUSTIFICATION,
    });

    expect(response.status).toBe(200);
    expect(await harness.gate.database.sql.query('SELECT 1 FROM work_notes')).toEqual([]);
  });
});

describe('work notes on local change tickets', () => {
  let harness: GateHarness;
  beforeAll(async () => {
    harness = await GateHarness.start({ env: { SERVICENOW_WORK_NOTES: 'true' } });
  });
  afterAll(() => harness?.close());

  it('writes the note on the local ticket with the outcome, shown by GET /v1/change-tickets/{number}', async () => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    const ticket = await createLocalTicket(harness);
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });
    const admin = await harness.issuer.userToken({ roles: ['ChangeTickets.Admin'] });

    const response = await unassignV1(harness, device.id, caller, {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });
    const read = await harness.http.get(`/v1/change-tickets/${ticket}`).set('authorization', `Bearer ${admin}`);

    expect(response.status).toBe(200);
    expect(read.body.workNotes).toEqual([
      { attemptId: response.body.attemptId, writtenAt: expect.any(String), body: expect.stringContaining(device.id) },
    ]);
  });
});
