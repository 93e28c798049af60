import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTeamsRoom } from '../../factories/devices';
import { anImplementingChange } from '../../factories/servicenow-changes';
import { GateHarness } from '../../helpers/gate-harness';
import { buildGate, freePort, GateProcess, removeBuild, until } from '../../helpers/gate-process';
import { JUSTIFICATION, UNASSIGNER } from '../../helpers/unassign-calls';

const NOTES = { SERVICENOW_WORK_NOTES: 'true', WORK_NOTES_LEASE_MS: '1000', WORK_NOTES_RETRY_BASE_MS: '50' };

// Real Postgres only: PGlite is one process's database by design, so a gate process and the test cannot share one.
describe.runIf(process.env.DATABASE_URL)('work notes across a killed gate (real Postgres only)', () => {
  let harness: GateHarness;
  let mainJs: string;
  const gates: GateProcess[] = [];

  const startGate = async (env: Record<string, string>) => {
    const gate = await GateProcess.start(
      mainJs,
      harness.environment({ ticketProvider: 'servicenow', env: { ...NOTES, ...env } }),
      await freePort(),
    );
    gates.push(gate);
    return gate;
  };
  const unassign = async (gate: GateProcess) => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    const change = harness.serviceNow.addChange(anImplementingChange());
    const token = await harness.issuer.userToken({ roles: [UNASSIGNER] });
    const response = await fetch(`${gate.url}/v1/autopilot-devices/${device.id}/unassign-resource-account`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ changeTicket: change.number, justification: JUSTIFICATION }),
    });
    expect(response.status).toBe(200);
    return { change, attemptId: ((await response.json()) as { attemptId: string }).attemptId };
  };
  const attemptRow = async (attemptId: string) => {
    const rows = (await harness.attemptRows()).filter((row) => row.id === attemptId);
    return rows.length === 1 ? rows[0] : undefined;
  };
  const patchesTo = (sysId: string) =>
    harness.serviceNow.requests.filter((request) => request.method === 'PATCH' && request.path.endsWith(sysId));

  beforeAll(async () => {
    harness = await GateHarness.prepare();
    mainJs = await buildGate();
  }, 90_000);
  afterAll(async () => {
    for (const gate of gates) gate.kill('SIGKILL');
    await harness?.close();
    removeBuild();
  });

  it('sends, after a restart, the note of a gate killed before it sent it', async () => {
    const quiet = await startGate({ WORK_NOTES_INTERVAL_MS: '3600000' });
    const { change, attemptId } = await unassign(quiet);
    quiet.kill('SIGKILL');
    await quiet.exited;
    expect(harness.serviceNow.workNotes(change.sysId)).toEqual([]);

    await startGate({ WORK_NOTES_INTERVAL_MS: '100' });
    await until('the note to arrive', () => (harness.serviceNow.workNotes(change.sysId).length > 0 ? true : undefined));

    expect(harness.serviceNow.workNotes(change.sysId)).toEqual([expect.stringContaining(attemptId)]);
    expect(await attemptRow(attemptId)).toMatchObject({ outcome: 'succeeded' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(patchesTo(change.sysId)).toHaveLength(1);
  }, 60_000);

  it('never writes a second note when the gate died after ServiceNow wrote the first but before it was marked sent', async () => {
    for (const gate of gates) gate.kill('SIGKILL');
    const dying = await startGate({ WORK_NOTES_INTERVAL_MS: '100' });
    // ServiceNow writes the note at once and answers only much later: the gate is killed while it waits.
    const { change, attemptId } = await unassign(dying);
    harness.serviceNow.respondNext({ status: 200, delayAnswerMs: 30_000 });
    await until('ServiceNow to have the note', () =>
      harness.serviceNow.workNotes(change.sysId).length > 0 ? true : undefined,
    );
    dying.kill('SIGKILL');
    await dying.exited;

    await startGate({ WORK_NOTES_INTERVAL_MS: '100' });
    const journalChecks = () =>
      harness.serviceNow.requests.filter((request) => request.path === '/api/now/table/sys_journal_field');
    await until('the restarted gate to look for the note', () => (journalChecks().length > 0 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect(harness.serviceNow.workNotes(change.sysId)).toEqual([expect.stringContaining(attemptId)]);
    expect(patchesTo(change.sysId)).toHaveLength(1);
    expect(journalChecks()[0].query.sysparm_query).toContain(attemptId);
  }, 60_000);
});
