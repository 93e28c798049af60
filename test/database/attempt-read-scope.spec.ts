import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createMongoAbility, subject, type RawRuleOf } from '@casl/ability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attemptReadScope } from '../../src/audit/scope/attempt-read-scope';
import { attemptWhereToSql, SqlParameters } from '../../src/audit/scope/attempt-where-sql';
import {
  ATTEMPT_JSON_FIELDS,
  ATTEMPT_LIST_FIELDS,
  UntranslatableConditionError,
} from '../../src/audit/scope/mongo-to-prisma';
import { checkAttemptReadRulesTranslate } from '../../src/audit/scope/read-rules-check';
import { attemptFromRow } from '../../src/audit/attempt-from-row';
import { openDatabase, type DatabaseConnection } from '../../src/database/database-connection';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/database/migrations-dir';
import { ProblemError } from '../../src/http/problem.error';
import { InvalidPolicyError, parsePolicy } from '../../src/policy/policy-file';
import type { AppAbility } from '../../src/policy/policy-vocabulary';
import { anAttemptRow, insertAttemptRows, type AttemptRow } from '../factories/attempt-rows';
import { loadDatamodel } from '../helpers/prisma-datamodel';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

// The contract of the read scope: the SQL the reports run selects exactly the attempts that CASL's own matcher
// (what GET /v1/attempts/{id} uses) lets the caller read, nulls, lists, snapshots and inverted rules included.

type Rule = RawRuleOf<AppAbility>;
const ALICE = randomUUID();
const TENANT = randomUUID();

const read = (conditions?: Record<string, unknown>, inverted = false): Rule => ({
  action: 'read',
  subject: 'Attempt',
  conditions,
  inverted,
});

const RULE_SETS: [string, Rule[]][] = [
  ['an audit reader', [read()]],
  ['an operator reading their own', [read({ actorOid: ALICE })]],
  ['two rules, either of which grants', [read({ actorOid: ALICE }), read({ actorTenantId: TENANT })]],
  ['several fields in one rule', [read({ actorTenantId: TENANT, breakGlass: true })]],
  ['$eq, on a number', [read({ httpStatus: { $eq: 502 } })]],
  ['$in on an enum', [read({ outcome: { $in: ['policy_denied', 'ticket_rejected'] } })]],
  ['$nin, which also matches a null field', [read({ actorUpn: { $nin: ['a@contoso.example'] } })]],
  ['$ne, which also matches a null field', [read({ actorUpn: { $ne: 'a@contoso.example' } })]],
  ['equality with null', [read({ actorUpn: null })]],
  ['$ne null', [read({ actorUpn: { $ne: null } })]],
  ['$in with null', [read({ actorUpn: { $in: ['a@contoso.example', null] } })]],
  ['$nin with null', [read({ actorUpn: { $nin: ['a@contoso.example', null] } })]],
  ['a role in the list', [read({ actorRoles: 'Audit.Reader' })]],
  ['$all roles', [read({ actorRoles: { $all: ['Audit.Reader', 'Autopilot.BreakGlass'] } })]],
  ['$in roles', [read({ actorRoles: { $in: ['Autopilot.BreakGlass', 'Nobody'] } })]],
  ['no roles at all', [read({ actorRoles: { $size: 0 } })]],
  ['a device snapshot member', [read({ 'deviceSnapshot.groupTag': 'MTR-EU' })]],
  ['a device snapshot member $in', [read({ 'deviceSnapshot.groupTag': { $in: ['MTR-US', 'LAB'] } })]],
  ['a number in a snapshot, not its string', [read({ 'deviceSnapshot.rank': 7 })]],
  ['a nested snapshot member', [read({ 'ticketSnapshot.approver.upn': 'cab@contoso.example' })]],
  ['all but an inverted outcome', [read(), read({ outcome: 'unknown' }, true)]],
  ['all but an inverted UPN, null UPNs still readable', [read(), read({ actorUpn: 'a@contoso.example' }, true)]],
  [
    'all but an inverted snapshot member, attempts without a snapshot still readable',
    [read(), read({ 'deviceSnapshot.groupTag': 'LAB' }, true)],
  ],
  ['their own, minus break-glass', [read({ actorOid: ALICE }), read({ breakGlass: true }, true)]],
];

