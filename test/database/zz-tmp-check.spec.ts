import { describe, expect, it } from 'vitest';
import { openDatabase, isDatabaseReady } from '../../src/database/database-connection';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/database/migrations-dir';
import { createTestDatabase } from '../helpers/test-database';
describe('tmp', () => {
  it('works migrated', async () => {
    const t0 = Date.now();
    const db = await createTestDatabase();
    const t1 = Date.now();
    const c = await openDatabase({ ...db, migrationsDir: DEFAULT_MIGRATIONS_DIR });
    console.log('create', t1 - t0, 'open', Date.now() - t1, c.kind);
    expect(await c.sql.query('select count(*)::int as n from _prisma_migrations')).toEqual([{ n: 1 }]);
    expect(await isDatabaseReady(c, DEFAULT_MIGRATIONS_DIR)).toEqual({ reachable: true, pendingMigrations: [] });
    expect(await c.prisma.attempt.count()).toBe(0);
    await c.close();
    expect(await isDatabaseReady(c, DEFAULT_MIGRATIONS_DIR)).toMatchObject({ reachable: false });
    await db.drop();
  });
});
