import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTeamsRoom } from '../../factories/devices';
import { GateHarness } from '../../helpers/gate-harness';
import { attemptsFor, graphTrafficFor } from '../../helpers/gate-observations';
import { expectProblem } from '../../helpers/refusal-assertions';
import { createLocalTicket, JUSTIFICATION, UNASSIGNER, unassignV1 } from '../../helpers/unassign-calls';

describe('Idempotency-Key', () => {
  let harness: GateHarness;
  let ticket: string;
  let caller: string;
  beforeAll(async () => {
    // One try per Graph call. Keys are kept the default 24 hours: a shorter life would let a key expire while a slow
    // machine still answers the 50 concurrent requests below, which would then rightly run anew.
    harness = await GateHarness.start({ env: { GRAPH_MAX_TRIES: '1' } });
    ticket = await createLocalTicket(harness);
    caller = await harness.issuer.userToken({ roles: [UNASSIGNER], oid: randomUUID() });
  });
  afterAll(() => harness?.close());

  const aDevice = () => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    return device;
  };
  const unassign = (
    deviceId: string,
    key: string | undefined,
    body: Record<string, unknown> = { changeTicket: ticket, justification: JUSTIFICATION },
    token = caller,
  ) => {
    const call = unassignV1(harness, deviceId, token, body);
    return key === undefined ? call : call.set('idempotency-key', key);
  };

  it('answers a repeat with the first answer, byte for byte, without calling Graph again, and records the replay', async () => {
    const device = aDevice();
    const key = `flow-${randomUUID()}`;

    const first = await unassign(device.id, key);
    const repeat = await unassign(device.id, key);

    expect(first.status, first.text).toBe(200);
    expect(repeat.status).toBe(200);
    expect(repeat.text).toBe(first.text);
    expect(repeat.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(graphTrafficFor(harness, device.id).posts).toHaveLength(1);
    const rows = await attemptsFor(harness, device.id);
    expect(rows).toEqual([
      expect.objectContaining({
        id: first.body.attemptId,
        outcome: 'succeeded',
        idempotency_key: key,
        replay_of: null,
      }),
      expect.objectContaining({
        outcome: 'replayed',
        idempotency_key: key,
        replay_of: first.body.attemptId,
        http_status: 200,
      }),
    ]);
  });

  it('replays a refusal with the same status and body, its correlation id included', async () => {
    const device = aDevice();
    const key = randomUUID();
    const body = { changeTicket: 'CHG9999990', justification: JUSTIFICATION };

    const first = await unassign(device.id, key, body);
    const repeat = await unassign(device.id, key, body);

    expectProblem(first, 422, 'CHANGE_TICKET_REJECTED');
    expect(repeat.status).toBe(422);
    expect(repeat.body).toEqual(first.body);
    expect(repeat.headers['idempotent-replayed']).toBe('true');
    expect(repeat.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
    expect(await attemptsFor(harness, device.id)).toEqual([
      expect.objectContaining({ outcome: 'ticket_rejected' }),
      expect.objectContaining({
        outcome: 'replayed',
        replay_of: first.body.attemptId,
        http_status: 422,
        error_code: 'CHANGE_TICKET_REJECTED',
      }),
    ]);
  });

  it('refuses the same key with another request: 409 IDEMPOTENCY_CONFLICT, nothing sent', async () => {
    const device = aDevice();
    const other = aDevice();
    const key = randomUUID();
    await unassign(device.id, key);

    const conflict = await unassign(other.id, key);

    expectProblem(conflict, 409, 'IDEMPOTENCY_CONFLICT');
    expect(graphTrafficFor(harness, other.id).all).toEqual([]);
    expect(await attemptsFor(harness, other.id)).toEqual([
      expect.objectContaining({
        outcome: 'request_conflict',
        error_code: 'IDEMPOTENCY_CONFLICT',
        idempotency_key: key,
      }),
    ]);
  });

  it('keeps keys per caller: another caller may use the same key for their own request', async () => {
    const key = randomUUID();
    const mine = aDevice();
    const theirs = aDevice();
    const someoneElse = await harness.issuer.userToken({ roles: [UNASSIGNER], oid: randomUUID() });

    const first = await unassign(mine.id, key);
    const second = await unassign(theirs.id, key, undefined, someoneElse);

    expect(first.status, first.text).toBe(200);
    expect(second.status, second.text).toBe(200);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(graphTrafficFor(harness, theirs.id).posts).toHaveLength(1);
  });

  it('forwards exactly one unassign for 50 concurrent identical requests with one key; every request leaves one row', async () => {
    const device = aDevice();
    const key = randomUUID();
    harness.graph.respondNext('unassign', { status: 204, delayMs: 300 });

    const answers = await Promise.all(Array.from({ length: 50 }, () => unassign(device.id, key)));

    expect(graphTrafficFor(harness, device.id).posts).toHaveLength(1);
    const byStatus = (status: number) => answers.filter((answer) => answer.status === status);
    expect(byStatus(200).length + byStatus(409).length).toBe(50);
    expect(byStatus(200).filter((answer) => answer.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
    for (const answer of byStatus(409)) {
      expect(answer.body.code).toBe('REQUEST_IN_PROGRESS');
      expect(answer.headers['retry-after']).toBe('2');
    }
    const rows = await attemptsFor(harness, device.id);
    expect(rows).toHaveLength(50);
    expect(rows.filter((row) => row.outcome === 'succeeded')).toHaveLength(1);
  });

  it('runs a repeat anew when the first ended in a failure after which a retry is right (Graph 503)', async () => {
    const device = aDevice();
    const key = randomUUID();
    harness.graph.respondNext('unassign', { status: 503 });

    const failed = await unassign(device.id, key);
    const retried = await unassign(device.id, key);

    expectProblem(failed, 503, 'GRAPH_UNAVAILABLE');
    expect(retried.status, retried.text).toBe(200);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect(graphTrafficFor(harness, device.id).posts).toHaveLength(2);
  });

  it('forgets a key after IDEMPOTENCY_TTL_HOURS', async () => {
    const key = randomUUID();
    const first = aDevice();
    const later = aDevice();
    await unassign(first.id, key);
    const sql = harness.gate.database.sql;
    const ofFirstDevice = 'attempt_id IN (SELECT id FROM attempts WHERE device_id = $1)';
    const [held] = await sql.query<{ hours: string }>(
      `SELECT extract(epoch FROM expires_at - clock_timestamp()) / 3600 AS hours FROM idempotency_keys WHERE ${ofFirstDevice}`,
      [first.id],
    );
    expect(Number(held.hours)).toBeCloseTo(24, 1);

    // A day later, as far as the key can tell.
    await sql.query(
      `UPDATE idempotency_keys SET expires_at = clock_timestamp() - interval '1 second' WHERE ${ofFirstDevice}`,
      [first.id],
    );
    const response = await unassign(later.id, key);

    expect(response.status, response.text).toBe(200);
    expect(graphTrafficFor(harness, later.id).posts).toHaveLength(1);
  });

  it('refuses a key that is not 1 to 255 visible ASCII characters', async () => {
    for (const key of ['', 'with space', 'ü', 'x'.repeat(256)]) {
      const device = aDevice();

      const response = await unassign(device.id, key);

      expectProblem(response, 400, 'INVALID_REQUEST');
      expect(response.body.errors).toEqual([expect.objectContaining({ path: 'Idempotency-Key' })]);
      expect(graphTrafficFor(harness, device.id).all).toEqual([]);
    }
  });

  describe('without a key', () => {
    it('lets one request per device run at a time: a concurrent one gets 409 REQUEST_IN_PROGRESS and nothing is sent twice', async () => {
      const device = aDevice();
      harness.graph.respondNext('unassign', { status: 204, delayMs: 500 });

      // supertest sends on then(): start the first request now, and let it sit in Graph's delay.
      const first = unassign(device.id, undefined).then((response) => response);
      await sleep(150);
      const concurrent = await unassign(device.id, undefined);

      expectProblem(concurrent, 409, 'REQUEST_IN_PROGRESS');
      expect(concurrent.headers['retry-after']).toBe('2');
      expect((await first).status).toBe(200);
      expect(graphTrafficFor(harness, device.id).posts).toHaveLength(1);
      expect((await attemptsFor(harness, device.id)).map((row) => row.outcome).sort()).toEqual([
        'request_conflict',
        'succeeded',
      ]);
    });

    it('tells a retry whose answer was lost that the device has nothing left to unassign, naming the attempt that did it', async () => {
      const device = aDevice();
      const done = await unassign(device.id, undefined);

      const retry = await unassign(device.id, undefined);

      expectProblem(retry, 409, 'NOTHING_TO_UNASSIGN');
      expect(retry.body.lastSucceeded).toEqual({ attemptId: done.body.attemptId, at: expect.any(String) });
      const [succeeded] = await attemptsFor(harness, device.id);
      expect(new Date(retry.body.lastSucceeded.at).getTime()).toBe((succeeded.settled_at as Date).getTime());
      expect(graphTrafficFor(harness, device.id).posts).toHaveLength(1);
    });

    it('answers NOTHING_TO_UNASSIGN without lastSucceeded for a device that never had an unassign through the gate', async () => {
      const device = aTeamsRoom({ resourceName: '' });
      harness.graph.addDevice(device);

      const response = await unassign(device.id, undefined);

      expectProblem(response, 409, 'NOTHING_TO_UNASSIGN');
      expect(response.body).not.toHaveProperty('lastSucceeded');
    });
  });
});
