import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createGateApp, type GateApp } from '../../../src/bootstrap';
import { loadAppConfig } from '../../../src/config/app-config';
import { createRootLogger } from '../../../src/http/pino-logger.service';
import { InboundRateLimiter } from '../../../src/rate-limits/inbound-rate-limiter';
import { aTeamsRoom } from '../../factories/devices';
import { GateHarness } from '../../helpers/gate-harness';
import { attemptsFor, graphTrafficFor } from '../../helpers/gate-observations';
import { expectProblem } from '../../helpers/refusal-assertions';
import { createLocalTicket, JUSTIFICATION, UNASSIGNER, unassignV1 } from '../../helpers/unassign-calls';

const RATE_PER_SECOND = 4;
const BURST = 2;
const DISPATCH_LAG_MS = 250;

describe('pacing toward Graph (GRAPH_RATE_PER_SECOND, GRAPH_RATE_BURST)', () => {
  let harness: GateHarness;
  let ticket: string;
  beforeAll(async () => {
    harness = await GateHarness.start({
      env: {
        GRAPH_RATE_PER_SECOND: String(RATE_PER_SECOND),
        GRAPH_RATE_BURST: String(BURST),
        GRAPH_CALL_DEADLINE_MS: '1000',
      },
    });
    ticket = await createLocalTicket(harness);
  });
  afterAll(() => harness?.close());

  it('never sends Graph more than rate x time + burst, and refuses what would wait past its deadline with 429', async () => {
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER] });
    const devices = Array.from({ length: 16 }, () => aTeamsRoom());
    for (const device of devices) harness.graph.addDevice(device);
    const before = harness.graph.requests.length;

    const answers = await Promise.all(
      devices.map((device) =>
        unassignV1(harness, device.id, caller, { changeTicket: ticket, justification: JUSTIFICATION }).then((r) => r),
      ),
    );

    const sent = harness.graph.requests.slice(before).map((request) => request.receivedAt);
    for (const at of sent) {
      const upTo = sent.filter((other) => other <= at).length;
      // Tokens are taken on the database's clock, arrivals stamped by the fake: a request delayed between its token
      // and the fake (a loaded machine, 250 ms allowed) makes the later ones look closer to it, by one more at most
      // per 250 ms at this rate. Without pacing all 32 requests would arrive within a few hundred milliseconds.
      expect(upTo, `${upTo} requests within ${at - sent[0]} ms`).toBeLessThanOrEqual(
        BURST + (RATE_PER_SECOND * (at - sent[0] + DISPATCH_LAG_MS)) / 1000 + 1,
      );
    }
    const paced = answers.filter((answer) => answer.status === 429);
    expect(paced.length).toBeGreaterThan(0);
    for (const answer of paced) {
      expectProblem(answer, 429, 'RATE_LIMITED');
      expect(answer.body.reason).toBe('gate_pacing');
      expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    expect(answers.filter((answer) => answer.status === 200).length).toBeGreaterThan(0);
    for (const device of devices) expect(await attemptsFor(harness, device.id)).toHaveLength(1);
  });
});

