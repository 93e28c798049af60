import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { dmmfToRuntimeDataModel, type DMMF } from '@prisma/client/runtime/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseConnection } from '../../src/database/database-connection';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/database/migrations-dir';
import type { SqlExecutor } from '../../src/database/sql-executor';
import { $Enums } from '../../src/generated/prisma/client';
import { loadDatamodel } from '../helpers/prisma-datamodel';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

// `prisma migrate diff` needs the schema engine, which cannot run here, so this test is the check that
// the hand-written migrations build the database schema.prisma describes. The generated client only keeps
// a pruned data model (no nullability, lists, ids, defaults, indexes or enum values), so the full DMMF
// comes from get_dmmf in the prisma CLI's schema wasm: the call `prisma generate` builds the client from.

const SCHEMA_PATH = path.join(path.dirname(DEFAULT_MIGRATIONS_DIR), 'schema.prisma');

/** Indexes schema.prisma cannot express (on an expression), written in the migrations by hand. */
const INDEXES_OUTSIDE_PRISMA: Record<string, IndexShape> = {
  attempts_serial_number_received_at_id_idx: {
    table: 'attempts',
    columns: ["(device_snapshot ->> 'serialNumber'::text)", 'received_at', 'id'],
    primary: false,
    unique: false,
    method: 'btree',
    predicate: null,
  },
};

interface ColumnShape {
  type: string;
  nullable: boolean;
  default: string | null;
}

interface IndexShape {
  table: string;
  columns: string[];
  primary: boolean;
  unique: boolean;
  method: string;
  /** A partial index's WHERE, normalized (no casts, parentheses or blanks); null for a whole-table index. */
  predicate: string | null;
}

interface DatabaseShape {
  tables: Record<string, Record<string, ColumnShape>>;
  enums: Record<string, string[]>;
  indexes: Record<string, IndexShape>;
}

describe('prisma/migrations', () => {
  let database: TestDatabase;
  let connection: DatabaseConnection;
  let datamodel: DMMF.Datamodel;
  let expected: DatabaseShape;
  let actual: DatabaseShape;

  beforeAll(async () => {
    database = await createTestDatabase({ empty: true });
    connection = await openDatabase({ ...database, migrationsDir: DEFAULT_MIGRATIONS_DIR });
    datamodel = loadDatamodel(readFileSync(SCHEMA_PATH, 'utf8'));
    expected = expectedShape(datamodel, readFileSync(SCHEMA_PATH, 'utf8'));
    actual = await readDatabaseShape(connection.sql);
  });

  afterAll(async () => {
    await connection?.close();
    await database?.drop();
  });

  it('creates exactly the tables of the Prisma models', () => {
    expect(Object.keys(actual.tables).sort()).toEqual(Object.keys(expected.tables).sort());
  });

  it('gives every column the type, nullability and default of its Prisma field', () => {
    expect(actual.tables).toEqual(expected.tables);
  });

  it('creates the Prisma enums with their values in order', () => {
    expect(actual.enums).toEqual(expected.enums);
  });

  it("creates the primary keys and indexes Prisma would, under Prisma's default names", () => {
    expect(actual.indexes).toEqual({ ...expected.indexes, ...INDEXES_OUTSIDE_PRISMA });
  });

  it('checks the same data model the generated client was built from', () => {
    // Where the client keeps the runtimeDataModel generated into internal/class.ts; it has no public accessor.
    const generated = Reflect.get(connection.prisma, '_runtimeDataModel') as ReturnType<typeof dmmfToRuntimeDataModel>;
    const fromSchema = dmmfToRuntimeDataModel(datamodel);
    for (const [modelName, model] of Object.entries(fromSchema.models)) {
      const fields = model.fields.map(({ name, kind, type, dbName }) => ({
        name,
        kind,
        type,
        ...(dbName ? { dbName } : {}),
      }));
      expect(generated.models[modelName]).toMatchObject({ dbName: model.dbName, fields });
    }
    expect(Object.keys(generated.models).sort()).toEqual(Object.keys(fromSchema.models).sort());
    const enumValues = Object.fromEntries(datamodel.enums.map((e) => [e.name, e.values.map((value) => value.name)]));
    expect(Object.fromEntries(Object.entries($Enums).map(([name, values]) => [name, Object.values(values)]))).toEqual(
      enumValues,
    );
  });

  it('lets the generated client write and read back a row of every model', async () => {
    const attempt = await connection.prisma.attempt.create({
      data: {
        id: randomUUID(),
        outcome: 'ticket_rejected',
        entryPoint: 'v1',
        correlationId: 'corr-1',
        policyVersion: 'sha256:abc',
        actorRoles: ['Gate.Unassign'],
        deviceSnapshot: { serialNumber: 'SN-1' },
      },
    });
    const ticket = await connection.prisma.localChangeTicket.create({
      data: {
        number: 'CHG0000001',
        state: 'implement',
        approval: 'approved',
        plannedStart: new Date('2026-11-29T08:00:00.123Z'),
        plannedEnd: new Date('2026-11-29T18:00:00.456Z'),
      },
    });

    expect(await connection.prisma.attempt.findUniqueOrThrow({ where: { id: attempt.id } })).toMatchObject({
      outcome: 'ticket_rejected',
      simulated: false,
      breakGlass: false,
      actorRoles: ['Gate.Unassign'],
      deviceSnapshot: { serialNumber: 'SN-1' },
    });
    expect(
      await connection.prisma.localChangeTicket.findUniqueOrThrow({ where: { number: ticket.number } }),
    ).toMatchObject({
      plannedStart: new Date('2026-11-29T08:00:00.123Z'),
      affectedCis: [],
    });
  });
});

