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
const B_HASH = 'b'.repeat(64);

describe('append-only attempts (migration 20261203120000_audit_chain)', () => {
  let database: TestDatabase;
  let connection: DatabaseConnection;

  const attempt = (id: unknown) =>
    connection.sql.query<Record<string, unknown>>('SELECT * FROM attempts WHERE id = $1', [id]).then((rows) => rows[0]);
  const insert = async (overrides: AttemptRow = {}) => {
    const row = anAttemptRow(overrides);
    await insertAttemptRows(connection.sql, [row]);
    return row;
  };
  const inFlight = () =>
    insert({
      outcome: 'in_flight',
      settled_at: null,
      http_status: null,
      duration_ms: null,
      decision: null,
      graph_status: null,
    });
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
      const draft = new AttemptDraft({
        entryPoint: 'v1',
        correlationId: 'c-settle',
        clientIp: '10.0.0.9',
        userAgent: 'ua',
        deviceId: 'dev-1',
        policyVersion: 'p',
        simulated: false,
      });
      await connection.sql.query(INSERT_ATTEMPT, insertParameters(draft, { outcome: 'in_flight' }));
      draft.recordDevice({ serialNumber: 'SN-SETTLE' });
      draft.recordDecision('allowed', 'role X');

      await connection.sql.query(
        SETTLE_ATTEMPT,
        settleParameters(draft, {
          outcome: 'succeeded',
          httpStatus: 200,
          errorCode: null,
          settledAt: new Date(),
          durationMs: 12,
        }),
      );

      expect(await attempt(draft.id)).toMatchObject({
        outcome: 'succeeded',
        decision: 'allowed',
        device_snapshot: { serialNumber: 'SN-SETTLE' },
      });
    });

    it('lets an in-flight attempt learn its device once, and never change it', async () => {
      const row = await insert({ outcome: 'in_flight', settled_at: null, device_id: null, device_snapshot: null });

      await connection.sql.query(`UPDATE attempts SET device_id = 'learnt-device' WHERE id = $1`, [row.id]);

      await expect(
        connection.sql.query(`UPDATE attempts SET device_id = 'another-device' WHERE id = $1`, [row.id]),
      ).rejects.toThrow(/append-only.*in-flight/);
      expect((await attempt(row.id)).device_id).toBe('learnt-device');
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

      await expect(
        connection.sql.query(`UPDATE attempts SET "${column}" = ${value} WHERE id = $1`, [row.id]),
      ).rejects.toThrow(/append-only.*in-flight/);
      expect((await attempt(row.id)).outcome).toBe('in_flight');
    });

    it.each([
      ['its content', "justification = 'rewritten'"],
      ['its outcome', "outcome = 'policy_denied'"],
      ['its settlement time', 'settled_at = now()'],
    ])('refuses to change a settled attempt: %s', async (_, assignment) => {
      const row = await insert();

      await expect(connection.sql.query(`UPDATE attempts SET ${assignment} WHERE id = $1`, [row.id])).rejects.toThrow(
        /append-only.*settled/,
      );
      expect((await attempt(row.id)).justification).toBe(row.justification);
    });

    it('queues every attempt that settles for the sealer, in the same transaction, and no in-flight one', async () => {
      const settled = await insert();
      const open = await inFlight();
      const queued = () =>
        connection.sql.query<{ attempt_id: string }>(
          'SELECT attempt_id FROM audit_unsealed WHERE attempt_id = ANY($1::uuid[])',
          [[settled.id, open.id]],
        );
      const before = (await queued()).map((row) => row.attempt_id);

      await connection.sql.query(`UPDATE attempts SET outcome = 'unknown', settled_at = now() WHERE id = $1`, [
        open.id,
      ]);

      expect(before).toEqual([settled.id]);
      expect((await queued()).map((row) => row.attempt_id).sort()).toEqual([settled.id, open.id].sort());
    });

    it('chains through audit_seal only attempts waiting in the queue, each once, numbered on from the head', async () => {
      const [first, second] = [await insert(), await insert()];
      const [head] = await connection.sql.query<{ seq: string; hash: string }>(
        'SELECT seq, hash FROM audit_chain_head',
      );
      const seal = (ids: unknown[], hashes: string[]) =>
        connection.sql.query('SELECT audit_seal($1::uuid[], $2::text[])', [ids, hashes]);

      await seal([first.id, second.id], [A_HASH, B_HASH]);

      const links = await connection.sql.query<Record<string, unknown>>(
        'SELECT seq, attempt_id, prev_hash, hash FROM audit_chain WHERE attempt_id = ANY($1::uuid[]) ORDER BY seq',
        [[first.id, second.id]],
      );
      expect(links).toEqual([
        { seq: expect.anything(), attempt_id: first.id, prev_hash: head.hash, hash: A_HASH },
        { seq: expect.anything(), attempt_id: second.id, prev_hash: A_HASH, hash: B_HASH },
      ]);
      expect(links.map((link) => Number(link.seq))).toEqual([Number(head.seq) + 1, Number(head.seq) + 2]);
      await expect(seal([first.id], [A_HASH])).rejects.toThrow(/only attempts waiting to be sealed/);
      await expect(seal([(await inFlight()).id], [A_HASH])).rejects.toThrow(/only attempts waiting to be sealed/);
    });

    it('keeps the chain unchangeable', async () => {
      await expect(connection.sql.query(`UPDATE audit_chain SET hash = 'x'`)).rejects.toThrow(
        /audit_chain is append-only: UPDATE is refused/,
      );
      await expect(connection.sql.query('DELETE FROM audit_chain')).rejects.toThrow(
        /audit_chain is append-only: DELETE is refused/,
      );
      await expect(connection.sql.query('TRUNCATE audit_chain')).rejects.toThrow(
        /audit_chain is append-only: TRUNCATE is refused/,
      );
    });

    it('refuses DELETE and TRUNCATE', async () => {
      const row = await insert();

      await expect(connection.sql.query('DELETE FROM attempts WHERE id = $1', [row.id])).rejects.toThrow(
        /attempts is append-only: DELETE is refused/,
      );
      await expect(connection.sql.query('TRUNCATE attempts')).rejects.toThrow(
        /attempts is append-only: TRUNCATE is refused/,
      );
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
      await connection.sql.query(
        `INSERT INTO audit_checkpoints (seq, hash, signed_at, key_id, signature) VALUES (900301, $1, now(), 'k', 's')`,
        [A_HASH],
      );

      await expect(connection.sql.query(`UPDATE audit_checkpoints SET hash = 'x' WHERE seq = 900301`)).rejects.toThrow(
        /append-only/,
      );
      await expect(connection.sql.query('DELETE FROM audit_checkpoints WHERE seq = 900301')).rejects.toThrow(
        /append-only/,
      );
      await expect(connection.sql.query('TRUNCATE audit_checkpoints')).rejects.toThrow(/append-only/);
      await expect(connection.sql.query('DELETE FROM audit_retention_runs')).rejects.toThrow(/append-only/);
      await expect(connection.sql.query('UPDATE audit_chain_head SET seq = seq - 1')).rejects.toThrow(
        /only moves forward/,
      );
      await expect(connection.sql.query('DELETE FROM audit_chain_head')).rejects.toThrow(/only moves forward/);
    });
  });

  describe(`for the least-privilege role ${APP_ROLE}`, () => {
    it('records and settles an attempt with the statements AttemptRepository runs, and seals it through audit_seal', async () => {
      const draft = new AttemptDraft({
        entryPoint: 'v1',
        correlationId: 'c-role',
        clientIp: null,
        userAgent: null,
        deviceId: 'dev-2',
        policyVersion: 'p',
        simulated: false,
      });

      await asAppRole(async (sql) => {
        await sql.query(INSERT_ATTEMPT, insertParameters(draft, { outcome: 'in_flight' }));
        await sql.query(
          SETTLE_ATTEMPT,
          settleParameters(draft, {
            outcome: 'graph_failed',
            httpStatus: 502,
            errorCode: 'GRAPH_ERROR',
            settledAt: new Date(),
            durationMs: 5,
          }),
        );
        await sql.query('SELECT audit_seal($1::uuid[], $2::text[])', [[draft.id], [A_HASH]]);
      });

      expect(await attempt(draft.id)).toMatchObject({ outcome: 'graph_failed', http_status: 502 });
      expect(await connection.sql.query('SELECT hash FROM audit_chain WHERE attempt_id = $1', [draft.id])).toEqual([
        { hash: A_HASH },
      ]);
    });

    const refused: [string, (id: unknown) => { text: string; params: unknown[] }][] = [
      [
        'update a column the settle step never writes',
        (id) => ({ text: `UPDATE attempts SET justification = 'x' WHERE id = $1`, params: [id] }),
      ],
      ['delete an attempt', (id) => ({ text: 'DELETE FROM attempts WHERE id = $1', params: [id] })],
      ['truncate attempts', () => ({ text: 'TRUNCATE attempts', params: [] })],
      ['rewrite a checkpoint', () => ({ text: `UPDATE audit_checkpoints SET hash = 'x'`, params: [] })],
      [
        'append to the chain directly',
        (id) => ({ text: `INSERT INTO audit_chain VALUES (987654321, $1, 'x', 'x')`, params: [id] }),
      ],
      [
        'take an attempt off the sealing queue',
        (id) => ({ text: 'DELETE FROM audit_unsealed WHERE attempt_id = $1', params: [id] }),
      ],
      [
        'queue an attempt for sealing again',
        (id) => ({ text: 'INSERT INTO audit_unsealed VALUES ($1, now())', params: [id] }),
      ],
      ['move the chain head', () => ({ text: 'UPDATE audit_chain_head SET seq = seq + 1', params: [] })],
      [
        'write a retention record directly',
        () => ({ text: 'INSERT INTO audit_retention_runs SELECT * FROM audit_retention_runs LIMIT 0', params: [] }),
      ],
      ['switch the triggers off', () => ({ text: 'ALTER TABLE attempts DISABLE TRIGGER USER', params: [] })],
      [
        'lower the retention floor',
        () => ({
          text: `ALTER FUNCTION audit_delete_expired_attempts SET autopilot_gate.retention_floor_days = '1'`,
          params: [],
        }),
      ],
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
      await expect(asAppRole((sql) => sql.query('SET LOCAL session_replication_role = replica'))).rejects.toThrow(
        /permission denied/,
      );
      expect(await attempt(row.id)).toBeDefined();
    });

    it('may call the retention function, which refuses a cut younger than its floor', async () => {
      await expect(
        asAppRole((sql) =>
          sql.query(
            `SELECT audit_delete_expired_attempts(date_trunc('day', now()), 1, 1, $1, 1, now(), now(), now(), 'k', 's')`,
            [A_HASH],
          ),
        ),
      ).rejects.toThrow(/retention refused: .* less than 2557 days ago/);
    });
  });
});
