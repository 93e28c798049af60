// `npm run bench -- --profile` (or `npx node bench/profile.mjs` after a build): the same set-up as the bench, the gate under
// `node --cpu-prof`, closed loop at BENCH_PROFILE_CONCURRENCY (default 32) for BENCH_PROFILE_SECONDS (default 15)
// after a warm-up; then the gate exits cleanly, Node writes the .cpuprofile, and the top self-time functions and
// packages are printed. BENCH_PROFILE_TARGET=floor profiles the floor instead (to compare against).
// The profile also covers start-up and warm-up; both are short next to the measured load.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, stopChild } from './lib/environment.mjs';
import { runPhase } from './lib/phase.mjs';
import { renderCpuProfileSummary, summariseCpuProfile } from './lib/cpuprofile-summary.mjs';
import { openSession, settingsFromEnv } from './lib/session.mjs';

const log = (line) => process.stderr.write(`[profile ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

async function main() {
  const settings = settingsFromEnv();
  const target = process.env.BENCH_PROFILE_TARGET === 'floor' ? 'floor' : 'gate';
  const connections = Number(process.env.BENCH_PROFILE_CONCURRENCY ?? 32);
  const seconds = Number(process.env.BENCH_PROFILE_SECONDS ?? 15);
  const profileDir = join(BENCH_DIR, 'results', 'profiles', new Date().toISOString().replace(/[:.]/g, '-'));
  const session = await openSession({
    settings,
    log,
    gateCpuProfileDir: target === 'gate' ? profileDir : undefined,
    floorExecArgv: target === 'floor' ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [],
  });
  let requests;
  try {
    const warm = await runPhase({
      session,
      target,
      connections,
      seconds: settings.warmupSeconds || 3,
      label: `${target} warm-up`,
      measure: false,
    });
    const phase = await runPhase({
      session,
      target,
      connections,
      seconds,
      label: `${target} c=${connections} profiled`,
    });
    // Everything the process served, so per-request figures are not inflated by the warm-up (1 = the smoke request).
    requests = warm.completed + phase.completed + 1;
    log(
      `${phase.label}: ${phase.reqPerSec.toFixed(0)} req/s, p99 ${phase.latencyMs.p99.toFixed(1)} ms, ` +
        `CPU ${phase.cpu.serverMsPerRequest.toFixed(2)} ms/req, errors ${phase.errors + phase.non2xx}, rows ${phase.rowCheck.pass ? 'ok' : 'MISMATCH'}`,
    );
    // The profile is written when the process exits cleanly (see exit-on-signal.cjs for the gate).
    await stopChild(session[target].child);
  } finally {
    await session.close();
  }
  const files = readdirSync(profileDir).filter((name) => name.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error(`no .cpuprofile was written to ${profileDir}`);
  const newest = files
    .map((name) => join(profileDir, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  process.stdout.write(
    `\n${target} profile ${newest.slice(BENCH_DIR.length - 5)} (${requests} requests served, warm-up included; per-request figures also carry the start-up)\n`,
  );
  process.stdout.write(`${renderCpuProfileSummary(summariseCpuProfile(newest, { top: 35 }), { requests })}\n`);
}

export function runProfile() {
  return main().catch((error) => {
    process.stderr.write(`profile failed: ${error.stack ?? error}\n`);
    process.exit(1);
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await runProfile();
