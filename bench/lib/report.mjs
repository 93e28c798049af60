// The table, the targets and their verdicts, from the phases run.mjs measured.

export const TARGETS = {
  throughputRatioAt32: 0.6,
  openLoopP99Ratio: 1.5,
};

const fixed = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const ms = (value) =>
  Number.isFinite(value) ? (value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)) : '-';
const latency = (l) => `${ms(l.p50)} / ${ms(l.p99)} / ${ms(l.max)}`;

function renderTable(headers, rows) {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => String(row[column]).length)),
  );
  const line = (cells) => `| ${cells.map((cell, column) => String(cell).padStart(widths[column])).join(' | ')} |`;
  return [line(headers), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function buildSummary({ settings, sweep, openLoop, warmups, gatePeakRssMiB, gateHwmMiB }) {
  const closedRows = settings.concurrencies.map((connections) => {
    const gate = sweep.find((phase) => phase.target === 'gate' && phase.connections === connections);
    const floor = sweep.find((phase) => phase.target === 'floor' && phase.connections === connections);
    return {
      connections,
      gate,
      floor,
      ratio: gate && floor ? gate.reqPerSec / floor.reqPerSec : NaN,
    };
  });
  const floorPeak = Math.max(...sweep.filter((phase) => phase.target === 'floor').map((phase) => phase.reqPerSec));
  const openGate = openLoop.find((phase) => phase.target === 'gate');
  const openFloor = openLoop.find((phase) => phase.target === 'floor');
  const all = [...sweep, ...openLoop, ...warmups];
  const gatePhases = all.filter((phase) => phase.target === 'gate');
  const errorCount = all.reduce((sum, phase) => sum + phase.errors + phase.non2xx, 0);
  const gateRequests = gatePhases.reduce((sum, phase) => sum + phase.rowCheck.sent, 0);
  const gateRows = gatePhases.reduce((sum, phase) => sum + phase.rowCheck.rowsForPhase, 0);
  const at32 = closedRows.find((row) => row.connections === 32);
  const p99Ratio = openGate && openFloor ? openGate.latencyMs.p99 / openFloor.latencyMs.p99 : NaN;

  const verdict = (pass) => (pass ? 'PASS' : 'MISS');
  const targets = [
    {
      name: 'throughput at concurrency 32: gate req/s >= 60 % of the floor',
      value: at32 ? at32.ratio : NaN,
      display: at32
        ? `${fixed(at32.gate?.reqPerSec)} / ${fixed(at32.floor?.reqPerSec)} req/s = ${fixed(at32.ratio * 100, 1)} %`
        : 'not measured (32 not in BENCH_CONCURRENCY)',
      pass: at32 ? at32.ratio >= TARGETS.throughputRatioAt32 : false,
    },
    {
      name: `open loop at ${fixed(settings.openLoopFraction * 100)} % of the floor's peak: gate p99 <= 1.5 x floor p99`,
      value: p99Ratio,
      display:
        openGate && openFloor
          ? `${ms(openGate.latencyMs.p99)} / ${ms(openFloor.latencyMs.p99)} ms = ${fixed(p99Ratio, 2)} x`
          : 'not measured',
      pass: p99Ratio <= TARGETS.openLoopP99Ratio,
    },
    {
      name: `gate peak RSS < ${settings.memoryLimitMiB} MiB (the pod's memory limit) with ${heapSetting(settings)}`,
      value: gatePeakRssMiB,
      display: `${fixed(gatePeakRssMiB, 1)} MiB sampled (VmHWM since start ${fixed(gateHwmMiB, 1)} MiB) = ${fixed((Math.max(gatePeakRssMiB, gateHwmMiB) / settings.memoryLimitMiB) * 100)} % of the limit`,
      pass: gatePeakRssMiB < settings.memoryLimitMiB && gateHwmMiB < settings.memoryLimitMiB,
    },
    {
      name: 'zero errors (connection errors, timeouts, non-2xx), warm-ups included, both servers',
      value: errorCount,
      display: `${errorCount}`,
      pass: errorCount === 0,
    },
    {
      name: 'every gate request left exactly one attempt row (succeeded, one per device id)',
      value: gateRows - gateRequests,
      display: `${gateRequests} requests sent, ${gateRows} rows; phases failing the check: ${
        gatePhases
          .filter((phase) => !phase.rowCheck.pass)
          .map((phase) => phase.label)
          .join(', ') || 'none'
      }`,
      pass: gatePhases.every((phase) => phase.rowCheck.pass),
    },
  ].map((target) => ({ ...target, verdict: verdict(target.pass) }));

  return { closedRows, floorPeak, openGate, openFloor, p99Ratio, targets, errorCount };
}

const heapSetting = (settings) =>
  settings.gateHeapMiB > 0 ? `--max-old-space-size=${settings.gateHeapMiB}` : "V8's own heap sizing";

export function renderReport({ meta, settings, summary, sweep, openLoop, rateUsed }) {
  const out = [];
  out.push(`autopilot-gate bench, ${meta.date} on ${meta.machine}`);
  out.push(
    `${meta.node}, ${meta.postgres}; ${settings.durationSeconds} s per point after a ${settings.warmupSeconds} s warm-up; DB pool ${settings.poolMax} for both`,
  );
  out.push(
    `gate: ${[heapSetting(settings), ...settings.gateNodeArgs].join(' ')}; load average at the start ${meta.loadAverage ?? '-'}`,
  );
  out.push('');
  out.push(
    'Closed loop (autocannon, keep-alive, one connection per unit of concurrency; latencies in ms: p50 / p99 / max)',
  );
  out.push(
    renderTable(
      [
        'conc',
        'gate req/s',
        'floor req/s',
        'gate/floor',
        'gate latency',
        'floor latency',
        'errors g/f',
        'gate CPU ms/req',
        'floor CPU ms/req',
        'gate RSS MiB',
      ],
      summary.closedRows.map(({ connections, gate, floor, ratio }) => [
        connections,
        fixed(gate?.reqPerSec),
        fixed(floor?.reqPerSec),
        `${fixed(ratio * 100, 1)} %`,
        gate ? latency(gate.latencyMs) : '-',
        floor ? latency(floor.latencyMs) : '-',
        `${gate ? gate.errors + gate.non2xx : '-'}/${floor ? floor.errors + floor.non2xx : '-'}`,
        fixed(gate?.cpu?.serverMsPerRequest, 2),
        fixed(floor?.cpu?.serverMsPerRequest, 2),
        fixed(gate?.memoryMiB.peakRssDuringPhase, 1),
      ]),
    ),
  );
  out.push('');
  const pacing =
    settings.openLoopPacer === 'even'
      ? `evenly paced over ${settings.openLoopConnections} connections`
      : `autocannon overallRate over ${settings.openLoopConnections} connections`;
  out.push(
    `Open loop at ${fixed(rateUsed)} req/s = ${fixed(settings.openLoopFraction * 100)} % of the floor's peak ${fixed(summary.floorPeak)} req/s (${pacing})`,
  );
  out.push(
    renderTable(
      ['server', 'achieved req/s', 'p50', 'p90', 'p99', 'max', 'late starts', 'errors', 'CPU ms/req', 'RSS MiB'],
      openLoop.map((phase) => [
        phase.target,
        fixed(phase.reqPerSec),
        ms(phase.latencyMs.p50),
        ms(phase.latencyMs.p90),
        ms(phase.latencyMs.p99),
        ms(phase.latencyMs.max),
        phase.lateStarts.count,
        phase.errors + phase.non2xx,
        fixed(phase.cpu?.serverMsPerRequest, 2),
        fixed(phase.memoryMiB.peakRssDuringPhase, 1),
      ]),
    ),
  );
  out.push(`p99 gate/floor: ${fixed(summary.p99Ratio, 2)} x`);
  out.push('');
  out.push(
    'Where the 2 cores went, CPU ms per request (server = gate or floor; postgres = backends of the bench database; fakes = Graph, issuer, authority; load = autocannon)',
  );
  out.push(
    renderTable(
      ['phase', 'server', 'postgres', 'fakes', 'load', 'sum', 'machine busy'],
      [...sweep, ...openLoop].map((phase) => {
        const c = phase.cpu;
        const sum = c.serverMsPerRequest + c.postgresMsPerRequest + c.fakesMsPerRequest + c.loadGeneratorMsPerRequest;
        return [
          phase.label,
          fixed(c.serverMsPerRequest, 2),
          fixed(c.postgresMsPerRequest, 2),
          fixed(c.fakesMsPerRequest, 2),
          fixed(c.loadGeneratorMsPerRequest, 2),
          fixed(sum, 2),
          `${fixed(c.machineBusyPercent)} %`,
        ];
      }),
    ),
  );
  out.push('');
  out.push('Targets');
  for (const target of summary.targets) out.push(`  [${target.verdict}] ${target.name}: ${target.display}`);
  return out.join('\n');
}