function varietyOfAttempts(): AttemptRow[] {
  const upns = ['a@contoso.example', 'b@contoso.example', null];
  const tags = ['MTR-EU', 'MTR-US', 'LAB', undefined];
  const roles = [[], ['Audit.Reader'], ['Audit.Reader', 'Autopilot.BreakGlass'], ['Autopilot.BreakGlass'], null];
  const outcomes = ['succeeded', 'policy_denied', 'ticket_rejected', 'unknown', 'graph_failed'];
  return Array.from({ length: 120 }, (_, i) =>
    anAttemptRow({
      actor_oid: i % 4 === 0 ? ALICE : i % 9 === 0 ? null : randomUUID(),
      actor_tenant_id: i % 5 === 0 ? TENANT : i % 7 === 0 ? null : randomUUID(),
      actor_upn: upns[i % 3],
      actor_roles: roles[i % 5],
      outcome: outcomes[i % 5],
      http_status: i % 6 === 0 ? 502 : i % 11 === 0 ? null : 200,
      break_glass: i % 8 === 0,
      device_snapshot: i % 10 === 0 ? null : { groupTag: tags[i % 4], rank: i % 3 === 0 ? 7 : i % 3 === 1 ? '7' : 8 },
      ticket_snapshot:
        i % 2 === 0 ? { approver: { upn: i % 4 === 0 ? 'cab@contoso.example' : 'other@contoso.example' } } : null,
    }),
  );
}

describe(attemptReadScope.name, () => {
  let database: TestDatabase;
  let connection: DatabaseConnection;
  let rows: Record<string, unknown>[];

  beforeAll(async () => {
    database = await createTestDatabase();
    connection = await openDatabase({ ...database, migrationsDir: DEFAULT_MIGRATIONS_DIR });
    await insertAttemptRows(connection.sql, varietyOfAttempts());
    rows = await connection.sql.query('SELECT * FROM attempts');
  });
  afterAll(async () => {
    await connection?.close();
    await database?.drop();
  });

  it.each(RULE_SETS)('selects in SQL exactly what CASL lets %s read in memory', async (_, rules) => {
    const ability = createMongoAbility<AppAbility>(rules);
    const params = new SqlParameters();
    const condition = attemptWhereToSql(attemptReadScope(ability), params);

    const selected = await connection.sql.query<{ id: string }>(
      `SELECT id FROM attempts WHERE ${condition}`,
      params.values,
    );

    const allowed = rows.filter((row) => ability.can('read', subject('Attempt', { ...attemptFromRow(row) })));
    expect(selected.map((row) => row.id).sort()).toEqual(allowed.map((row) => row.id).sort());
    expect(allowed.length).toBeGreaterThan(0);
  });

  it('refuses a caller without any read rule with 403 POLICY_DENIED', () => {
    const ability = createMongoAbility<AppAbility>([{ action: 'unassign', subject: 'AutopilotDevice' }]);

    expect(() => attemptReadScope(ability)).toThrow(ProblemError);
  });

  it.each([
    ['$regex', { actorUpn: { $regex: '^a' } }],
    ['$lt', { receivedAt: { $lt: '2026-01-01' } }],
    ['$elemMatch', { actorRoles: { $elemMatch: { $eq: 'x' } } }],
    ['$ne on a list', { actorRoles: { $ne: 'x' } }],
    ['$exists', { actorUpn: { $exists: true } }],
    ['a field attempts do not have', { groupTag: 'MTR-EU' }],
    ['a whole snapshot', { deviceSnapshot: { groupTag: 'MTR-EU' } }],
    ['an object value', { actorUpn: { upn: 'x' } }],
  ])('refuses to translate %s rather than approximate it', (_, conditions) => {
    expect(() => attemptReadScope(createMongoAbility<AppAbility>([read(conditions)]))).toThrow(
      UntranslatableConditionError,
    );
  });

  it('refuses, at start-up, a policy whose read rule on attempts the reports could not apply', () => {
    const policy = parsePolicy(
      Buffer.from(
        'roles:\n  Odd.Reader:\n    - { action: read, subject: Attempt, conditions: { actorUpn: { $regex: "@contoso" } } }\n',
      ),
      'odd.yaml',
    );

    expect(() => checkAttemptReadRulesTranslate(policy)).toThrow(InvalidPolicyError);
    expect(() => checkAttemptReadRulesTranslate(policy)).toThrow(
      /roles\.Odd\.Reader\[0\]\.conditions: the audit reports cannot apply \$regex/,
    );
  });

  it('accepts the shipped policy', () => {
    const shipped = path.join(path.dirname(DEFAULT_MIGRATIONS_DIR), '..', 'config', 'policy.yaml');

    expect(() => checkAttemptReadRulesTranslate(parsePolicy(readFileSync(shipped), shipped))).not.toThrow();
  });

  it('knows which Attempt fields are lists and which are JSON, as schema.prisma says', () => {
    const schema = readFileSync(path.join(path.dirname(DEFAULT_MIGRATIONS_DIR), 'schema.prisma'), 'utf8');
    const attempt = loadDatamodel(schema).models.find((model) => model.name === 'Attempt')!;

    expect([...ATTEMPT_LIST_FIELDS].sort()).toEqual(
      attempt.fields
        .filter((field) => field.isList)
        .map((field) => field.name)
        .sort(),
    );
    expect([...ATTEMPT_JSON_FIELDS].sort()).toEqual(
      attempt.fields
        .filter((field) => field.type === 'Json')
        .map((field) => field.name)
        .sort(),
    );
  });
});
