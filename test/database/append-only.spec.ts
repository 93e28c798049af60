import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSERT_ATTEMPT, insertParameters, SETTLE_ATTEMPT, settleParameters } from '../../src/attempts/attempt-columns';
import { AttemptDraft } from '../../src/attempts/attempt-draft';
import { openDatabase, type DatabaseConnection } from '../../src/database/database-connection';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/database/migrations-dir';
import type { SqlExecutor } from '../../src/database/sql-executor';
import { anAttemptRow, insertAttemptRows, type AttemptRow } from '../factories/attempt-rows';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

// The triggers and grants of the audit_chain migration. Runs on PGlite, or on real Postgres with DATABASE_URL;
// the application role is taken with SET ROLE, which a superuser (the tests' user, PGlite's only user) may do.

const APP_ROLE = 'autopilot_gate_app';
const A_HASH = 'a'.repeat(64);

describe('append-only attempts (migration 20261203120000_audit_chain)', () => {
  let database: TestDatabase;
  let connection: DatabaseConnection;

  const attempt = (id: unknown) => connection.sql.query<Record<string, unknown>>('SELECT * FROM attempts WHERE id = $1', [id]).then((rows) => rows[0]);
  const insert = async (overrides: AttemptRow = {}) => {
    const row = anAttemptRow(overrides);
    await insertAttemptRows(connection.sql, [row]);
    return row;
  };
  const inFlight = () => insert({ outcome: 'in_flight', settled_at: null, http_status: null, duration_ms: null, decision: null, graph_status: null });
  /** Runs `work` in a transaction of its own, so that a refused statement aborts nothing else. */
  const inTransaction = <T>(work: (sql: SqlExecutor) => Promise<T>, role?: string) =>
    connection.transaction(async (sql) => {
      if (role) await sql.query(`SET LOCAL ROLE ${role}`);
      return work(sql);
    });
  const asAppRole = <T>(work: (sql: SqlExecutor) => Promise<T>) => inTransaction(work, APP_ROLE);

  beforeAll(async () => {
    database = await createTestDatabase();
    connection = await openDatabase({ ...database, migrationsDir: DEFAULT_MIGRATIONS_DIR });
  });
  afterAll(async () => {
    await connection?.close();
    await database?.drop();
  });

  describe('for everyone, the table owner and superusers included', () => {
    it('lets the settle step write what it learnt on an in-flight attempt', async () => {
      const draft = new AttemptDraft({ entryPoint: 'v1', correlationId: 'c-settle', clientIp: '10.0.0.9', userAgent: 'ua', deviceId: 'dev-1', policyVersion: 'p', simulated: false });
      await connection.sql.query(INSERT_ATTEMPT, insertParameters(draft, { outcome: 'in_flight' }));
      draft.recordDevice({ serialNumber: 'SN-SETTLE' });
      draft.recordDecision('allowed', 'role X');

      await connection.sql.query(SETTLE_ATTEMPT, settleParameters(draft, { outcome: 'succeeded', httpStatus: 200, errorCode: null, settledAt: new Date(), durationMs: 12 }));

      expect(await attempt(draft.id)).toMatchObject({ outcome: 'succeeded', decision: 'allowed', device_snapshot: { serialNumber: 'SN-SETTLE' } });
    });

    it.each([
      ['actor_oid', "'00000000-0000-4000-8000-000000000000'"],
      ['actor_upn', "'mallory@contoso.example'"],
      ['actor_roles', "ARRAY['Audit.Reader']"],
      ['client_ip', "'192.0.2.1'"],
      ['user_agent', "'curl'"],
      ['device_id', "'another-device'"],
      ['entry_point', "'graph-facade'"],
      ['received_at', "now() - interval '1 day'"],
      ['change_ticket', "'CHG9999999'"],
      ['justification', "'rewritten'"],
      ['correlation_id', "'other'"],
      ['policy_version', "'other'"],
      ['id', 'gen_random_uuid()'],
    ])("refuses to change an in-flight attempt's %s", async (column, value) => {
      const row = await inFlight();

      await expect(connection.sql.query(`UPDATE attempts SET "${column}" = ${value} WHERE id = $1`, [row.id])).rejects.toThrow(/append-only.*in-flight/);
      expect((await attempt(row.id)).outcome).toBe('in_flight');
    });

    it.each([
      ['its content', "justification = 'rewritten'"],
      ['its outcome', "outcome = 'policy_denied'"],
      ['its settlement time', 'settled_at = now()'],
    ])('refuses to change a settled attempt: %s', async (_, assignment) => {
      const row = await insert();

      await expect(connection.sql.query(`UPDATE attempts SET ${assignment} WHERE id = $1`, [row.id])).rejects.toThrow(/append-only.*settled/);
    });

    it("lets the chain columns of a settled attempt be set once, and never again", async () => {
      const row = await insert();
      const seal = (seq: number) => connection.sql.query('UPDATE attempts SET seq = $1, prev_hash = $2, hash = $3 WHERE id = $4', [seq, A_HASH, A_HASH, row.id]);

      await seal(900_001);
      await expect(seal(900_002)).rejects.toThrow(/append-only/);
      expect(Number((await attempt(row.id)).seq)).toBe(900_001);
    });

    it('refuses the chain columns on a write that also changes the record, or on an in-flight attempt', async () => {
      const settled = await insert();
      const open = await inFlight();

      await expect(
        connection.sql.query(`UPDATE attempts SET seq = 900101, prev_hash = $1, hash = $1, justification = 'x' WHERE id = $2`, [A_HASH, settled.id]),
      ).rejects.toThrow(/append-only/);
      await expect(connection.sql.query('UPDATE attempts SET seq = 900102, prev_hash = $1, hash = $1 WHERE id = $2', [A_HASH, open.id])).rejects.toThrow(/cannot be sealed/);
    });

    it('refuses an insert that brings its own chain columns', async () => {
      await expect(insert({ seq: 900_201, prev_hash: A_HASH, hash: A_HASH })).rejects.toThrow(/only the chain sealer/);
    });

    it('refuses DELETE and TRUNCATE', async () => {
      const row = await insert();

      await expect(connection.sql.query('DELETE FROM attempts WHERE id = $1', [row.id])).rejects.toThrow(/append-only: DELETE is refused/);
      await expect(connection.sql.query('TRUNCATE attempts')).rejects.toThrow(/append-only: TRUNCATE is refused/);
      expect(await attempt(row.id)).toBeDefined();
    });

    it('lets a role that holds DELETE through once it turns autopilot_gate.retention on: the setting is no barrier, the privilege is', async () => {
      const row = await insert();

      await inTransaction(async (sql) => {
        await sql.query(`SET LOCAL autopilot_gate.retention = 'on'`);
        await sql.query('DELETE FROM attempts WHERE id = $1', [row.id]);
      });

      expect(await attempt(row.id)).toBeUndefined();
    });

    it('keeps checkpoints and retention records unchangeable, and the chain head moving forward only', async () => {
      await connection.sql.query(`INSERT INTO audit_checkpoints (seq, hash, signed_at, key_id, signature) VALUES (900301, $1, now(), 'k', 's')`, [A_HASH]);

      await expect(connection.sql.query(`UPDATE audit_checkpoints SET hash = 'x' WHERE seq = 900301`)).rejects.toThrow(/append-only/);
      await expect(connection.sql.query('DELETE FROM audit_checkpoints WHERE seq = 900301')).rejects.toThrow(/append-only/);
      await expect(connection.sql.query('TRUNCATE audit_checkpoints')).rejects.toThrow(/append-only/);
      await expect(connection.sql.query('DELETE FROM audit_retention_runs')).rejects.toThrow(/append-only/);
      await expect(connection.sql.query('UPDATE audit_chain_head SET seq = seq - 1')).rejects.toThrow(/only moves forward/);
      await expect(connection.sql.query('DELETE FROM audit_chain_head')).rejects.toThrow(/only moves forward/);
    });
  });

  describe(`for the least-privilege role ${APP_ROLE}`, () => {
    it('records and settles an attempt with the statements AttemptRepository runs', async () => {
      const draft = new AttemptDraft({ entryPoint: 'v1', correlationId: 'c-role', clientIp: null, userAgent: null, deviceId: 'dev-2', policyVersion: 'p', simulated: false });

      await asAppRole(async (sql) => {
        await sql.query(INSERT_ATTEMPT, insertParameters(draft, { outcome: 'in_flight' }));
        await sql.query(SETTLE_ATTEMPT, settleParameters(draft, { outcome: 'graph_failed', httpStatus: 502, errorCode: 'GRAPH_ERROR', settledAt: new Date(), durationMs: 5 }));
      });

      expect(await attempt(draft.id)).toMatchObject({ outcome: 'graph_failed', http_status: 502 });
    });

    const refused: [string, (id: unknown) => { text: string; params: unknown[] }][] = [
      ['update a column the settle step never writes', (id) => ({ text: `UPDATE attempts SET justification = 'x' WHERE id = $1`, params: [id] })],
      ['delete an attempt', (id) => ({ text: 'DELETE FROM attempts WHERE id = $1', params: [id] })],
      ['truncate attempts', () => ({ text: 'TRUNCATE attempts', params: [] })],
      ['rewrite a checkpoint', () => ({ text: `UPDATE audit_checkpoints SET hash = 'x'`, params: [] })],
      ['write a retention record directly', () => ({ text: 'INSERT INTO audit_retention_runs SELECT * FROM audit_retention_runs LIMIT 0', params: [] })],
      ['switch the triggers off', () => ({ text: 'ALTER TABLE attempts DISABLE TRIGGER USER', params: [] })],
      ['lower the retention floor', () => ({ text: `ALTER FUNCTION audit_delete_expired_attempts SET autopilot_gate.retention_floor_days = '1'`, params: [] })],
    ];
    it.each(refused)('may not %s', async (_, statement) => {
      const row = await insert();
      const { text, params } = statement(row.id);

      await expect(asAppRole((sql) => sql.query(text, params))).rejects.toThrow(/permission denied|must be owner/);
      expect(await attempt(row.id)).toBeDefined();
    });

    it('may not delete even with autopilot_gate.retention on, nor bypass the triggers', async () => {
      const row = await insert();

      await expect(
        asAppRole(async (sql) => {
          await sql.query(`SET LOCAL autopilot_gate.retention = 'on'`);
          await sql.query('DELETE FROM attempts WHERE id = $1', [row.id]);
        }),
      ).rejects.toThrow(/permission denied/);
      await expect(asAppRole((sql) => sql.query('SET LOCAL session_replication_role = replica'))).rejects.toThrow(/permission denied/);
      expect(await attempt(row.id)).toBeDefined();
    });

    it('may call the retention function, which refuses a cut younger than its floor', async () => {
      await expect(
        asAppRole((sql) =>
          sql.query(`SELECT audit_delete_expired_attempts(date_trunc('day', now()), 1, 1, $1, 1, now(), now(), now(), 'k', 's')`, [A_HASH]),
        ),
      ).rejects.toThrow(/retention refused: .* less than 2557 days ago/);
    });
  });
});
