import { createMongoAbility } from '@casl/ability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unsealedAttemptsQuery } from '../../src/audit/chain/chain-sealer';
import { chainBatchQuery, SEQ_RANGE_RECEIVED } from '../../src/audit/integrity/integrity.service';
import { afterPosition } from '../../src/audit/query/attempt-cursor';
import { attemptPageQuery } from '../../src/audit/query/audit-attempts.repository';
import { attemptSelectsOf, CHAINED_ATTEMPTS, type AttemptSelects } from '../../src/audit/query/attempt-selects';
import { FIRST_YOUNG_SEQ } from '../../src/audit/retention/audit-retention';
import { auditFiltersToWhere, type AuditFilters } from '../../src/audit/query/audit-filters';
import { attemptReadScope } from '../../src/audit/scope/attempt-read-scope';
import { SUMMARY_GROUPS, summaryQuery } from '../../src/audit/summary/audit-summary.repository';
import { openDatabase, type DatabaseConnection } from '../../src/database/database-connection';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/database/migrations-dir';
import type { Prisma } from '../../src/generated/prisma/client';
import type { AppAbility } from '../../src/policy/policy-vocabulary';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

// Every query shape the audit reads run, EXPLAINed on 30,000 analysed attempts: none may scan the attempts table (or
// the chain) sequentially. (A summary over most of the table is the exception by nature: there a sequential scan is the best
// plan, so the summaries here cover a day.) Runs on PGlite and on Postgres.

const ROWS = 30_000;
const ACTOR = '00000000-0000-4000-8000-000000000007';
const DAY = { from: new Date('2026-06-10T00:00:00Z'), to: new Date('2026-06-11T00:00:00Z') };

const FILTERS: [string, AuditFilters][] = [
  ['no filter', {}],
  ['from and to', DAY],
  ['actor', { actor: ACTOR }],
  ['actor by UPN', { actor: 'user-7@contoso.example' }],
  ['deviceId', { deviceId: 'device-0042' }],
  ['serialNumber', { serialNumber: 'SN-0042' }],
  ['changeTicket', { changeTicket: 'CHG0000042' }],
  ['one outcome', { outcome: ['policy_denied'] }],
  ['several outcomes', { outcome: ['ticket_rejected', 'graph_failed'] }],
  ['entryPoint', { entryPoint: ['graph-facade'] }],
  ['outcome in a window', { ...DAY, outcome: ['succeeded'] }],
];

const SEED = `
INSERT INTO attempts (id, received_at, settled_at, outcome, entry_point, correlation_id, policy_version, actor_oid, actor_upn,
                      actor_app_id, actor_tenant_id, device_id, device_snapshot, change_ticket, http_status)
SELECT gen_random_uuid(),
       timestamptz '2026-01-01' + i * interval '12 minutes',
       timestamptz '2026-01-01' + i * interval '12 minutes' + interval '150 milliseconds',
       (ARRAY['succeeded','succeeded','succeeded','policy_denied','ticket_rejected','graph_failed'])[1 + i % 6]::"AttemptOutcome",
       CASE WHEN i % 10 = 0 THEN 'graph-facade' ELSE 'v1' END,
       md5(i::text), 'policy',
       ('00000000-0000-4000-8000-' || lpad((i % 300)::text, 12, '0')),
       'user-' || (i % 300) || '@contoso.example',
       CASE WHEN i % 10 = 3 THEN 'app-' || (i % 20) END,
       'tenant',
       'device-' || lpad((i % 3000)::text, 4, '0'),
       jsonb_build_object('serialNumber', 'SN-' || lpad((i % 3000)::text, 4, '0'), 'groupTag', (ARRAY['MTR-EU','MTR-US'])[1 + i % 2]),
       'CHG' || lpad((i % 1000)::text, 7, '0'),
       200
  FROM generate_series(1, ${ROWS}) AS i`;

/** Chains all but the newest hundred, as the sealer would, and leaves those in the queue: a small queue beside a large table, as in service. */
const SEAL = `
WITH sealed AS (
  DELETE FROM audit_unsealed WHERE attempt_id IN (SELECT attempt_id FROM audit_unsealed ORDER BY settled_at, attempt_id LIMIT ${ROWS - 100})
  RETURNING attempt_id, settled_at)
INSERT INTO audit_chain (seq, attempt_id, prev_hash, hash)
SELECT row_number() OVER (ORDER BY settled_at, attempt_id), attempt_id, repeat('0', 64), repeat('0', 64) FROM sealed`;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

