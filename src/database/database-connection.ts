import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { Client, Pool, type PoolClient } from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client';
import { connectingTo } from './database-unreachable.error';
import { applyMigrations, listPendingMigrations } from './migration-runner';
import { createPgSqlExecutor, createPgliteSqlExecutor, type SqlExecutor } from './sql-executor';

export type DatabaseKind = 'postgres' | 'pglite';

export interface DatabaseLocation {
  /** Production: a real PostgreSQL. Without it, an embedded PGlite persisted at dataDir. */
  databaseUrl?: string;
  dataDir: string;
}

export interface OpenDatabaseOptions extends DatabaseLocation {
  poolMax?: number;
  /** Bound every statement, and every wait for a lock, so a locked table makes a write fail instead of hanging. */
  statementTimeoutMs?: number;
  lockTimeoutMs?: number;
  migrationsDir: string;
  /** Errors of idle pooled connections (e.g. the server restarted); pg has already discarded them. */
  onPoolError?: (error: Error) => void;
}

/** Connections of the pool: all of them, the idle ones, and the queries waiting for one. */
export interface PoolUsage {
  total: number;
  idle: number;
  waiting: number;
}

export interface DatabaseConnection {
  kind: DatabaseKind;
  prisma: PrismaClient;
  sql: SqlExecutor;
  /** Resolves when an attempt could be written now: takes, and gives back, the lock an insert needs. */
  probeAttemptWrite(): Promise<void>;
  /** Runs `work` on one session of its own, for session state such as an advisory lock. */
  withSession<T>(work: (session: SqlExecutor) => Promise<T>): Promise<T>;
  poolUsage(): PoolUsage;
  /** Runs `work` in one transaction on one session: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (sql: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** One session only: what the migration runner needs, without a Prisma client. */
export interface SqlSession {
  kind: DatabaseKind;
  sql: SqlExecutor;
  close(): Promise<void>;
}

export interface DatabaseReadiness {
  reachable: boolean;
  /** An attempt could be written within the lock timeout. */
  writable: boolean;
  pendingMigrations: string[];
}

// Bounds how long a query waits for a connection, so a readiness probe answers while the server is away.
const CONNECTION_TIMEOUT_MS = 10_000;

/** Opens the database and applies pending migrations before anyone can use it. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseConnection> {
  return options.databaseUrl ? openPostgres({ ...options, databaseUrl: options.databaseUrl }) : openEmbedded(options);
}

export async function isDatabaseReady(
  connection: DatabaseConnection,
  migrationsDir: string,
): Promise<DatabaseReadiness> {
  try {
    await connection.sql.query('SELECT 1');
  } catch {
    return { reachable: false, writable: false, pendingMigrations: [] };
  }
  const pendingMigrations = await listPendingMigrations(connection.sql, migrationsDir);
  const writable = await connection.probeAttemptWrite().then(
    () => true,
    () => false,
  );
  return { reachable: true, writable, pendingMigrations };
}

export async function openSqlSession(location: DatabaseLocation): Promise<SqlSession> {
  if (location.databaseUrl) {
    const client = new Client({
      connectionString: location.databaseUrl,
      connectionTimeoutMillis: CONNECTION_TIMEOUT_MS,
    });
    client.on('error', ignoreErrorOfCheckedOutConnection);
    await connectingTo(location.databaseUrl, () => client.connect());
    return { kind: 'postgres', sql: createPgSqlExecutor(client), close: () => client.end() };
  }
  const database = await openPglite(location.dataDir);
  return { kind: 'pglite', sql: createPgliteSqlExecutor(database), close: () => database.close() };
}

async function openPostgres(options: OpenDatabaseOptions & { databaseUrl: string }): Promise<DatabaseConnection> {
  const pool = new Pool({
    connectionString: options.databaseUrl,
    max: options.poolMax,
    connectionTimeoutMillis: CONNECTION_TIMEOUT_MS,
    statement_timeout: options.statementTimeoutMs,
    lock_timeout: options.lockTimeoutMs,
  });
  // Without a listener, an idle connection's error event would crash the process.
  pool.on('error', (error) => options.onPoolError?.(error));
  // pg-pool removes its listener from a connection while it is checked out, so a connection lost then (a failover,
  // a cut network) would emit an error nobody listens to, and crash the process. The work on it already fails with
  // that error, and the pool discards the connection when it is released.
  pool.on('connect', (client) => client.on('error', ignoreErrorOfCheckedOutConnection));
  try {
    await migrateOnOneConnection(await connectingTo(options.databaseUrl, () => pool.connect()), options.migrationsDir);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    kind: 'postgres',
    prisma,
    sql: createPgSqlExecutor(pool),
    probeAttemptWrite: () => probeAttemptWrite(pool),
    poolUsage: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    withSession: async (work) => {
      const client = await pool.connect();
      try {
        const result = await work(createPgSqlExecutor(client));
        client.release();
        return result;
      } catch (error) {
        // Destroyed rather than reused: it may still hold session state, such as a lock, that the work left behind.
        client.release(true);
        throw error;
      }
    },
    transaction: (work) => inPgTransaction(pool, work),
    close: async () => {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/** The lock an INSERT or UPDATE of attempts takes, taken and released in a transaction that writes nothing. */
/** Its queries reject with the same error; the listener only keeps the event from becoming an uncaught exception. */
function ignoreErrorOfCheckedOutConnection(): void {}

async function probeAttemptWrite(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('LOCK TABLE attempts IN ROW EXCLUSIVE MODE');
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

async function migrateOnOneConnection(client: PoolClient, migrationsDir: string): Promise<void> {
  try {
    // A replica may wait for another's migrations (Prisma's advisory lock), and a migration may be long.
    await client.query('SET statement_timeout = 0; SET lock_timeout = 0');
    await applyMigrations(createPgSqlExecutor(client), migrationsDir);
  } finally {
    // Destroyed rather than reused: it may hold the lock or an aborted transaction, and its timeouts are off.
    client.release(true);
  }
}

async function inPgTransaction<T>(pool: Pool, work: (sql: SqlExecutor) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await work(createPgSqlExecutor(client));
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A failed ROLLBACK means the session is unusable: it is destroyed instead of going back to the pool.
    await client.query('ROLLBACK').catch(() => (broken = true));
    throw error;
  } finally {
    client.release(broken);
  }
}

async function openEmbedded(options: OpenDatabaseOptions): Promise<DatabaseConnection> {
  const database = await openPglite(options.dataDir);
  const sql = createPgliteSqlExecutor(database);
  try {
    await applyMigrations(sql, options.migrationsDir);
  } catch (error) {
    await database.close();
    throw error;
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(database) });
  return {
    kind: 'pglite',
    prisma,
    sql,
    // One in-process session: no one else can hold a lock on it.
    probeAttemptWrite: async () => undefined,
    withSession: (work) => work(sql),
    // PGlite is one session, open for the process's life; it queues queries inside, where no one can count them.
    poolUsage: () => ({ total: 1, idle: 0, waiting: 0 }),
    transaction: (work) => database.transaction((session) => work(createPgliteSqlExecutor(session))),
    close: async () => {
      await prisma.$disconnect();
      await database.close();
    },
  };
}

async function openPglite(dataDir: string): Promise<PGlite> {
  await mkdir(dataDir, { recursive: true });
  return PGlite.create(dataDir);
}
