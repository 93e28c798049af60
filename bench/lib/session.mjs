// Sets up one bench session (fakes, bench database, gate, floor, tokens, change ticket) and tears it all down.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  ADMIN_ROLE,
  createAuditSigningKeyFile,
  createSigningKey,
  createTlsCertificate,
  databaseUrlFor,
  dropDatabase,
  putChangeTicket,
  recreateDatabase,
  signCallerToken,
  smokeTest,
  startFakes,
  startFloor,
  startGate,
  stopChild,
  UNASSIGN_ROLE,
} from './environment.mjs';

export const TICKET = 'CHG0420001';
export const FLOOR_TABLE = 'floor_attempts';

export function settingsFromEnv(env = process.env) {
  const number = (name, fallback) => {
    const value = env[name];
    if (value === undefined || value === '') return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`${name} must be a non-negative number, got ${value}`);
    return parsed;
  };
  return {
    adminUrl: env.BENCH_PG_ADMIN_URL || 'postgresql://postgres@127.0.0.1:5432/test',
    databaseName: env.BENCH_DATABASE || 'autopilot_gate_bench',
    durationSeconds: number('BENCH_DURATION', 10),
    warmupSeconds: number('BENCH_WARMUP', 3),
    concurrencies: (env.BENCH_CONCURRENCY || '1,8,32,128')
      .split(',')
      .map((value) => Number(value.trim()))
      .filter((value) => value > 0),
    openLoopFraction: number('BENCH_OPEN_LOOP_FRACTION', 0.4),
    openLoopConnections: number('BENCH_OPEN_LOOP_CONNECTIONS', 64),
    openLoopPacer: env.BENCH_OPEN_LOOP_PACER === 'autocannon' ? 'autocannon' : 'even',
    poolMax: number('BENCH_POOL_MAX', 10),
    pauseSeconds: number('BENCH_PAUSE', 1),
    strict: env.BENCH_STRICT === '1',
    // Extra node flags for the gate only, to try a V8 setting without touching src/ (e.g. --max-semi-space-size=4).
    // Another build of the gate to measure (a directory with dist/, config/ and node_modules/), e.g. a branch.
    gateDir: env.BENCH_GATE_DIR || undefined,
    gateNodeArgs: (env.BENCH_GATE_NODE_ARGS || '').split(/\s+/).filter(Boolean),
    // The heap the Helm chart gives the gate: 0.6 x its default memory limit of 384 MiB (NODE_OPTIONS there). 0: V8's own.
    gateHeapMiB: number('BENCH_GATE_HEAP_MIB', 230),
    // The pod's memory limit the gate's peak RSS is held against (the chart's default).
    memoryLimitMiB: number('BENCH_MEMORY_LIMIT_MIB', 384),
    // Extra environment for the gate, e.g. AUDIT_SEAL_INTERVAL_MS=0 to measure it without the chain sealer.
    gateEnv: Object.fromEntries(
      (env.BENCH_GATE_ENV || '')
        .split(/\s+/)
        .filter(Boolean)
        .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
    ),
  };
}

/** The chart's heap flag first, so an explicit --max-old-space-size in BENCH_GATE_NODE_ARGS overrides it. */
export function gateNodeArgsOf(settings) {
  return [
    ...(settings.gateHeapMiB > 0 ? [`--max-old-space-size=${settings.gateHeapMiB}`] : []),
    ...settings.gateNodeArgs,
  ];
}

/**
 * @param {{ settings: ReturnType<typeof settingsFromEnv>, gateCpuProfileDir?: string, floorExecArgv?: string[], log?: (line: string) => void }} options
 */
export async function openSession({ settings, gateCpuProfileDir, floorExecArgv, log = () => {} }) {
  const cleanups = [];
  const session = {
    async close() {
      for (const cleanup of cleanups.reverse()) {
        try {
          await cleanup();
        } catch (error) {
          process.stderr.write(`bench cleanup: ${error.message}\n`);
        }
      }
      cleanups.length = 0;
    },
  };
  try {
    const workDir = mkdtempSync(join(tmpdir(), 'autopilot-gate-bench-'));
    cleanups.push(() => rmSync(workDir, { recursive: true, force: true }));
    const tls = createTlsCertificate(workDir);
    const signing = await createSigningKey();

    log(`creating database ${settings.databaseName}`);
    await recreateDatabase(settings.adminUrl, settings.databaseName);
    cleanups.push(() => dropDatabase(settings.adminUrl, settings.databaseName));
    const databaseUrl = databaseUrlFor(settings.adminUrl, settings.databaseName);

    const fakes = await startFakes({
      publicJwk: signing.publicJwk,
      tlsCertPath: tls.certPath,
      tlsKeyPath: tls.keyPath,
    });
    cleanups.push(() => stopChild(fakes.child));
    log(`fakes: graph ${fakes.graphBaseUrl}, issuer ${fakes.issuer}, authority ${fakes.authorityHost}`);

    log('starting the gate (production mode, node dist/main.js)');
    const gate = await startGate({
      fakes,
      databaseUrl,
      tlsCertPath: tls.certPath,
      auditSigningKeyFile: createAuditSigningKeyFile(workDir),
      poolMax: settings.poolMax,
      cpuProfileDir: gateCpuProfileDir,
      extraNodeArgs: gateNodeArgsOf(settings),
      extraEnv: settings.gateEnv,
      gateDir: settings.gateDir,
    });
    cleanups.push(() => stopChild(gate.child));

    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    cleanups.push(() => db.end());
    // Same columns, defaults and indexes as the gate's attempts table (which the gate's migrations just made).
    await db.query(`CREATE TABLE ${FLOOR_TABLE} (LIKE attempts INCLUDING ALL)`);

    const floor = await startFloor({
      fakes,
      databaseUrl,
      poolMax: settings.poolMax,
      table: FLOOR_TABLE,
      execArgv: floorExecArgv,
    });
    cleanups.push(() => stopChild(floor.child));

    const callerToken = await signCallerToken({
      privateKey: signing.privateKey,
      issuer: fakes.issuer,
      roles: [UNASSIGN_ROLE],
      oid: '0b0b0b0b-1111-4222-8333-444444444444',
    });
    const adminToken = await signCallerToken({
      privateKey: signing.privateKey,
      issuer: fakes.issuer,
      roles: [ADMIN_ROLE],
      oid: '0a0a0a0a-1111-4222-8333-444444444444',
    });
    await putChangeTicket(gate, adminToken, TICKET);
    await smokeTest(gate, callerToken, TICKET, 'ffffffff-0000-4000-8000-000000000001');
    await smokeTest(floor, callerToken, TICKET, 'ffffffff-0000-4000-8000-000000000002');
    log('both servers answered a smoke request with 200');

    return Object.assign(session, {
      settings,
      fakes,
      gate,
      floor,
      db,
      databaseUrl,
      callerToken,
      ticket: TICKET,
      tables: { gate: 'attempts', floor: FLOOR_TABLE },
    });
  } catch (error) {
    await session.close();
    throw error;
  }
}
