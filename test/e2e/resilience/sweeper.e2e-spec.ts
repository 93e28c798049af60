import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttemptSweeper } from '../../../src/attempts/sweeper/attempt-sweeper';
import { createGateApp, type GateApp } from '../../../src/bootstrap';
import { loadAppConfig } from '../../../src/config/app-config';
import { createRootLogger } from '../../../src/http/pino-logger.service';
import { aTeamsRoom } from '../../factories/devices';
import { GateHarness } from '../../helpers/gate-harness';
import { attemptsFor, graphTrafficFor } from '../../helpers/gate-observations';

// Long intervals: these tests call sweep() themselves.
const SWEEPER = { SWEEP_STALE_AFTER_MS: '90000', SWEEP_INTERVAL_MS: '3600000', GRAPH_MAX_TRIES: '1' };

describe(AttemptSweeper.name, () => {
  let harness: GateHarness;
  beforeAll(async () => {
    harness = await GateHarness.start({ env: SWEEPER });
  });
  afterAll(() => harness?.close());

  /** An attempt a crashed gate left in flight ten minutes ago, as its open step wrote it. */
  async function leftInFlight(deviceId: string): Promise<string> {
    const id = randomUUID();
    await harness.gate.database.sql.query(
      `INSERT INTO attempts (id, received_at, outcome, entry_point, correlation_id, policy_version, device_id, actor_oid, decision)
       VALUES ($1, now() - interval '10 minutes', 'in_flight', 'v1', $2, 'test', $3, $4, 'allowed')`,
      [id, randomUUID(), deviceId, randomUUID()],
    );
    return id;
  }

  it('settles a stale attempt as succeeded (reconciled) when the device has no resource account any more', async () => {
    const device = aTeamsRoom({ resourceName: '' });
    harness.graph.addDevice(device);
    const id = await leftInFlight(device.id);

    const report = await harness.gate.app.get(AttemptSweeper).sweep();

    expect(report).toMatchObject({ swept: true });
    const [row] = await attemptsFor(harness, device.id);
    expect(row).toMatchObject({ id, outcome: 'succeeded', reconciled: true, answer: { settledBy: 'sweeper' } });
    expect(row.settled_at).not.toBeNull();
    expect(row.graph_tries).toEqual([expect.objectContaining({ operation: 'read', result: 'ok', status: 200 })]);
  });

  it('settles it as unknown, saying why, when the device still has its account or cannot be read', async () => {
    const assigned = aTeamsRoom();
    const unreadable = aTeamsRoom();
    harness.graph.addDevice(assigned);
    harness.graph.addDevice(unreadable);
    await leftInFlight(assigned.id);
    await leftInFlight(unreadable.id);
    harness.graph.respondNext('read', { status: 200 });
    harness.graph.respondNext('read', { status: 500 });

    await harness.gate.app.get(AttemptSweeper).sweep();

    const [stillAssigned] = await attemptsFor(harness, assigned.id);
    const [notRead] = await attemptsFor(harness, unreadable.id);
    expect(stillAssigned).toMatchObject({
      outcome: 'unknown',
      answer: { detail: expect.stringContaining('still has its resource account') },
    });
    expect(notRead).toMatchObject({
      outcome: 'unknown',
      answer: { detail: expect.stringContaining('could not be read back') },
    });
  });

  it('leaves a recent in-flight attempt alone', async () => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    const id = randomUUID();
    await harness.gate.database.sql.query(
      `INSERT INTO attempts (id, outcome, entry_point, correlation_id, policy_version, device_id) VALUES ($1, 'in_flight', 'v1', $2, 'test', $3)`,
      [id, randomUUID(), device.id],
    );

    await harness.gate.app.get(AttemptSweeper).sweep();

    expect(await attemptsFor(harness, device.id)).toEqual([expect.objectContaining({ id, outcome: 'in_flight' })]);
    expect(graphTrafficFor(harness, device.id).all).toEqual([]);
  });

  describe.runIf(process.env.DATABASE_URL)('with two replicas on one database (real Postgres only)', () => {
    let replica: GateApp;
    beforeAll(async () => {
      replica = await createGateApp(loadAppConfig(harness.environment({ env: SWEEPER })), createRootLogger('silent'));
    });
    afterAll(() => replica?.app.close());

    it('lets exactly one of them sweep at a time, so each attempt is read and settled once', async () => {
      const device = aTeamsRoom({ resourceName: '' });
      harness.graph.addDevice(device);
      await leftInFlight(device.id);
      harness.graph.respondNext('read', { status: 200, delayMs: 300 });

      const reports = await Promise.all([
        harness.gate.app.get(AttemptSweeper).sweep(),
        replica.app.get(AttemptSweeper).sweep(),
      ]);

      expect(reports.map((report) => report.swept).sort()).toEqual([false, true]);
      expect(graphTrafficFor(harness, device.id).reads).toHaveLength(1);
      expect(await attemptsFor(harness, device.id)).toEqual([expect.objectContaining({ outcome: 'succeeded' })]);
    });
  });
});
