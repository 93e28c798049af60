// `npm run bench:audit`: the audit reads of the gate against their floors on one seeded database, one table.
// See bench/README.md ("Audit reports"). Everything runs on 127.0.0.1; every phase is bounded and ends by itself.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, hostname, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  BENCH_DIR,
  createAuditSigningKeyFile,
  createSigningKey,
  createTlsCertificate,
  databaseUrlFor,
  dropDatabase,
  PROJECT_DIR,
  recreateDatabase,
  signCallerToken,
  startFakes,
  startGate,
  stopChild,
} from '../lib/environment.mjs';
import { memoryMiB, rssSampler } from '../lib/proc-stats.mjs';
import { alternate, bareChainLoop, copyToCsv, gateClient, latencySummary, timeSql } from './measure.mjs';
import { renderAuditReport, auditTargets } from './report.mjs';
import { population, seedAttempts } from './seed.mjs';

const require = createRequire(import.meta.url);
const { createMongoAbility } = require('@casl/ability');
const { attemptReadScope } = require(join(PROJECT_DIR, 'dist/audit/scope/attempt-read-scope.js'));
const { attemptPageQuery } = require(join(PROJECT_DIR, 'dist/audit/query/audit-attempts.repository.js'));
const { attemptSelectsOf } = require(join(PROJECT_DIR, 'dist/audit/query/attempt-selects.js'));
const { auditFiltersToWhere } = require(join(PROJECT_DIR, 'dist/audit/query/audit-filters.js'));
const { summaryQuery, SUMMARY_GROUPS } = require(join(PROJECT_DIR, 'dist/audit/summary/audit-summary.repository.js'));

