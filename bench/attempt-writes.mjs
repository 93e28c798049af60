// `npm run bench:attempt-writes`: the two attempt writes of every request (open, settle), through `pg` directly as
// the gate sends them, and the same statements through Prisma's raw path (`$executeRawUnsafe`, what `$executeRaw`
// tagged templates compile to), in the gate's own process model: one pool, the compiled code from dist/.
// Reports client CPU, and the Postgres backend's CPU, per request for each, alternating them twice; and the cost
// of claiming an Idempotency-Key in the open statement. Needs PostgreSQL at 127.0.0.1:5432 on this machine.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import pg from 'pg';
import { PROJECT_DIR } from './lib/environment.mjs';

const require = createRequire(import.meta.url);
const dist = (path) => require(join(PROJECT_DIR, 'dist', path));
const { openDatabase } = dist('database/database-connection.js');
const { DEFAULT_MIGRATIONS_DIR } = dist('database/migrations-dir.js');
const { AttemptDraft } = dist('attempts/attempt-draft.js');
const columns = dist('attempts/attempt-columns.js');

const ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const DATABASE = 'autopilot_gate_bench_writes';
const REQUESTS = Number(process.env.BENCH_WRITES ?? 3000);

function draft() {
  const attempt = new AttemptDraft({
    entryPoint: 'v1',
    correlationId: crypto.randomUUID(),
    clientIp: '127.0.0.1',
    userAgent: 'bench',
    deviceId: crypto.randomUUID(),
    policyVersion: 'bench',
    simulated: false,
  });
  attempt.recordActor({
    kind: 'app',
    oid: crypto.randomUUID(),
    tenantId: 'bench',
    roles: ['Autopilot.ResourceAccount.Unassign'],
  });
  attempt.recordRequest({
    changeTicket: 'CHG0420001',
    justification: 'bench: bulk ITSM campaign, unassign the room account',
  });
  attempt.recordDevice({
    id: attempt.facts.deviceId,
    groupTag: 'MTR-EU',
    serialNumber: 'SN-1',
    displayName: 'ROOM',
    resourceName: 'room@contoso',
  });
  return attempt;
}

const settlement = (attempt) => ({
  outcome: 'succeeded',
  httpStatus: 200,
  errorCode: null,
  settledAt: new Date(),
  durationMs: attempt.elapsedMs(),
});

/** utime + stime of a process in microseconds (clock ticks of 10 ms on Linux). */
function processCpuMicros(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function measure(
  label,
  run,
  backendPid,
  open = (attempt) => run(columns.INSERT_ATTEMPT, columns.insertParameters(attempt, { outcome: 'in_flight' })),
) {
  const before = process.cpuUsage();
  const serverBefore = processCpuMicros(backendPid);
  for (let i = 0; i < REQUESTS; i += 1) {
    const attempt = draft();
    await open(attempt);
    await run(columns.SETTLE_ATTEMPT, columns.settleParameters(attempt, settlement(attempt)));
  }
  const used = process.cpuUsage(before);
  const client = (used.user + used.system) / REQUESTS;
  const server = (processCpuMicros(backendPid) - serverBefore) / REQUESTS;
  console.log(
    `${label.padEnd(34)} client ${client.toFixed(0).padStart(4)} us, Postgres ${server.toFixed(0).padStart(4)} us CPU per request (open + settle)`,
  );
  return { client, server };
}

function claiming(run) {
  return (attempt) => {
    const parameters = columns.insertParameters(attempt, { outcome: 'in_flight' });
    return run(columns.INSERT_ATTEMPT_CLAIMING_KEY, [...parameters, crypto.randomUUID(), 'f'.repeat(64), 86_400_000]);
  };
}

const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
await admin.query(`CREATE DATABASE ${DATABASE}`);
const url = new URL(ADMIN_URL);
url.pathname = `/${DATABASE}`;
// One connection, so one backend whose CPU can be read.
const database = await openDatabase({
  databaseUrl: url.toString(),
  dataDir: '',
  poolMax: 1,
  migrationsDir: DEFAULT_MIGRATIONS_DIR,
});
try {
  const [{ pid }] = await database.sql.query('SELECT pg_backend_pid() AS pid');
  const viaPg = (text, parameters) => database.sql.query(text, parameters);
  const viaPrisma = (text, parameters) => database.prisma.$executeRawUnsafe(text, ...parameters);
  await measure('warm-up', viaPg, pid);
  await measure('warm-up', viaPrisma, pid);
  const figures = { pg: [], prisma: [], claiming: [] };
  for (let round = 0; round < 2; round += 1) {
    figures.pg.push(await measure('pg (the gate today)', viaPg, pid));
    figures.prisma.push(await measure('Prisma $executeRawUnsafe', viaPrisma, pid));
    figures.claiming.push(await measure('pg, open claiming a key', viaPg, pid, claiming(viaPg)));
  }
  const mean = (values, side) => values.reduce((sum, value) => sum + value[side], 0) / values.length;
  const extra = mean(figures.prisma, 'client') - mean(figures.pg, 'client');
  console.log(
    `Prisma's raw path: ${extra.toFixed(0)} us more client CPU per request (${((extra / mean(figures.pg, 'client')) * 100).toFixed(0)} % of the pg path)`,
  );
  const claim = mean(figures.claiming, 'server') - mean(figures.pg, 'server');
  console.log(`Claiming an Idempotency-Key: ${claim.toFixed(0)} us more Postgres CPU per request`);
} finally {
  await database.close();
  await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  await admin.end();
}
