import { createPublicKey, randomUUID, verify } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chainHash, GENESIS_HASH } from '../../src/audit/chain/canonical-record';
import { checkpointFromRow } from '../../src/audit/chain/chain-records';
import { checkpointStatement } from '../../src/audit/chain/signed-statements';
import { attemptFromRow } from '../../src/audit/attempt-from-row';
import { aTeamsRoom } from '../factories/devices';
import { anAttemptRow, insertAttemptRows } from '../factories/attempt-rows';
import { AUDIT_READER, auditGet } from '../helpers/audit-reads';
import { asSuperuser, chainRows, sealNow, snapshotFrom } from '../helpers/chain-tampering';
import { GateHarness } from '../helpers/gate-harness';
import { expectProblem } from '../helpers/refusal-assertions';
import { createLocalTicket, JUSTIFICATION, UNASSIGNER, unassignV1 } from '../helpers/unassign-calls';

const CHECKPOINT_EVERY = 5;

/** The attempt of a chainRows() row, as the API shows it. */
function attemptOf(row: Record<string, unknown>): object {
  return attemptFromRow(Object.fromEntries(Object.entries(row).filter(([column]) => !column.startsWith('chain_'))));
}

const attemptAtSeq = (seq: number) => `(SELECT attempt_id FROM audit_chain WHERE seq = ${seq})`;

