import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTeamsRoom } from '../../factories/devices';
import { TcpProxy } from '../../fakes/tcp-proxy';
import { GateHarness } from '../../helpers/gate-harness';
import { attemptsFor, graphTrafficFor } from '../../helpers/gate-observations';
import { expectProblem } from '../../helpers/refusal-assertions';
import { createLocalTicket, JUSTIFICATION, UNASSIGNER, unassignV1 } from '../../helpers/unassign-calls';

// Real Postgres only: the cut is a TCP proxy between the gate and the server.
describe.runIf(process.env.DATABASE_URL)('the database cut while a call is at Graph (real Postgres only)', () => {
  let harness: GateHarness;
  let proxy: TcpProxy;
  let ticket: string;
  beforeAll(async () => {
    harness = await GateHarness.prepare();
    const direct = new URL(harness.database.databaseUrl!);
    proxy = await TcpProxy.start({ host: direct.hostname, port: Number(direct.port || 5432) });
    const throughProxy = new URL(direct);
    throughProxy.port = String(proxy.port);
    await harness.boot({
      env: {
        DATABASE_URL: throughProxy.toString(),
        SWEEP_STALE_AFTER_MS: '3000',
        SWEEP_INTERVAL_MS: '250',
        GRAPH_CALL_DEADLINE_MS: '1000',
      },
    });
    ticket = await createLocalTicket(harness);
  });
  afterAll(async () => {
    await proxy?.close();
    await harness?.close();
  });

  it('tells the caller what Graph did, leaves the row in flight, and the sweeper settles it once the database is back', async () => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    harness.graph.respondNext('unassign', { status: 204, delayMs: 400 });
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });

    const call = unassignV1(harness, device.id, caller, { changeTicket: ticket, justification: JUSTIFICATION }).then(
      (response) => response,
    );
    while (graphTrafficFor(harness, device.id).posts.length === 0) await sleep(20);
    await proxy.cut();
    const response = await call;

    expect(response.status, response.text).toBe(200);
    expect(harness.logs.some((line) => line.includes('attempt outcome could not be recorded'))).toBe(true);

    const refused = await unassignV1(harness, aTeamsRoom().id, caller, {
      changeTicket: ticket,
      justification: JUSTIFICATION,
    });
    expectProblem(refused, 503, 'AUDIT_UNAVAILABLE');

    await proxy.heal();
    let row: Record<string, unknown> | undefined;
    for (const until = Date.now() + 15_000; Date.now() < until; await sleep(100)) {
      [row] = await attemptsFor(harness, device.id);
      if (row && row.outcome !== 'in_flight') break;
    }
    expect(row).toMatchObject({
      id: response.body.attemptId,
      outcome: 'succeeded',
      reconciled: true,
      answer: { settledBy: 'sweeper' },
    });
    expect(graphTrafficFor(harness, device.id).posts).toHaveLength(1);
  }, 40_000);
});
