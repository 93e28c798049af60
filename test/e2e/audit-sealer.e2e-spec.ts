import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_SIGNING_KEY } from '../../src/audit/chain/audit-chain.tokens';
import type { AuditSigningKey } from '../../src/audit/chain/audit-signing-key';
import { ChainSealer } from '../../src/audit/chain/chain-sealer';
import { AuditAttemptsRepository } from '../../src/audit/query/audit-attempts.repository';
import type { AppConfig } from '../../src/config/app-config';
import { APP_CONFIG } from '../../src/config/app-config.token';
import { openDatabase } from '../../src/database/database-connection';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/database/migrations-dir';
import { aTeamsRoom } from '../factories/devices';
import { anAttemptRow, insertAttemptRows } from '../factories/attempt-rows';
import { AUDIT_READER, auditGet } from '../helpers/audit-reads';
import { sealNow } from '../helpers/chain-tampering';
import { GateHarness } from '../helpers/gate-harness';
import { createLocalTicket, JUSTIFICATION, UNASSIGNER, unassignV1 } from '../helpers/unassign-calls';

const checkpointSeqs = (harness: GateHarness) =>
  harness.gate.database.sql
    .query<{ seq: string }>('SELECT seq FROM audit_checkpoints ORDER BY seq')
    .then((rows) => rows.map((row) => Number(row.seq)));

describe(ChainSealer.name, () => {
  describe('on its timer', () => {
    let harness: GateHarness;
    beforeAll(async () => {
      harness = await GateHarness.start({ env: { AUDIT_SEAL_INTERVAL_MS: '100' } });
    });
    afterAll(() => harness?.close());

    it('seals an attempt shortly after it settles, with no one asking', async () => {
      const device = aTeamsRoom();
      harness.graph.addDevice(device);
      const token = await harness.issuer.userToken({ roles: [UNASSIGNER] });
      const response = await unassignV1(harness, device.id, token, {
        changeTicket: await createLocalTicket(harness),
        justification: JUSTIFICATION,
      });
      expect(response.status, response.text).toBe(200);

      await expect
        .poll(
          async () =>
            harness.gate.database.sql.query<{ seq: unknown }>('SELECT seq FROM audit_chain WHERE attempt_id = $1', [
              response.body.attemptId,
            ]),
          { timeout: 3000 },
        )
        .toHaveLength(1);
    });
  });

  describe('checkpoints', () => {
    let harness: GateHarness;
    beforeAll(async () => {
      harness = await GateHarness.start({
        env: { AUDIT_SEAL_INTERVAL_MS: '0', AUDIT_CHECKPOINT_EVERY: '1000', AUDIT_CHECKPOINT_INTERVAL_MS: '1000' },
      });
    });
    afterAll(() => harness?.close());

    it('signs the head at the first seal, then whenever the last checkpoint is older than AUDIT_CHECKPOINT_INTERVAL_MS', async () => {
      await insertAttemptRows(harness.gate.database.sql, [anAttemptRow(), anAttemptRow()]);
      await sealNow(harness);
      await insertAttemptRows(harness.gate.database.sql, [anAttemptRow()]);
      await sealNow(harness);
      const beforeTheInterval = await checkpointSeqs(harness);
      await sleep(1100);
      const result = await sealNow(harness);

      expect(beforeTheInterval).toEqual([2]);
      expect(result).toEqual({ sealed: 0, checkpoints: 1, busy: false });
      expect(await checkpointSeqs(harness)).toEqual([2, 3]);
    });
  });

  describe.runIf(process.env.DATABASE_URL)(
    'in several replicas at once (real Postgres only: PGlite is one connection)',
    () => {
      let harness: GateHarness;
      beforeAll(async () => {
        harness = await GateHarness.start({ env: { AUDIT_SEAL_INTERVAL_MS: '0', AUDIT_CHECKPOINT_EVERY: '500' } });
      });
      afterAll(() => harness?.close());

      it('builds one total chain: every attempt sealed once, seq without gaps, one checkpoint per 500', async () => {
        const total = 6000;
        await insertAttemptRows(
          harness.gate.database.sql,
          Array.from({ length: total }, () => anAttemptRow()),
        );
        const otherReplica = await openDatabase({
          databaseUrl: harness.database.databaseUrl,
          dataDir: harness.database.dataDir,
          poolMax: 4,
          migrationsDir: DEFAULT_MIGRATIONS_DIR,
        });
        const config = harness.gate.app.get<symbol, AppConfig>(APP_CONFIG);
        const key = harness.gate.app.get<symbol, AuditSigningKey>(AUDIT_SIGNING_KEY);
        const reads = new AuditAttemptsRepository(otherReplica);
        const replicas = [
          harness.gate.app.get(ChainSealer),
          new ChainSealer(otherReplica, config, key, reads),
          new ChainSealer(otherReplica, config, key, reads),
        ];
        let sealed = 0;
        try {
          while (sealed < total) {
            const results = await Promise.all(replicas.map((replica) => replica.sealNow()));
            sealed += results.reduce((sum, result) => sum + result.sealed, 0);
          }
        } finally {
          await otherReplica.close();
        }
        const seqs = await harness.gate.database.sql.query<{ seq: string }>('SELECT seq FROM audit_chain ORDER BY seq');
        const readerToken = await harness.issuer.userToken({ roles: [AUDIT_READER] });

        expect(sealed).toBe(total);
        expect(seqs.map((row) => Number(row.seq))).toEqual(Array.from({ length: total }, (_, index) => index + 1));
        // The first seal also signs its head: a batch of 2000, itself a multiple of 500.
        expect(await checkpointSeqs(harness)).toEqual(
          Array.from({ length: total / 500 }, (_, index) => (index + 1) * 500),
        );
        expect((await auditGet(harness, '/v1/audit/integrity', readerToken)).body).toMatchObject({
          status: 'ok',
          records: total,
        });
      });
    },
  );
});