describe('tamper evidence: the hash chain and GET /v1/audit/integrity', () => {
  let harness: GateHarness;
  let readerToken: string;
  let operator: { oid: string; token: string };
  let sealedCount: number;
  let undo: (() => Promise<unknown>) | undefined;

  const integrity = (token = readerToken, query: Record<string, string> = {}) =>
    auditGet(harness, '/v1/audit/integrity', token, query);
  const chain = () => chainRows(harness.gate.database.sql);

  beforeAll(async () => {
    harness = await GateHarness.start({
      env: { AUDIT_SEAL_INTERVAL_MS: '0', AUDIT_CHECKPOINT_EVERY: String(CHECKPOINT_EVERY) },
    });
    readerToken = await harness.issuer.userToken({ roles: [AUDIT_READER] });
    const oid = randomUUID();
    operator = { oid, token: await harness.issuer.userToken({ roles: [UNASSIGNER], oid }) };
    const ticket = await createLocalTicket(harness);
    for (let i = 0; i < 3; i++) {
      const device = aTeamsRoom();
      harness.graph.addDevice(device);
      const response = await unassignV1(harness, device.id, operator.token, {
        changeTicket: ticket,
        justification: JUSTIFICATION,
      });
      if (response.status !== 200) throw new Error(`unassign failed: ${response.status} ${response.text}`);
    }
    await insertAttemptRows(
      harness.gate.database.sql,
      Array.from({ length: 20 }, () => anAttemptRow({ received_at: new Date(Date.now() - 60_000) })),
    );
    await sealNow(harness);
    sealedCount = (await chain()).length;
  });
  afterEach(async () => {
    await undo?.();
    undo = undefined;
  });
  afterAll(() => harness?.close());

  it('seals every settled attempt in (settled_at, id) order, each linked to the one before, and empties the queue', async () => {
    const rows = await chain();
    const all = await harness.attemptRows();

    expect(rows).toHaveLength(all.length);
    expect(rows.map((row) => Number(row.chain_seq))).toEqual(rows.map((_, index) => index + 1));
    const bySettlement = [...all].sort(
      (a, b) =>
        (a.settled_at as Date).getTime() - (b.settled_at as Date).getTime() ||
        (a.id as string).localeCompare(b.id as string),
    );
    expect(rows.map((row) => row.id)).toEqual(bySettlement.map((row) => row.id));
    rows.forEach((row, index) => {
      expect(row.chain_prev_hash).toBe(index === 0 ? GENESIS_HASH : rows[index - 1].chain_hash);
      // Hashed by the sealer from the attempt as Postgres renders it; recomputed here from the row as `pg` reads it.
      expect(row.chain_hash).toBe(chainHash(row.chain_prev_hash as string, attemptOf(row)));
    });
    expect(await harness.gate.database.sql.query('SELECT * FROM audit_unsealed')).toEqual([]);
    expect(await harness.gate.database.sql.query('SELECT seq, hash FROM audit_chain_head')).toEqual([
      { seq: expect.anything(), hash: rows.at(-1)!.chain_hash },
    ]);
  });

  it('signs a checkpoint every AUDIT_CHECKPOINT_EVERY records, each naming the signature before it', async () => {
    const checkpoints = (
      await harness.gate.database.sql.query<Record<string, unknown>>('SELECT * FROM audit_checkpoints ORDER BY seq')
    ).map(checkpointFromRow);
    const hashes = new Map((await chain()).map((row) => [Number(row.chain_seq), row.chain_hash]));
    const key = await auditGet(harness, '/v1/audit/public-key', readerToken);
    const publicKey = createPublicKey(key.body.publicKeyPem as string);

    expect(checkpoints.map((checkpoint) => checkpoint.seq)).toEqual(expect.arrayContaining([5, 10, 15, 20]));
    checkpoints.forEach((checkpoint, index) => {
      expect(checkpoint.hash).toBe(hashes.get(checkpoint.seq));
      expect(checkpoint.keyId).toBe(key.body.keyId);
      expect(checkpoint.previousSignature).toBe(index === 0 ? null : checkpoints[index - 1].signature);
      expect(
        verify(
          null,
          Buffer.from(checkpointStatement(checkpoint)),
          publicKey,
          Buffer.from(checkpoint.signature, 'base64'),
        ),
      ).toBe(true);
    });
  });

  it('reports an untouched chain as ok', async () => {
    const response = await integrity();

    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({
      status: 'ok',
      fromSeq: 1,
      toSeq: sealedCount,
      records: sealedCount,
      recordsInScope: sealedCount,
      firstBreak: null,
    });
    expect(response.body.checkpoints).toBeGreaterThanOrEqual(4);
  });

  it('leaves in-flight attempts unsealed, and seals them once settled', async () => {
    const [inFlight] = [anAttemptRow({ outcome: 'in_flight', settled_at: null, http_status: null, duration_ms: null })];
    await insertAttemptRows(harness.gate.database.sql, [inFlight]);
    const linkOf = () =>
      harness.gate.database.sql.query<{ seq: unknown }>('SELECT seq FROM audit_chain WHERE attempt_id = $1', [
        inFlight.id,
      ]);

    await sealNow(harness);
    const before = await linkOf();
    await harness.gate.database.sql.query(
      `UPDATE attempts SET outcome = 'unknown', http_status = 502, settled_at = now() WHERE id = $1 AND outcome = 'in_flight'`,
      [inFlight.id],
    );
    await sealNow(harness);
    const after = await linkOf();

    expect(before).toEqual([]);
    expect(Number(after[0].seq)).toBe(sealedCount + 1);
    sealedCount += 1;
    expect((await integrity()).body).toMatchObject({ status: 'ok', records: sealedCount });
  });

  describe('finds the first broken link and its kind, after changes made in SQL with the triggers off', () => {
    it('a record whose content changed: modified', async () => {
      const [original] = await harness.gate.database.sql.query<{ id: string }>(
        `SELECT id FROM attempts WHERE id = ${attemptAtSeq(7)}`,
      );
      undo = await snapshotFrom(harness, 7);
      await asSuperuser(harness, (sql) =>
        sql.query(`UPDATE attempts SET justification = 'nothing to see here' WHERE id = ${attemptAtSeq(7)}`),
      );

      const response = await integrity();

      expect(response.body).toMatchObject({
        status: 'broken',
        records: 6,
        firstBreak: { kind: 'modified', seq: 7, attemptId: original.id },
      });
    });

    it('a record changed and the chain re-hashed after it: modified, caught at the next signed checkpoint', async () => {
      undo = await snapshotFrom(harness, 7);
      await asSuperuser(harness, async (sql) => {
        await sql.query(`UPDATE attempts SET outcome = 'policy_denied' WHERE id = ${attemptAtSeq(7)}`);
        let prevHash = (await chainRows(sql, 7))[0].chain_prev_hash as string;
        for (const row of await chainRows(sql, 7)) {
          const hash = chainHash(prevHash, attemptOf(row));
          await sql.query('UPDATE audit_chain SET prev_hash = $1, hash = $2 WHERE seq = $3', [
            prevHash,
            hash,
            row.chain_seq,
          ]);
          prevHash = hash;
        }
        await sql.query('UPDATE audit_chain_head SET hash = $1', [prevHash]);
      });

      const response = await integrity();

      expect(response.body).toMatchObject({ status: 'broken', firstBreak: { kind: 'modified', seq: 10 } });
      expect(response.body.firstBreak.detail).toMatch(/rebuilt/);
    });

    it('a record removed: deleted', async () => {
      undo = await snapshotFrom(harness, 12);
      await asSuperuser(harness, (sql) => sql.query(`DELETE FROM attempts WHERE id = ${attemptAtSeq(12)}`));

      const response = await integrity();

      expect(response.body).toMatchObject({ status: 'broken', records: 11, firstBreak: { kind: 'deleted', seq: 12 } });
    });

    it('the newest records removed with their links: deleted, against the head', async () => {
      undo = await snapshotFrom(harness, sealedCount - 1);
      await asSuperuser(harness, async (sql) => {
        await sql.query('DELETE FROM attempts WHERE id IN (SELECT attempt_id FROM audit_chain WHERE seq > $1)', [
          sealedCount - 2,
        ]);
        await sql.query('DELETE FROM audit_chain WHERE seq > $1', [sealedCount - 2]);
      });

      const response = await integrity();

      expect(response.body).toMatchObject({ status: 'broken', firstBreak: { kind: 'deleted', seq: sealedCount - 1 } });
    });

    it('two records swapped: reordered', async () => {
      undo = await snapshotFrom(harness, 8);
      await asSuperuser(harness, async (sql) => {
        await sql.query('UPDATE audit_chain SET seq = -1 WHERE seq = 8');
        await sql.query('UPDATE audit_chain SET seq = 8 WHERE seq = 9');
        await sql.query('UPDATE audit_chain SET seq = 9 WHERE seq = -1');
      });

      const response = await integrity();

      expect(response.body).toMatchObject({ status: 'broken', records: 7, firstBreak: { kind: 'reordered', seq: 8 } });
    });

    it('a checkpoint whose signature does not verify: bad_signature', async () => {
      const [original] = await harness.gate.database.sql.query<{ signature: string }>(
        'SELECT signature FROM audit_checkpoints WHERE seq = 15',
      );
      const forged = Buffer.from(original.signature, 'base64');
      forged[0] ^= 0xff;
      await asSuperuser(harness, (sql) =>
        sql.query('UPDATE audit_checkpoints SET signature = $1 WHERE seq = 15', [forged.toString('base64')]),
      );
      undo = () =>
        asSuperuser(harness, (sql) =>
          sql.query('UPDATE audit_checkpoints SET signature = $1 WHERE seq = 15', [original.signature]),
        );

      const response = await integrity();

      expect(response.body).toMatchObject({ status: 'broken', firstBreak: { kind: 'bad_signature', seq: 15 } });
    });

    it('a checkpoint removed: deleted', async () => {
      const [original] = await harness.gate.database.sql.query<Record<string, unknown>>(
        'SELECT * FROM audit_checkpoints WHERE seq = 10',
      );
      await asSuperuser(harness, (sql) => sql.query('DELETE FROM audit_checkpoints WHERE seq = 10'));
      undo = () =>
        asSuperuser(harness, (sql) =>
          sql.query(
            'INSERT INTO audit_checkpoints (seq, hash, signed_at, key_id, signature, previous_signature) VALUES ($1, $2, $3, $4, $5, $6)',
            [
              original.seq,
              original.hash,
              original.signed_at,
              original.key_id,
              original.signature,
              original.previous_signature,
            ],
          ),
        );

      const response = await integrity();

      expect(response.body).toMatchObject({ status: 'broken', firstBreak: { kind: 'deleted', seq: 15 } });
    });
  });

  it("names a broken attempt only to a caller who may read it, and counts only the caller's own records", async () => {
    const rows = await chain();
    const ownSeqs = rows.filter((row) => row.actor_oid === operator.oid).map((row) => Number(row.chain_seq));
    const intact = await integrity(operator.token);
    const someoneElses = Math.max(
      ...rows.map((row) => Number(row.chain_seq)).filter((seq) => !ownSeqs.includes(seq) && seq < sealedCount),
    );
    const original = rows[someoneElses - 1];
    undo = await snapshotFrom(harness, someoneElses);
    await asSuperuser(harness, (sql) =>
      sql.query(`UPDATE attempts SET decision_reason = 'forged' WHERE id = ${attemptAtSeq(someoneElses)}`),
    );

    const asOperator = await integrity(operator.token);
    const asReader = await integrity();

    expect(intact.body).toMatchObject({ status: 'ok', records: sealedCount, recordsInScope: ownSeqs.length });
    expect(asOperator.body.firstBreak).toEqual({ kind: 'modified', seq: someoneElses, detail: expect.any(String) });
    expect(asReader.body.firstBreak).toMatchObject({ kind: 'modified', seq: someoneElses, attemptId: original.id });
  });

  it('walks only the records received in [from, to), up to the checkpoint that signs the last of them', async () => {
    const rows = await chain();
    const window = rows.filter((row) => Number(row.chain_seq) >= 11 && Number(row.chain_seq) <= 13);
    const from = new Date(Math.min(...window.map((row) => (row.received_at as Date).getTime())));
    const to = new Date(Math.max(...window.map((row) => (row.received_at as Date).getTime())) + 1);
    const inWindow = rows
      .filter((row) => (row.received_at as Date) >= from && (row.received_at as Date) < to)
      .map((row) => Number(row.chain_seq));

    const response = await integrity(readerToken, { from: from.toISOString(), to: to.toISOString() });

    expect(response.body).toMatchObject({ status: 'ok', fromSeq: Math.min(...inWindow) });
    expect(response.body.toSeq).toBe(Math.ceil(Math.max(...inWindow) / CHECKPOINT_EVERY) * CHECKPOINT_EVERY);
    expect(response.body.records).toBe(response.body.toSeq - response.body.fromSeq + 1);
  });

  it('publishes the public key of the key it generated under DATA_DIR, and keeps the private key to itself', async () => {
    const response = await auditGet(harness, '/v1/audit/public-key', readerToken);
    const keyFile = path.join(harness.database.dataDir, 'audit-signing-key.pem');

    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({
      algorithm: 'Ed25519',
      keyId: expect.stringMatching(/^[0-9a-f]{16}$/),
      publicKeyPem: expect.stringContaining('BEGIN PUBLIC KEY'),
    });
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(createPublicKey(readFileSync(keyFile, 'utf8')).export({ type: 'spki', format: 'pem' })).toBe(
      response.body.publicKeyPem,
    );
    expect(response.text).not.toContain('PRIVATE');
  });

  it('refuses the integrity report and the key to a caller with no read rule', async () => {
    const adminToken = await harness.issuer.userToken({ roles: ['ChangeTickets.Admin'] });

    expectProblem(await integrity(adminToken), 403, 'POLICY_DENIED');
    expectProblem(await auditGet(harness, '/v1/audit/public-key', adminToken), 403, 'POLICY_DENIED');
  });

  it('refuses parameters other than from and to', async () => {
    expectProblem(await integrity(readerToken, { actor: 'someone' }), 400, 'INVALID_REQUEST');
  });
});
