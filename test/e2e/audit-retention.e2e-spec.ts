import { createPublicKey, verify } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_SIGNING_KEY } from '../../src/audit/chain/audit-chain.tokens';
import type { AuditSigningKey } from '../../src/audit/chain/audit-signing-key';
import { retentionRunFromRow } from '../../src/audit/chain/chain-records';
import { retentionStatement } from '../../src/audit/chain/signed-statements';
import { AuditRetention } from '../../src/audit/retention/audit-retention';
import { createGateApp } from '../../src/bootstrap';
import { loadAppConfig, type AppConfig } from '../../src/config/app-config';
import { APP_CONFIG } from '../../src/config/app-config.token';
import { createRootLogger } from '../../src/http/pino-logger.service';
import { anAttemptRow, insertAttemptRows, type AttemptRow } from '../factories/attempt-rows';
import { AUDIT_READER, auditGet } from '../helpers/audit-reads';
import { sealNow } from '../helpers/chain-tampering';
import { GateHarness } from '../helpers/gate-harness';

const DAY_MS = 24 * 60 * 60 * 1000;
const RETENTION_DAYS = 2557;
const daysAgo = (days: number, extraMs = 0) => new Date(Date.now() - days * DAY_MS + extraMs);

describe('audit retention (AUDIT_RETENTION_DAYS, default seven years)', () => {
  let harness: GateHarness;
  let expired: AttemptRow[];
  let young: AttemptRow[];
  let straggler: AttemptRow;
  let readerToken: string;

  const ids = (rows: AttemptRow[]) => rows.map((row) => row.id).sort();
  const remainingIds = async () => (await harness.attemptRows()).map((row) => row.id).sort();
  const integrity = () => auditGet(harness, '/v1/audit/integrity', readerToken);

  beforeAll(async () => {
    harness = await GateHarness.start({ env: { AUDIT_SEAL_INTERVAL_MS: '0', AUDIT_CHECKPOINT_EVERY: '4' } });
    readerToken = await harness.issuer.userToken({ roles: [AUDIT_READER] });
    expired = Array.from({ length: 10 }, (_, i) =>
      anAttemptRow({
        received_at: daysAgo(RETENTION_DAYS + 30 - i),
        settled_at: daysAgo(RETENTION_DAYS + 30 - i, 500),
      }),
    );
    await insertAttemptRows(harness.gate.database.sql, expired);
    await sealNow(harness);
    young = Array.from({ length: 5 }, (_, i) =>
      anAttemptRow({ received_at: daysAgo(10 - i), settled_at: daysAgo(10 - i, 500) }),
    );
    await insertAttemptRows(harness.gate.database.sql, young);
    await sealNow(harness);
    // Received before the cut but sealed after younger attempts: deleting it would cut a hole in the chain.
    straggler = anAttemptRow({ received_at: daysAgo(RETENTION_DAYS + 5), settled_at: daysAgo(1) });
    await insertAttemptRows(harness.gate.database.sql, [straggler]);
    await sealNow(harness);
  });
  afterAll(() => harness?.close());

  it('deletes the expired prefix of the chain, records it signed, and leaves a chain that still verifies', async () => {
    const outcome = await harness.gate.app.get(AuditRetention).runOnce();

    expect(outcome.deleted).toBe(expired.length);
    expect(await remainingIds()).toEqual(ids([...young, straggler]));
    const [row] = await harness.gate.database.sql.query<Record<string, unknown>>('SELECT * FROM audit_retention_runs');
    const run = retentionRunFromRow(row);
    const midnight = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS - RETENTION_DAYS * DAY_MS);
    expect(run).toMatchObject({
      firstSeq: 1,
      cutSeq: expired.length,
      deletedCount: expired.length,
      cutBefore: midnight,
    });
    expect(run.oldestReceivedAt).toEqual(expired[0].received_at);
    expect(run.newestReceivedAt).toEqual(expired.at(-1)!.received_at);
    const key = harness.gate.app.get<symbol, AuditSigningKey>(AUDIT_SIGNING_KEY);
    expect(
      verify(
        null,
        Buffer.from(retentionStatement(run)),
        createPublicKey(key.publicKeyPem),
        Buffer.from(run.signature, 'base64'),
      ),
    ).toBe(true);

    const report = await integrity();
    expect(report.body).toMatchObject({
      status: 'ok',
      fromSeq: expired.length + 1,
      records: young.length + 1,
      retention: { cutSeq: expired.length },
    });
  });

  it('deletes nothing more while every expired attempt left is behind a younger one in the chain', async () => {
    const outcome = await harness.gate.app.get(AuditRetention).runOnce();

    expect(outcome.deleted).toBe(0);
    expect(await remainingIds()).toEqual(ids([...young, straggler]));
  });

  it('is refused by the database when AUDIT_RETENTION_DAYS is below its floor, and deletes nothing', async () => {
    const config = harness.gate.app.get<symbol, AppConfig>(APP_CONFIG);
    const key = harness.gate.app.get<symbol, AuditSigningKey>(AUDIT_SIGNING_KEY);
    const shortened = new AuditRetention(
      harness.gate.database,
      { ...config, audit: { ...config.audit, retention: { ...config.audit.retention, days: 3 } } },
      key,
    );

    await expect(shortened.runOnce()).rejects.toThrow(/retention refused: .* less than 2557 days ago/);
    expect(await remainingIds()).toEqual(ids([...young, straggler]));
  });

  it('reports a forged retention record as a bad signature', async () => {
    await harness.gate.database.transaction(async (sql) => {
      await sql.query('SET LOCAL session_replication_role = replica');
      await sql.query('UPDATE audit_retention_runs SET deleted_count = deleted_count + 1');
    });

    const report = await integrity();

    await harness.gate.database.transaction(async (sql) => {
      await sql.query('SET LOCAL session_replication_role = replica');
      await sql.query('UPDATE audit_retention_runs SET deleted_count = deleted_count - 1');
    });
    expect(report.body).toMatchObject({ status: 'broken', firstBreak: { kind: 'bad_signature', seq: expired.length } });
  });
});

describe('the retention job (AUDIT_RETENTION_JOB=true)', () => {
  let harness: GateHarness;

  beforeAll(async () => {
    harness = await GateHarness.start({ env: { AUDIT_SEAL_INTERVAL_MS: '0' } });
  });
  afterAll(() => harness?.close());

  it('runs at start-up and logs what it deleted', async () => {
    const expired = Array.from({ length: 3 }, (_, i) =>
      anAttemptRow({
        received_at: daysAgo(RETENTION_DAYS + 100 - i),
        settled_at: daysAgo(RETENTION_DAYS + 100 - i, 10),
      }),
    );
    await insertAttemptRows(harness.gate.database.sql, expired);
    await sealNow(harness);
    await harness.gate.app.close();
    const logs: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => (logs.push(chunk.toString()), done()) });
    const env = harness.environment({ env: { AUDIT_SEAL_INTERVAL_MS: '0', AUDIT_RETENTION_JOB: 'true' } });

    harness.gate = await createGateApp(loadAppConfig(env), createRootLogger('info', sink));

    await expect
      .poll(() => logs.find((line) => line.includes('audit retention deleted attempts')), { timeout: 5000 })
      .toBeDefined();
    const line = JSON.parse(
      logs.find((candidate) => candidate.includes('audit retention deleted attempts'))!,
    ) as Record<string, unknown>;
    expect(line).toMatchObject({
      level: 30,
      firstSeq: 1,
      cutSeq: 3,
      deleted: 3,
      cutHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(await harness.attemptRows()).toEqual([]);
  });
});
