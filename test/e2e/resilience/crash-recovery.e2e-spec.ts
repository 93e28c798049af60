import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTeamsRoom } from '../../factories/devices';
import { anOpenChange, aTicketNumber } from '../../factories/tickets';
import { GateHarness } from '../../helpers/gate-harness';
import { attemptsFor, graphTrafficFor } from '../../helpers/gate-observations';
import { buildGate, freePort, GateProcess, removeBuild, until } from '../../helpers/gate-process';
import { JUSTIFICATION, UNASSIGNER } from '../../helpers/unassign-calls';

// The sweeper runs often and takes rows in flight for over 3 s here (the Graph call deadline is 1 s: a live request may
// hold its row through a read and an unassign, 2 s, and a loaded machine needs the rest).
const RECOVERY = {
  SWEEP_STALE_AFTER_MS: '3000',
  SWEEP_INTERVAL_MS: '250',
  GRAPH_CALL_DEADLINE_MS: '1000',
  GRAPH_TIMEOUT_MS: '5000',
};

// Real Postgres only: PGlite is one process's database by design, so a gate process and the test cannot share one.
describe.runIf(process.env.DATABASE_URL)(
  'a gate process killed or stopped in the middle of a call (real Postgres only)',
  () => {
    let harness: GateHarness;
    let mainJs: string;
    let ticket: string;
    const gates: GateProcess[] = [];

    const startGate = async () => {
      const gate = await GateProcess.start(mainJs, harness.environment({ env: RECOVERY }), await freePort());
      gates.push(gate);
      return gate;
    };
    const unassign = async (gate: GateProcess, deviceId: string) => {
      const token = await harness.issuer.userToken({ roles: [UNASSIGNER] });
      return fetch(`${gate.url}/v1/autopilot-devices/${deviceId}/unassign-resource-account`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ changeTicket: ticket, justification: JUSTIFICATION }),
      });
    };
    const aDeviceWhoseUnassignAnswersLate = (delayMs: number) => {
      const device = aTeamsRoom();
      harness.graph.addDevice(device);
      // Graph does the unassign at once and answers after delayMs.
      harness.graph.respondNext('unassign', { status: 204, delayMs });
      return device;
    };

    beforeAll(async () => {
      harness = await GateHarness.prepare();
      mainJs = await buildGate();
      const admin = await harness.issuer.userToken({ roles: ['ChangeTickets.Admin'] });
      const gate = await startGate();
      ticket = aTicketNumber();
      const created = await fetch(`${gate.url}/v1/change-tickets/${ticket}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify(anOpenChange()),
      });
      expect(created.status).toBe(200);
    }, 90_000);
    afterAll(async () => {
      for (const gate of gates) gate.kill('SIGKILL');
      await harness?.close();
      removeBuild();
    });

    it('settles, through the sweeper of the restarted gate, a call whose gate was killed after Graph had it', async () => {
      const killed = gates[0];
      const device = aDeviceWhoseUnassignAnswersLate(10_000);

      const call = unassign(killed, device.id).catch((error: unknown) => error);
      await until('the unassign to reach Graph', async () =>
        graphTrafficFor(harness, device.id).posts.length > 0 ? true : undefined,
      );
      killed.kill('SIGKILL');
      expect((await killed.exited).signal).toBe('SIGKILL');
      expect(await call).toBeInstanceOf(Error);
      expect(await attemptsFor(harness, device.id)).toEqual([expect.objectContaining({ outcome: 'in_flight' })]);

      await startGate();
      const settled = await until('the sweeper to settle the attempt', async () => {
        const [row] = await attemptsFor(harness, device.id);
        return row.outcome === 'in_flight' ? undefined : row;
      });

      expect(settled).toMatchObject({
        outcome: 'succeeded',
        reconciled: true,
        answer: { settledBy: 'sweeper', detail: expect.stringContaining('no resource account') },
      });
      expect(settled.settled_at).not.toBeNull();
      expect(graphTrafficFor(harness, device.id).posts).toHaveLength(1);
    }, 60_000);

    it('on SIGTERM stops taking calls, lets the one in flight finish and record its outcome, and exits 0', async () => {
      const gate = await startGate();
      const device = aDeviceWhoseUnassignAnswersLate(800);

      const call = unassign(gate, device.id);
      await until('the unassign to reach Graph', async () =>
        graphTrafficFor(harness, device.id).posts.length > 0 ? true : undefined,
      );
      gate.kill('SIGTERM');
      const response = await call;
      const exit = await gate.exited;

      expect(response.status).toBe(200);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(await attemptsFor(harness, device.id)).toEqual([
        expect.objectContaining({ outcome: 'succeeded', reconciled: false }),
      ]);
      expect(gate.output.join('')).toContain('drained');
    }, 60_000);
  },
);
