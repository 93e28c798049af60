import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseConnection } from '../../src/database/database-connection';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/database/migrations-dir';
import { TcpProxy } from '../fakes/tcp-proxy';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

// Real Postgres only: the loss is a TCP proxy between the pool and the server.
describe.runIf(process.env.DATABASE_URL)('a connection lost while checked out of the pool (real Postgres only)', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let connection: DatabaseConnection;
  const uncaught: unknown[] = [];
  const recordUncaught = (error: unknown) => uncaught.push(error);

  beforeAll(async () => {
    database = await createTestDatabase();
    const direct = new URL(database.databaseUrl!);
    proxy = await TcpProxy.start({ host: direct.hostname, port: Number(direct.port || 5432) });
    const throughProxy = new URL(direct);
    throughProxy.port = String(proxy.port);
    connection = await openDatabase({
      databaseUrl: throughProxy.toString(),
      dataDir: database.dataDir,
      migrationsDir: DEFAULT_MIGRATIONS_DIR,
      poolMax: 2,
    });
    process.prependListener('uncaughtException', recordUncaught);
  });
  afterAll(async () => {
    process.removeListener('uncaughtException', recordUncaught);
    await connection?.close();
    await proxy?.close();
    await database?.drop();
  });

  it('fails the work on it instead of crashing the process, and serves again once the server is back', async () => {
    const held = connection.withSession(async (sql) => {
      await sql.query('SELECT 1');
      // Between two queries, as a session holding an advisory lock is: no query is there to take the error.
      await proxy.cut();
      await sleep(200);
      return sql.query('SELECT 1');
    });
    await expect(held).rejects.toThrow(/Connection terminated|not queryable/i);
    expect(uncaught).toEqual([]);

    await proxy.heal();
    const rows = await connection.sql.query<{ answer: number }>('SELECT 42 AS answer');
    expect(rows).toEqual([{ answer: 42 }]);
    expect(uncaught).toEqual([]);
  });
});