describe('inbound rate limits', () => {
  let harness: GateHarness;
  let ticket: string;
  beforeAll(async () => {
    harness = await GateHarness.start({
      env: { RATE_LIMIT_PER_CALLER: '3', RATE_LIMIT_PER_IP_UNAUTHENTICATED: '2', RATE_LIMIT_WINDOW_MS: '60000' },
    });
    ticket = await createLocalTicket(harness);
  });
  afterAll(() => harness?.close());

  const aDevice = () => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    return device;
  };

  it('refuses a caller past RATE_LIMIT_PER_CALLER with 429 and Retry-After, records it, and leaves other callers alone', async () => {
    const caller = await harness.issuer.userToken({ roles: [UNASSIGNER], oid: randomUUID() });
    const other = await harness.issuer.userToken({ roles: [UNASSIGNER], oid: randomUUID() });
    const body = { changeTicket: ticket, justification: JUSTIFICATION };
    for (let i = 0; i < 3; i += 1) expect((await unassignV1(harness, aDevice().id, caller, body)).status).toBe(200);
    const device = aDevice();

    const refused = await unassignV1(harness, device.id, caller, body);
    const otherCaller = await unassignV1(harness, aDevice().id, other, body);

    expectProblem(refused, 429, 'RATE_LIMITED');
    expect(refused.body.reason).toBe('caller_limit');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(graphTrafficFor(harness, device.id).all).toEqual([]);
    expect(await attemptsFor(harness, device.id)).toEqual([
      expect.objectContaining({ outcome: 'rate_limited', http_status: 429, decision: 'denied' }),
    ]);
    expect(otherCaller.status).toBe(200);
  });

  it('counts requests without a valid token per client IP, and keeps a flood to one row per window', async () => {
    const devices = Array.from({ length: 6 }, () => aDevice());

    const answers = [];
    for (const device of devices)
      answers.push(
        await unassignV1(harness, device.id, undefined, { changeTicket: ticket, justification: JUSTIFICATION }),
      );

    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 429, 429, 429, 429]);
    expect(answers[2].body.reason).toBe('ip_limit');
    const rows = (await Promise.all(devices.map((device) => attemptsFor(harness, device.id)))).flat();
    expect(rows.map((row) => row.outcome)).toEqual(['unauthenticated', 'unauthenticated', 'rate_limited']);
    await harness.gate.app.get(InboundRateLimiter).flush();
    const [window] = await harness.gate.database.sql.query<{ hits: number }>(
      "SELECT hits FROM rate_limit_windows WHERE subject = 'ip:127.0.0.1'",
    );
    expect(window.hits).toBe(6);
  });
});

describe.runIf(process.env.DATABASE_URL)(
  'inbound rate limits with two replicas on one database (real Postgres only)',
  () => {
    let harness: GateHarness;
    let replica: GateApp;
    let ticket: string;
    // Windows start on the clock's multiples of their length: with a day-long one the five requests cannot straddle
    // a window's end, as they can a minute's.
    const env = { RATE_LIMIT_PER_CALLER: '4', RATE_LIMIT_WINDOW_MS: String(24 * 3_600_000) };
    beforeAll(async () => {
      harness = await GateHarness.start({ env });
      replica = await createGateApp(loadAppConfig(harness.environment({ env })), createRootLogger('silent'));
      ticket = await createLocalTicket(harness);
    });
    afterAll(async () => {
      await replica?.app.close();
      await harness?.close();
    });

    it("count a caller's requests together: a replica learns the other's counts through Postgres within a flush", async () => {
      const oid = randomUUID();
      const caller = await harness.issuer.userToken({ roles: [UNASSIGNER], oid });
      const body = { changeTicket: ticket, justification: JUSTIFICATION };
      const through = (app: GateApp) => {
        const device = aTeamsRoom();
        harness.graph.addDevice(device);
        return request(app.app.getHttpServer())
          .post(`/v1/autopilot-devices/${device.id}/unassign-resource-account`)
          .set('authorization', `Bearer ${caller}`)
          .send(body);
      };
      for (let i = 0; i < 3; i += 1) expect((await through(harness.gate)).status).toBe(200);
      await harness.gate.app.get(InboundRateLimiter).flush();

      const onReplica = await through(replica);
      await replica.app.get(InboundRateLimiter).flush();
      const pastTheLimit = await through(replica);

      expect(onReplica.status).toBe(200);
      expectProblem(pastTheLimit, 429, 'RATE_LIMITED');
      await replica.app.get(InboundRateLimiter).flush();
      const windows = await harness.gate.database.sql.query<{ hits: number }>(
        'SELECT hits FROM rate_limit_windows WHERE subject LIKE $1',
        [`caller:%/${oid}`],
      );
      expect(windows).toEqual([{ hits: 5 }]);
    });
  },
);