function sequentialScans(node: PlanNode): string[] {
  const scanned = node['Relation Name'];
  const own =
    node['Node Type'] === 'Seq Scan' && (scanned === 'attempts' || scanned === 'audit_chain')
      ? [`Seq Scan on ${scanned}`]
      : [];
  return [...own, ...(node.Plans ?? []).flatMap(sequentialScans)];
}

describe('the audit queries on a table with enough rows', () => {
  let database: TestDatabase;
  let connection: DatabaseConnection;
  let selects: AttemptSelects;

  const scanOf = async (query: { text: string; values: unknown[] }) => {
    // Literal values, as the planner sees them when a statement runs with its parameters bound.
    const [row] = await connection.sql.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] | string }>(
      `EXPLAIN (FORMAT JSON) ${query.text}`,
      query.values,
    );
    const plan = row['QUERY PLAN'];
    return sequentialScans((typeof plan === 'string' ? (JSON.parse(plan) as [{ Plan: PlanNode }]) : plan)[0].Plan);
  };

  const scopes: [string, () => Prisma.AttemptWhereInput][] = [
    [
      'an audit reader',
      () => attemptReadScope(createMongoAbility<AppAbility>([{ action: 'read', subject: 'Attempt' }])),
    ],
    [
      'an operator',
      () =>
        attemptReadScope(
          createMongoAbility<AppAbility>([{ action: 'read', subject: 'Attempt', conditions: { actorOid: ACTOR } }]),
        ),
    ],
  ];

  beforeAll(async () => {
    database = await createTestDatabase();
    connection = await openDatabase({ ...database, migrationsDir: DEFAULT_MIGRATIONS_DIR });
    await connection.sql.query(SEED);
    await connection.sql.query(SEAL);
    await connection.sql.query('ANALYZE attempts');
    await connection.sql.query('ANALYZE audit_chain');
    await connection.sql.query('ANALYZE audit_unsealed');
    selects = await attemptSelectsOf(connection.sql);
  }, 120_000);
  afterAll(async () => {
    await connection?.close();
    await database?.drop();
  });

  describe.each(scopes)('for %s', (_, scope) => {
    it.each(FILTERS)('pages by %s without a sequential scan, first page and deep', async (__, filters) => {
      const where = { AND: [scope(), auditFiltersToWhere(filters)] };
      const deep = afterPosition({
        receivedAt: new Date('2026-04-01T00:00:00Z'),
        id: 'ffffffff-ffff-4fff-bfff-ffffffffffff',
      });

      expect(await scanOf(attemptPageQuery(where, 51, selects.json))).toEqual([]);
      expect(await scanOf(attemptPageQuery({ AND: [where, deep] }, 250, selects.csvCells))).toEqual([]);
      expect(
        await scanOf(attemptPageQuery({ AND: [where, deep] }, 250, selects.chainedJson, CHAINED_ATTEMPTS)),
      ).toEqual([]);
    });

    it.each(SUMMARY_GROUPS)('summarises a day by %s without a sequential scan', async (groupBy) => {
      expect(await scanOf(summaryQuery({ AND: [scope(), auditFiltersToWhere(DAY)] }, groupBy))).toEqual([]);
    });

    it('walks the chain without a sequential scan', async () => {
      expect(await scanOf(chainBatchQuery(selects.chainedJson, scope(), 10_000, 15_000))).toEqual([]);
    });
  });

  it('finds the seq range of a window, the attempts to seal and where retention cuts without a sequential scan', async () => {
    expect(await scanOf({ text: SEQ_RANGE_RECEIVED, values: [DAY.from, DAY.to] })).toEqual([]);
    expect(await scanOf({ text: unsealedAttemptsQuery(selects.json), values: [2000] })).toEqual([]);
    // Retention cuts before almost every attempt: the first young one is found right at the start of the chain.
    expect(await scanOf({ text: FIRST_YOUNG_SEQ, values: [1, new Date('2026-01-02T00:00:00Z')] })).toEqual([]);
  });

  it('is meaningful: the same check does see a sequential scan where there is one', async () => {
    expect(await scanOf({ text: 'SELECT count(*) FROM attempts WHERE user_agent = $1', values: ['x'] })).toEqual([
      'Seq Scan on attempts',
    ]);
  });
});
