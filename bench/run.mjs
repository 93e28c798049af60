// `npm run bench`: the gate against the floor on this machine, closed-loop sweep and open loop, one table.
// See bench/README.md for what it measures and how to read it. Every address is on 127.0.0.1 / localhost;
// every load is bounded by BENCH_DURATION / BENCH_WARMUP and ends by itself.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR, PROJECT_DIR } from './lib/environment.mjs';
import { runPhase, sleep } from './lib/phase.mjs';
import { rssSampler } from './lib/proc-stats.mjs';
import { buildSummary, renderReport } from './lib/report.mjs';
import { openSession, settingsFromEnv } from './lib/session.mjs';

const log = (line) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

function gitCommit() {
  // Read, not asked: the bench must not depend on a git binary.
  try {
    const head = readFileSync(join(PROJECT_DIR, '.git', 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head;
    const ref = head.slice(5);
    const loose = join(PROJECT_DIR, '.git', ref);
    if (existsSync(loose)) return readFileSync(loose, 'utf8').trim();
    const packed = readFileSync(join(PROJECT_DIR, '.git', 'packed-refs'), 'utf8')
      .split('\n')
      .find((line) => line.endsWith(` ${ref}`));
    return packed?.split(' ')[0] ?? null;
  } catch {
    return null;
  }
}

function describePhase(phase) {
  const l = phase.latencyMs;
  const rows = phase.rowCheck.pass ? 'rows ok' : `ROWS MISMATCH ${JSON.stringify(phase.rowCheck)}`;
  return (
    `${phase.label}: ${phase.reqPerSec.toFixed(0)} req/s, p50 ${l.p50.toFixed(2)} p99 ${l.p99.toFixed(2)} max ${l.max.toFixed(1)} ms, ` +
    `errors ${phase.errors + phase.non2xx}, ${rows}`
  );
}

async function main() {
  const settings = settingsFromEnv();
  const started = Date.now();
  const session = await openSession({ settings, log });
  let interrupted = false;
  const onSignal = (signal) => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping the servers and dropping ${settings.databaseName}`);
    session.close().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const {
      rows: [{ version }],
    } = await session.db.query('SELECT version()');
    const meta = {
      date: new Date().toISOString(),
      machine: `${hostname()}, ${cpus().length} cores (${cpus()[0]?.model?.trim() ?? 'unknown cpu'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
      node: `Node ${process.version}`,
      postgres: version.split(' on ')[0],
      commit: gitCommit(),
      // The machine is shared: what else was running is part of the figures.
      loadAverage: loadavg()
        .map((value) => value.toFixed(2))
        .join(' '),
    };
    const gateRss = rssSampler(session.gate.pid);
    const sweep = [];
    const warmups = [];
    const phase = async (options) => {
      const target = options.target;
      if (settings.warmupSeconds > 0) {
        const warm = await runPhase({
          session,
          ...options,
          seconds: settings.warmupSeconds,
          label: `${options.label} warm-up`,
          measure: false,
          rssSampler: null,
        });
        warmups.push(warm);
        if (!warm.rowCheck.pass || warm.errors + warm.non2xx > 0) log(describePhase(warm));
      }
      const measured = await runPhase({
        session,
        ...options,
        seconds: settings.durationSeconds,
        rssSampler: target === 'gate' ? gateRss : null,
      });
      log(describePhase(measured));
      await sleep(settings.pauseSeconds * 1000);
      return measured;
    };

    // Closed-loop sweep. The order alternates per point, so a drift of the shared machine does not always favour one.
    for (const [index, connections] of settings.concurrencies.entries()) {
      const order = index % 2 === 0 ? ['gate', 'floor'] : ['floor', 'gate'];
      for (const target of order) {
        sweep.push(await phase({ target, connections, label: `${target} c=${connections}` }));
      }
    }

    // Open loop at a fixed fraction of the floor's peak, the same rate for both.
    const floorPeak = Math.max(...sweep.filter((p) => p.target === 'floor').map((p) => p.reqPerSec));
    const rate = Math.max(1, Math.round(floorPeak * settings.openLoopFraction));
    log(
      `open loop at ${rate} req/s (${settings.openLoopFraction * 100} % of the floor's peak ${floorPeak.toFixed(0)} req/s)`,
    );
    const openLoop = [];
    for (const target of ['floor', 'gate']) {
      openLoop.push(
        await phase({ target, connections: settings.openLoopConnections, rate, label: `${target} open ${rate}/s` }),
      );
    }
    gateRss.stop();

    const gateHwmMiB = Math.max(
      ...[...sweep, ...openLoop].filter((p) => p.target === 'gate').map((p) => p.memoryMiB.hwmSinceStart),
    );
    const gatePeakRssMiB = Math.max(
      ...[...sweep, ...openLoop].filter((p) => p.target === 'gate').map((p) => p.memoryMiB.peakRssDuringPhase),
    );
    const summary = buildSummary({ settings, sweep, openLoop, warmups, gatePeakRssMiB, gateHwmMiB });
    const report = renderReport({ meta, settings, summary, sweep, openLoop, rateUsed: rate });
    process.stdout.write(`\n${report}\n`);

    const fakesCounters = await session.fakes.counters();
    const resultsDir = join(BENCH_DIR, 'results');
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `bench-${meta.date.replace(/[:.]/g, '-')}.json`);
    const { strict: _strict, adminUrl: _adminUrl, ...publicSettings } = settings;
    writeFileSync(
      file,
      `${JSON.stringify(
        {
          meta: { ...meta, wallSeconds: (Date.now() - started) / 1000 },
          settings: publicSettings,
          table: summary.closedRows.map(({ connections, gate, floor, ratio }) => ({
            connections,
            gate: {
              reqPerSec: gate?.reqPerSec,
              latencyMs: gate?.latencyMs,
              errors: gate ? gate.errors + gate.non2xx : null,
              cpuMsPerRequest: gate?.cpu?.serverMsPerRequest,
              peakRssMiB: gate?.memoryMiB.peakRssDuringPhase,
            },
            floor: {
              reqPerSec: floor?.reqPerSec,
              latencyMs: floor?.latencyMs,
              errors: floor ? floor.errors + floor.non2xx : null,
              cpuMsPerRequest: floor?.cpu?.serverMsPerRequest,
            },
            ratio,
          })),
          openLoop: {
            rate,
            floorPeak: summary.floorPeak,
            gate: summary.openGate,
            floor: summary.openFloor,
            p99Ratio: summary.p99Ratio,
          },
          targets: summary.targets,
          phases: { sweep, openLoop, warmups },
          fakes: fakesCounters,
        },
        null,
        2,
      )}\n`,
    );
    process.stdout.write(
      `\nwrote ${file.slice(PROJECT_DIR.length + 1)} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`,
    );
    const missed = summary.targets.filter((target) => !target.pass).length;
    if (missed > 0 && settings.strict) process.exitCode = 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!interrupted) await session.close();
  }
}

if (process.argv.includes('--profile')) {
  const { runProfile } = await import('./profile.mjs');
  await runProfile();
} else {
  main().catch((error) => {
    process.stderr.write(`bench failed: ${error.stack ?? error}\n`);
    process.exit(1);
  });
}
