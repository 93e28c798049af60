// Reads a V8 .cpuprofile (from node --cpu-prof) and says where the time went: top functions by self time,
// and self time grouped by package (node_modules/<name>), by the project's own code (dist/...), and by Node.
import { readFileSync } from 'node:fs';

function packageOf(url) {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) {
    if (url.includes('deps/undici')) return 'node:undici (fetch)';
    return `node:${url.slice(5).split('/')[0] === 'internal' ? url.slice(5).split('/').slice(1, 2).join('/') || 'internal' : url.slice(5).split('/')[0]}`;
  }
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const dist = url.indexOf('/dist/');
  if (dist >= 0) {
    const parts = url.slice(dist + 1).split('/');
    return parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  return url.replace(/^file:\/\//, '');
}

export function summariseCpuProfile(path, { top = 30 } = {}) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map();
  for (let i = 0; i < profile.samples.length; i += 1) {
    const id = profile.samples[i];
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const totalMicros = profile.endTime - profile.startTime;
  const parents = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  // Inclusive: a sample counts for every package on its (synchronous) stack, e.g. a writev under pg under Prisma.
  const inclusive = new Map();
  for (const [id, micros] of selfMicros) {
    const seen = new Set();
    for (let at = id; at !== undefined; at = parents.get(at)) {
      const { callFrame } = nodes.get(at);
      if (callFrame.url) seen.add(packageOf(callFrame.url));
    }
    for (const pkg of seen) inclusive.set(pkg, (inclusive.get(pkg) ?? 0) + micros);
  }
  const byFunction = new Map();
  const byPackage = new Map();
  let idle = 0;
  for (const [id, micros] of selfMicros) {
    const { callFrame } = nodes.get(id);
    const name = callFrame.functionName || '(anonymous)';
    if (name === '(idle)') idle += micros;
    const where = callFrame.url
      ? `${callFrame.url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/')}:${callFrame.lineNumber + 1}`
      : '';
    const key = `${name} ${where}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
    const pkg = ['(garbage collector)', '(idle)', '(program)'].includes(name) ? name : packageOf(callFrame.url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
  }
  const busyMicros = totalMicros - idle;
  const rank = (map) =>
    [...map.entries()]
      .filter(([key]) => key !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .map(([key, micros]) => ({ key, ms: micros / 1000, percentOfBusy: (micros / busyMicros) * 100 }));
  return {
    totalMs: totalMicros / 1000,
    idleMs: idle / 1000,
    busyMs: busyMicros / 1000,
    functions: rank(byFunction).slice(0, top),
    packages: rank(byPackage),
    inclusivePackages: rank(inclusive),
  };
}

export function renderCpuProfileSummary(summary, { requests } = {}) {
  const lines = [];
  const perRequest = (ms) => (requests ? ` ${((ms / requests) * 1000).toFixed(0).padStart(5)} us/req` : '');
  lines.push(
    `profile: ${summary.totalMs.toFixed(0)} ms, main thread busy ${summary.busyMs.toFixed(0)} ms, idle ${summary.idleMs.toFixed(0)} ms`,
  );
  lines.push('self time by package / area (share of busy time):');
  for (const row of summary.packages.slice(0, 25))
    lines.push(`  ${row.percentOfBusy.toFixed(1).padStart(5)} %${perRequest(row.ms)}  ${row.key}`);
  lines.push('time with the package anywhere on the synchronous stack (inclusive; overlaps, so it does not add up):');
  for (const row of summary.inclusivePackages.slice(0, 25))
    lines.push(`  ${row.percentOfBusy.toFixed(1).padStart(5)} %${perRequest(row.ms)}  ${row.key}`);
  lines.push('top functions by self time:');
  for (const row of summary.functions)
    lines.push(`  ${row.percentOfBusy.toFixed(1).padStart(5)} %${perRequest(row.ms)}  ${row.key}`);
  return lines.join('\n');
}

// `node bench/lib/cpuprofile-summary.mjs file.cpuprofile [requests]`
if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, requests] = process.argv.slice(2);
  console.log(
    renderCpuProfileSummary(summariseCpuProfile(file, { top: 40 }), {
      requests: requests ? Number(requests) : undefined,
    }),
  );
}
