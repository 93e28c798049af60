// One measured phase against one server: warm-up, load, and what it cost (CPU per process, RSS) and left behind
// (attempt rows: exactly one per request sent).
import { readFileSync } from 'node:fs';
import { deviceIdSequence, drive } from './load.mjs';
import { cpuSeconds, memoryMiB, postgresBackendCpu } from './proc-stats.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let tagCounter = 0;
function nextTag() {
  // 8 hex digits: a run-unique prefix (so rows of different phases and runs never mix) plus a counter.
  tagCounter += 1;
  return `${(process.pid & 0xffff).toString(16).padStart(4, '0')}${tagCounter.toString(16).padStart(4, '0')}`;
}

function machineCpu() {
  const [line] = readFileSync('/proc/stat', 'utf8').split('\n');
  const [, ...values] = line.trim().split(/\s+/).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = values;
  return {
    busy: user + nice + system + irq + softirq + steal,
    total: user + nice + system + idle + iowait + irq + softirq + steal,
  };
}

function cpuSnapshot(server, fakes) {
  const own = process.cpuUsage();
  return {
    server: cpuSeconds(server.pid),
    fakes: cpuSeconds(fakes.child.pid),
    loadGenerator: (own.user + own.system) / 1e6,
    machine: machineCpu(),
  };
}

async function countRows(db, table, tag) {
  const { rows } = await db.query(
    `SELECT count(*)::int AS rows, count(DISTINCT device_id)::int AS devices,
            count(*) FILTER (WHERE outcome = 'succeeded')::int AS succeeded,
            count(*) FILTER (WHERE outcome = 'in_flight')::int AS in_flight
       FROM ${table} WHERE device_id LIKE $1`,
    [`${tag}-%`],
  );
  return rows[0];
}

async function totalRows(db, table) {
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0].n;
}

/**
 * Requests cut off when autocannon stops are still served and recorded by the server, so the rows are awaited
 * (until every sent request has its row and none is in flight, or nothing changes for 3 s).
 */
async function settledRows(db, table, tag, sent) {
  let last = null;
  let stableSince = Date.now();
  const deadline = Date.now() + 30_000;
  for (;;) {
    const counts = await countRows(db, table, tag);
    if (counts.rows >= sent && counts.in_flight === 0) return counts;
    if (!last || last.rows !== counts.rows || last.in_flight !== counts.in_flight) stableSince = Date.now();
    if (Date.now() - stableSince > 3_000 || Date.now() > deadline) return counts;
    last = counts;
    await sleep(100);
  }
}

/** Runs load against a server and checks the attempt rows; with measure, also samples CPU and RSS. */
export async function runPhase({
  session,
  target,
  connections,
  seconds,
  rate = null,
  label,
  rssSampler = null,
  measure = true,
}) {
  const server = session[target];
  const table = session.tables[target];
  const ids = deviceIdSequence(nextTag());
  const rowsBefore = await totalRows(session.db, table);
  rssSampler?.reset();
  const postgres = postgresBackendCpu(session.settings.databaseName);
  if (measure) postgres.start();
  const before = measure ? cpuSnapshot(server, session.fakes) : null;
  const load = await drive({
    baseUrl: server.baseUrl,
    token: session.callerToken,
    ticket: session.ticket,
    connections,
    seconds,
    rate,
    pacer: session.settings.openLoopPacer,
    ids,
  });
  const after = measure ? cpuSnapshot(server, session.fakes) : null;
  if (measure) {
    before.postgres = 0;
    after.postgres = postgres.stop();
  }
  if (server.child.exitCode !== null || server.child.signalCode !== null) {
    throw new Error(`${target} exited during "${label}" (${server.child.exitCode ?? server.child.signalCode})`);
  }
  const memory = memoryMiB(server.pid);
  const peakRssMiB = rssSampler ? Math.max(rssSampler.max(), memory.rss) : memory.rss;

  const rows = await settledRows(session.db, table, ids.tag, load.sent);
  const rowsAfter = await totalRows(session.db, table);
  const rowCheck = {
    sent: load.sent,
    completed: load.completed,
    rowsAdded: rowsAfter - rowsBefore,
    rowsForPhase: rows.rows,
    distinctDevices: rows.devices,
    succeeded: rows.succeeded,
    inFlight: rows.in_flight,
  };
  rowCheck.pass =
    rowCheck.rowsAdded === load.sent &&
    rows.rows === load.sent &&
    rows.devices === rows.rows &&
    rows.succeeded === rows.rows &&
    rows.in_flight === 0;

  let cpu = null;
  if (measure) {
    const perRequestMs = (key) => (load.completed ? ((after[key] - before[key]) * 1000) / load.completed : NaN);
    const machineBusy =
      (after.machine.busy - before.machine.busy) / Math.max(1, after.machine.total - before.machine.total);
    cpu = {
      serverMsPerRequest: perRequestMs('server'),
      postgresMsPerRequest: perRequestMs('postgres'),
      fakesMsPerRequest: perRequestMs('fakes'),
      loadGeneratorMsPerRequest: perRequestMs('loadGenerator'),
      serverCoresBusy: (after.server - before.server) / load.seconds,
      machineBusyPercent: machineBusy * 100,
    };
  }
  return {
    label,
    target,
    mode: rate === null ? 'closed' : 'open',
    connections,
    rate,
    seconds: load.seconds,
    reqPerSec: load.reqPerSec,
    latencyMs: load.latencyMs,
    completed: load.completed,
    sent: load.sent,
    non2xx: load.non2xx,
    statusCodes: load.statusCodes,
    errors: load.errors,
    timeouts: load.timeouts,
    undrained: load.undrained,
    lateStarts: load.late,
    cpu,
    memoryMiB: { peakRssDuringPhase: peakRssMiB, hwmSinceStart: memory.hwm },
    rowCheck,
  };
}

export { sleep };
