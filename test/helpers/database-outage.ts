import { Client } from 'pg';
import type { GateHarness } from './gate-harness';

/**
 * Takes the gate's database away mid-run. On Postgres the test database is dropped (FORCE ends the gate's
 * sessions) through a separate admin connection to the server in DATABASE_URL; on PGlite the embedded
 * instance is closed, which is all "down" can mean for an in-process database.
 */
export async function takeDatabaseDown(harness: GateHarness): Promise<void> {
  const testDatabaseUrl = harness.database.databaseUrl;
  const serverUrl = process.env.DATABASE_URL;
  if (!testDatabaseUrl || !serverUrl) {
    await harness.gate.database.close();
    return;
  }
  const name = decodeURIComponent(new URL(testDatabaseUrl).pathname.slice(1));
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE "${name.replaceAll('"', '""')}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