/** The DMMF leaves out a partial index's `where: raw("...")` (preview feature partialIndexes): read it from the schema. */
function partialIndexPredicates(schema: string): Map<string, string> {
  const found = schema.matchAll(/map:\s*"([^"]+)",\s*where:\s*raw\("((?:[^"\\]|\\.)*)"\)/g);
  return new Map([...found].map(([, name, predicate]) => [name, normalizePredicate(predicate)]));
}

/** Postgres prints a predicate its own way: casts added, LIKE as ~~. */
function normalizePredicate(predicate: string): string {
  return predicate
    .replace(/\bNOT LIKE\b/gi, '!~~')
    .replace(/\bLIKE\b/gi, '~~')
    .replace(/::("[^"]+"|\w+)/g, '')
    .replace(/[()\s]/g, '');
}

function expectedShape(datamodel: DMMF.Datamodel, schema: string): DatabaseShape {
  const predicates = partialIndexPredicates(schema);
  const tables: DatabaseShape['tables'] = {};
  const indexes: DatabaseShape['indexes'] = {};
  for (const model of datamodel.models) {
    const table = model.dbName ?? model.name;
    const columns = model.fields.filter((field) => field.kind === 'scalar' || field.kind === 'enum');
    tables[table] = Object.fromEntries(columns.map((field) => [field.dbName ?? field.name, expectedColumn(field)]));
    const columnOf = (fieldName: string) => {
      const field = columns.find((candidate) => candidate.name === fieldName);
      return field?.dbName ?? fieldName;
    };
    for (const index of datamodel.indexes.filter((candidate) => candidate.model === model.name)) {
      const indexColumns = index.fields.map((field) => columnOf(field.name));
      const name = index.dbName ?? defaultIndexName(table, indexColumns, index.type);
      indexes[name] = {
        table,
        columns: indexColumns,
        primary: index.type === 'id',
        unique: index.type === 'id' || index.type === 'unique',
        method: 'btree',
        predicate: predicates.get(name) ?? null,
      };
    }
  }
  const enums = Object.fromEntries(
    datamodel.enums.map((e) => [e.dbName ?? e.name, e.values.map((value) => value.dbName ?? value.name)]),
  );
  return { tables, enums, indexes };
}

const PRISMA_SCALAR_TYPES: Record<string, string> = {
  String: 'text',
  Int: 'int4',
  BigInt: 'int8',
  Float: 'float8',
  Boolean: 'bool',
  DateTime: 'timestamp(3)',
  Json: 'jsonb',
  Bytes: 'bytea',
};

const NATIVE_TYPES: Record<string, (args: readonly string[]) => string> = {
  Uuid: () => 'uuid',
  Text: () => 'text',
  Integer: () => 'int4',
  Timestamptz: ([precision = '6']) => `timestamptz(${precision})`,
  Timestamp: ([precision = '6']) => `timestamp(${precision})`,
};

function expectedColumn(field: DMMF.Field): ColumnShape {
  const elementType = field.kind === 'enum' ? field.type : columnElementType(field);
  const type = field.isList ? `${elementType}[]` : elementType;
  // Prisma never puts NOT NULL on a scalar list column.
  return { type, nullable: field.isList || !field.isRequired, default: expectedDefault(field, elementType) };
}

function columnElementType(field: DMMF.Field): string {
  const native = field.nativeType
    ? NATIVE_TYPES[field.nativeType[0]]?.(field.nativeType[1])
    : PRISMA_SCALAR_TYPES[field.type];
  if (!native) {
    throw new Error(`Teach this test the column type of ${field.type} ${JSON.stringify(field.nativeType)}`);
  }
  return native;
}

function expectedDefault(field: DMMF.Field, elementType: string): string | null {
  const value = field.default;
  if (!field.hasDefaultValue || value === undefined) {
    return null;
  }
  if (Array.isArray(value) && value.length === 0) {
    return `ARRAY[]::${elementType}[]`;
  }
  if (typeof value === 'boolean' || typeof value === 'number') {
    return String(value);
  }
  if (typeof value === 'string') {
    return field.kind === 'enum' ? `'${value}'::"${field.type}"` : `'${value}'::${elementType}`;
  }
  if (!Array.isArray(value) && 'name' in value && value.name === 'now') {
    return 'CURRENT_TIMESTAMP';
  }
  throw new Error(`Teach this test how Prisma renders the default ${JSON.stringify(value)} of ${field.name}`);
}

function defaultIndexName(table: string, columns: string[], type: DMMF.IndexType): string {
  const name = type === 'id' ? `${table}_pkey` : `${table}_${columns.join('_')}_${type === 'unique' ? 'key' : 'idx'}`;
  if (name.length > 63) {
    throw new Error(`Teach this test how Prisma shortens index names longer than 63 characters: ${name}`);
  }
  return name;
}

async function readDatabaseShape(sql: SqlExecutor): Promise<DatabaseShape> {
  const columns = await sql.query<{
    table_name: string;
    column_name: string;
    data_type: string;
    udt_name: string;
    datetime_precision: number | null;
    is_nullable: 'YES' | 'NO';
    column_default: string | null;
  }>(
    `SELECT c.table_name, c.column_name, c.data_type, c.udt_name, c.datetime_precision, c.is_nullable, c.column_default
       FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.table_name <> '_prisma_migrations'`,
  );
  const tables: DatabaseShape['tables'] = {};
  for (const column of columns) {
    const isArray = column.data_type === 'ARRAY';
    const elementType = isArray ? column.udt_name.slice(1) : column.udt_name;
    const precision =
      elementType.startsWith('timestamp') && column.datetime_precision !== null ? `(${column.datetime_precision})` : '';
    (tables[column.table_name] ??= {})[column.column_name] = {
      type: `${elementType}${precision}${isArray ? '[]' : ''}`,
      nullable: column.is_nullable === 'YES',
      default: column.column_default,
    };
  }

  const enumRows = await sql.query<{ name: string; values: string[] }>(
    `SELECT t.typname::text AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS "values"
       FROM pg_type t
       JOIN pg_enum e ON e.enumtypid = t.oid
       JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = current_schema()
      GROUP BY t.typname`,
  );

  const indexRows = await sql.query<IndexShape & { name: string }>(
    `SELECT i.relname::text AS name, t.relname::text AS "table", ix.indisprimary AS "primary", ix.indisunique AS "unique",
            am.amname::text AS method,
            array_agg(coalesce(a.attname::text, pg_get_indexdef(ix.indexrelid, k.position::int, true)) ORDER BY k.position) AS columns,
            pg_get_expr(ix.indpred, ix.indrelid) AS predicate
       FROM pg_index ix
       JOIN pg_class i ON i.oid = ix.indexrelid
       JOIN pg_class t ON t.oid = ix.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       JOIN pg_am am ON am.oid = i.relam
       CROSS JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, position)
       LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum <> 0
      WHERE n.nspname = current_schema() AND t.relname <> '_prisma_migrations'
      GROUP BY i.relname, t.relname, ix.indisprimary, ix.indisunique, am.amname, ix.indpred, ix.indrelid`,
  );

  return {
    tables,
    enums: Object.fromEntries(enumRows.map((row) => [row.name, row.values])),
    indexes: Object.fromEntries(
      indexRows.map(({ name, predicate, ...index }) => [
        name,
        { ...index, predicate: predicate === null ? null : normalizePredicate(predicate) },
      ]),
    ),
  };
}