const DAY_MS = 24 * 60 * 60 * 1000;
const log = (line) => process.stderr.write(`[bench:audit ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

function settingsFromEnv(env = process.env) {
  const number = (name, fallback) => (env[name] ? Number(env[name]) : fallback);
  return {
    adminUrl: env.BENCH_PG_ADMIN_URL || 'postgresql://postgres@127.0.0.1:5432/test',
    databaseName: env.BENCH_AUDIT_DATABASE || 'autopilot_gate_audit_bench',
    rows: number('BENCH_AUDIT_ROWS', 1_000_000),
    samples: number('BENCH_AUDIT_SAMPLES', 200),
    warmup: number('BENCH_AUDIT_WARMUP', 20),
    deepPages: number('BENCH_AUDIT_DEEP_PAGES', 1000),
    summarySamples: number('BENCH_AUDIT_SUMMARY_SAMPLES', 10),
    walks: number('BENCH_AUDIT_WALKS', 2),
    keepDatabase: env.BENCH_AUDIT_KEEP_DATABASE === '1' || env.BENCH_AUDIT_REUSE_DATABASE === '1',
    reuseDatabase: env.BENCH_AUDIT_REUSE_DATABASE === '1',
    phases: new Set(
      (env.BENCH_AUDIT_PHASES || 'pages,deep,export,summary,integrity').split(',').map((phase) => phase.trim()),
    ),
    gateNodeArgs: (env.BENCH_GATE_NODE_ARGS || '').split(/\s+/).filter(Boolean),
  };
}

/** The filters of the first-page measurement, on values the seed is known to hold. */
function firstPageFilters(now) {
  const { users, apps, devices, tickets } = population();
  const week = { from: new Date(now - 7 * DAY_MS), to: new Date(now) };
  return [
    ['no filter', {}],
    ['from/to (a week)', week],
    ['actor (object id)', { actor: users[7].oid }],
    ['actor (UPN)', { actor: users[8].upn }],
    ['actor (client app id)', { actor: apps[3].appId }],
    ['deviceId', { deviceId: devices[42].id }],
    ['serialNumber', { serialNumber: devices[43].serialNumber }],
    ['changeTicket', { changeTicket: tickets[99] }],
    ['outcome', { outcome: ['policy_denied'] }],
    ['outcome x2', { outcome: ['ticket_rejected', 'graph_failed'] }],
    ['entryPoint', { entryPoint: ['graph-facade'] }],
    ['outcome in a week', { ...week, outcome: ['succeeded'] }],
  ];
}

/** What a kept database holds (BENCH_AUDIT_REUSE_DATABASE=1), instead of seeding again. */
async function seededBefore(databaseUrl) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const {
      rows: [row],
    } = await client.query(
      'SELECT (SELECT seq FROM audit_chain_head) AS count, (SELECT count(*) FROM audit_checkpoints) AS checkpoints',
    );
    return { count: Number(row.count), checkpoints: Number(row.checkpoints), seconds: 0, reused: true };
  } finally {
    await client.end();
  }
}

function queryString(filters) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) {
    for (const item of [value].flat()) search.append(name, item instanceof Date ? item.toISOString() : String(item));
  }
  return search.toString();
}

async function main() {
  const settings = settingsFromEnv();
  const started = Date.now();
  const workDir = mkdtempSync(join(tmpdir(), 'autopilot-gate-audit-bench-'));
  const cleanups = [() => rmSync(workDir, { recursive: true, force: true })];
  const results = {
    meta: {},
    settings: { ...settings, phases: [...settings.phases] },
    seed: null,
    firstPages: [],
    deepWalk: null,
    export: null,
    summaries: [],
    integrity: null,
  };
  try {
    const databaseUrl = databaseUrlFor(settings.adminUrl, settings.databaseName);
    const auditKeyFile = settings.reuseDatabase
      ? join(BENCH_DIR, 'results', 'audit-bench-signing-key.pem')
      : createAuditSigningKeyFile(workDir);
    if (settings.reuseDatabase) {
      results.seed = await seededBefore(databaseUrl);
      log(`reusing ${settings.databaseName}: ${results.seed.count.toLocaleString('en')} attempts`);
    } else {
      log(`creating ${settings.databaseName} and applying the migrations`);
      await recreateDatabase(settings.adminUrl, settings.databaseName);
      if (!settings.keepDatabase) cleanups.push(() => dropDatabase(settings.adminUrl, settings.databaseName));
      const migrated = spawnSync(process.execPath, ['dist/database/migrate.cli.js'], {
        cwd: PROJECT_DIR,
        env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl },
        encoding: 'utf8',
      });
      if (migrated.status !== 0) throw new Error(`migrations failed: ${migrated.stderr}`);
      log(`seeding ${settings.rows.toLocaleString('en')} attempts with COPY`);
      results.seed = await seedAttempts({
        databaseUrl,
        count: settings.rows,
        signingKeyFile: auditKeyFile,
        workDir,
        log,
      });
      // Kept for BENCH_AUDIT_REUSE_DATABASE: the checkpoints of the kept database verify only with this key.
      if (settings.keepDatabase) copyFileSync(auditKeyFile, join(BENCH_DIR, 'results', 'audit-bench-signing-key.pem'));
    }

    const tls = createTlsCertificate(workDir);
    const signing = await createSigningKey();
    const fakes = await startFakes({
      publicJwk: signing.publicJwk,
      tlsCertPath: tls.certPath,
      tlsKeyPath: tls.keyPath,
    });
    cleanups.push(() => stopChild(fakes.child));
    log('starting the gate (production mode, node dist/main.js)');
    const gate = await startGate({
      fakes,
      databaseUrl,
      tlsCertPath: tls.certPath,
      auditSigningKeyFile: auditKeyFile,
      poolMax: 10,
      extraNodeArgs: settings.gateNodeArgs,
    });
    cleanups.push(() => stopChild(gate.child));
    const token = await signCallerToken({
      privateKey: signing.privateKey,
      issuer: fakes.issuer,
      roles: ['Audit.Reader'],
      oid: '0e0e0e0e-1111-4222-8333-444444444444',
    });
    const http = gateClient(gate.baseUrl, token);
    cleanups.push(() => http.close());
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    cleanups.push(() => db.end());
    const {
      rows: [{ version }],
    } = await db.query('SELECT version()');
    results.meta = {
      date: new Date().toISOString(),
      machine: `${hostname()}, ${cpus().length} cores (${cpus()[0]?.model?.trim() ?? 'unknown cpu'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
      node: `Node ${process.version}`,
      postgres: version.split(' on ')[0],
    };
    const scope = attemptReadScope(createMongoAbility([{ action: 'read', subject: 'Attempt' }]));
    const selects = await attemptSelectsOf({ query: async (text, values) => (await db.query(text, values)).rows });
    const now = Date.now();

    if (settings.phases.has('pages'))
      log(`first pages: ${settings.samples} samples per filter, gate and floor alternating`);
    for (const [name, filters] of settings.phases.has('pages') ? firstPageFilters(now) : []) {
      const path = `/v1/audit/attempts?${queryString(filters)}`;
      const query = attemptPageQuery({ AND: [scope, auditFiltersToWhere(filters)] }, 51, selects.json);
      let items = 0;
      const timing = await alternate({
        samples: settings.samples,
        warmup: settings.warmup,
        gate: async () => {
          const { ms, body } = await http.getJson(path);
          items = body.items.length;
          return ms;
        },
        floor: async () => (await timeSql(db, query)).ms,
      });
      results.firstPages.push({ name, items, ...timing, ratio: timing.gate.p95 / timing.floor.p95 });
      log(
        `  ${name}: ${items} items, p95 gate ${timing.gate.p95.toFixed(2)} ms, floor ${timing.floor.p95.toFixed(2)} ms`,
      );
    }

    if (settings.phases.has('deep')) await measureDeepWalk(settings, http, results);
    if (settings.phases.has('export')) await measureExport(settings, http, db, gate, results);
    if (settings.phases.has('summary')) await measureSummaries(settings, http, db, scope, now, results);
    if (settings.phases.has('integrity')) await measureIntegrity(settings, http, db, selects, results);

    results.targets = auditTargets(results);
    results.meta.wallSeconds = (Date.now() - started) / 1000;
    process.stdout.write(`\n${renderAuditReport(results)}\n`);
    const resultsDir = join(BENCH_DIR, 'results');
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `bench-audit-${results.meta.date.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`\nwrote ${file.slice(PROJECT_DIR.length + 1)} (${results.meta.wallSeconds.toFixed(0)} s)\n`);
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        process.stderr.write(`bench:audit cleanup: ${error.message}\n`);
      }
    }
  }
}

async function measureDeepWalk(settings, http, results) {
  log(`deep walk: following next for ${settings.deepPages} pages of 50`);
  const walk = [];
  let cursor = null;
  let lastPagePath = '/v1/audit/attempts';
  for (let page = 1; page <= settings.deepPages; page++) {
    lastPagePath = `/v1/audit/attempts${cursor ? `?cursor=${cursor}` : ''}`;
    const { ms, body } = await http.getJson(lastPagePath);
    walk.push(ms);
    cursor = body.next;
  }
  const deep = await alternate({
    samples: 50,
    warmup: 5,
    gate: async () => (await http.getJson('/v1/audit/attempts')).ms,
    floor: async () => (await http.getJson(lastPagePath)).ms,
  });
  results.deepWalk = {
    pages: settings.deepPages,
    walk: latencySummary(walk),
    page1: deep.gate,
    pageN: deep.floor,
    ratio: deep.floor.p50 / deep.gate.p50,
  };
}

async function measureExport(settings, http, db, gate, results) {
  log('export: the full CSV through the API, then COPY ... TO STDOUT WITH CSV');
  const rssBefore = memoryMiB(gate.pid).rss;
  const rss = rssSampler(gate.pid, 50);
  rss.reset();
  const csv = await http.stream('/v1/audit/attempts/export?format=csv', '\r\n');
  const csvRss = rss.max();
  const copy = await copyToCsv(db, 'SELECT * FROM "attempts" ORDER BY "received_at" DESC, "id" DESC');
  rss.reset();
  const ndjson = await http.stream('/v1/audit/attempts/export?format=ndjson', '\n');
  const ndjsonRss = rss.max();
  rss.stop();
  const rowsPerSecond = (run, lines) => lines / (run.ms / 1000);
  results.export = {
    csv: { ...csv, records: csv.lines - 1, rowsPerSec: rowsPerSecond(csv, csv.lines - 1), peakRssMiB: csvRss },
    copy: { ...copy, records: copy.lines - 1, rowsPerSec: rowsPerSecond(copy, copy.lines - 1) },
    ndjson: { ...ndjson, rowsPerSec: rowsPerSecond(ndjson, results.seed.count), peakRssMiB: ndjsonRss },
    gateRssBeforeMiB: rssBefore,
    gateHwmMiB: memoryMiB(gate.pid).hwm,
  };
  results.export.ratio = results.export.csv.rowsPerSec / results.export.copy.rowsPerSec;
}

async function measureSummaries(settings, http, db, scope, now, results) {
  log(`summaries over the last year: ${settings.summarySamples} samples per groupBy`);
  const year = { from: new Date(now - 365 * DAY_MS), to: new Date(now) };
  for (const groupBy of SUMMARY_GROUPS) {
    const query = summaryQuery({ AND: [scope, auditFiltersToWhere(year)] }, groupBy);
    const timing = await alternate({
      samples: settings.summarySamples,
      warmup: 1,
      gate: async () => (await http.getJson(`/v1/audit/summary?${queryString({ ...year, groupBy })}`)).ms,
      floor: async () => (await timeSql(db, query)).ms,
    });
    results.summaries.push({ groupBy, ...timing, ratio: timing.gate.p50 / timing.floor.p50 });
  }
}

async function measureIntegrity(settings, http, db, selects, results) {
  log(`integrity walk over ${results.seed.count.toLocaleString('en')} records, ${settings.walks} times each`);
  const head = Number((await db.query('SELECT seq FROM audit_chain_head')).rows[0].seq);
  let report = null;
  const walkTiming = await alternate({
    samples: settings.walks,
    warmup: 0,
    gate: async () => {
      const response = await http.getJson('/v1/audit/integrity');
      report = response.body;
      return response.ms;
    },
    floor: async () => (await bareChainLoop(db, selects.chainedJson, head)).ms,
  });
  if (report?.status !== 'ok' || report.records !== results.seed.count)
    throw new Error(`the integrity walk did not verify the seed: ${JSON.stringify(report)}`);
  results.integrity = {
    records: report.records,
    checkpoints: report.checkpoints,
    gate: { ...walkTiming.gate, recordsPerSec: report.records / (walkTiming.gate.p50 / 1000) },
    floor: { ...walkTiming.floor, recordsPerSec: head / (walkTiming.floor.p50 / 1000) },
  };
  results.integrity.ratio = results.integrity.gate.recordsPerSec / results.integrity.floor.recordsPerSec;
}

main().catch((error) => {
  process.stderr.write(`bench:audit failed: ${error.stack ?? error}\n`);
  process.exit(1);
});
