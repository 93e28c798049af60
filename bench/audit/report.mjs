// The audit benchmark's table: every measurement beside its floor, the ratio, and the targets of issue 6.

export const AUDIT_TARGETS = {
  firstPageP95Ratio: 2,
  deepPageRatio: 1.25,
  exportRowsRatio: 0.5,
  exportPeakRssMiB: 250,
  summaryRatio: 1.5,
  integrityRatio: 0.5,
};

const ms = (value) => (value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0));
const ratio = (value) => `${value.toFixed(2)} x`;
const rate = (value) => Math.round(value).toLocaleString('en');

function table(headers, rows) {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => String(row[column]).length)),
  );
  const line = (cells) => `| ${cells.map((cell, column) => String(cell).padStart(widths[column])).join(' | ')} |`;
  return [line(headers), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** The targets of the phases that ran (BENCH_AUDIT_PHASES). */
export function auditTargets(results) {
  const targets = [];
  if (results.firstPages.length > 0) {
    const worstPage = Math.max(...results.firstPages.map((page) => page.ratio));
    targets.push({
      name: 'first page of each filter: gate p95 <= 2 x the same SQL on pg',
      display: `worst ${ratio(worstPage)}`,
      pass: worstPage <= AUDIT_TARGETS.firstPageP95Ratio,
    });
  }
  if (results.deepWalk) {
    const { deepWalk } = results;
    targets.push({
      name: `page ${deepWalk.pages} as fast as page 1 (p50 within 1.25 x)`,
      display: ratio(deepWalk.ratio),
      pass: deepWalk.ratio <= AUDIT_TARGETS.deepPageRatio,
    });
  }
  if (results.export) {
    const { csv } = results.export;
    targets.push({
      name: 'CSV export: >= 50 % of COPY rows/s',
      display: `${(results.export.ratio * 100).toFixed(1)} %`,
      pass: results.export.ratio >= AUDIT_TARGETS.exportRowsRatio,
    });
    targets.push({
      name: 'CSV export: gate peak RSS < 250 MB',
      display: `${csv.peakRssMiB.toFixed(0)} MiB`,
      pass: csv.peakRssMiB < AUDIT_TARGETS.exportPeakRssMiB,
    });
  }
  if (results.summaries.length > 0) {
    const worstSummary = Math.max(...results.summaries.map((summary) => summary.ratio));
    targets.push({
      name: 'summary over a year: gate p50 <= 1.5 x the same SQL',
      display: `worst ${ratio(worstSummary)}`,
      pass: worstSummary <= AUDIT_TARGETS.summaryRatio,
    });
  }
  if (results.integrity) {
    targets.push({
      name: 'integrity walk: >= 50 % of a bare read-and-hash loop',
      display: `${(results.integrity.ratio * 100).toFixed(1)} %`,
      pass: results.integrity.ratio >= AUDIT_TARGETS.integrityRatio,
    });
  }
  return targets;
}

export function renderAuditReport(results) {
  const { meta, seed } = results;
  return [
    `autopilot-gate audit benchmark, ${meta.date}`,
    `${meta.machine}; ${meta.node}; ${meta.postgres}`,
    `seed: ${seed.count.toLocaleString('en')} attempts over two years, ${seed.checkpoints} signed checkpoints, ${seed.seconds.toFixed(0)} s`,
    ...(results.firstPages.length > 0 ? renderFirstPages(results) : []),
    ...(results.deepWalk ? renderDeepWalk(results) : []),
    ...(results.export ? renderExport(results) : []),
    ...(results.summaries.length > 0 ? renderSummaries(results) : []),
    ...(results.integrity ? renderIntegrity(results) : []),
    '',
    table(
      ['target', 'result', 'verdict'],
      results.targets.map((target) => [target.name, target.display, target.pass ? 'PASS' : 'MISS']),
    ),
  ].join('\n');
}

function renderFirstPages({ firstPages }) {
  return [
    '',
    'First page (limit 50) through the HTTP API vs the same SQL on pg, ms (the gate until its last byte, the floor until pg has the rows)',
    table(
      ['filter', 'items', 'gate p50', 'gate p95', 'floor p50', 'floor p95', 'p95 gate/floor'],
      firstPages.map((page) => [
        page.name,
        page.items,
        ms(page.gate.p50),
        ms(page.gate.p95),
        ms(page.floor.p50),
        ms(page.floor.p95),
        ratio(page.ratio),
      ]),
    ),
  ];
}

function renderDeepWalk({ deepWalk }) {
  return [
    '',
    `Deep walk: ${deepWalk.pages} pages of 50 followed with next (p50 ${ms(deepWalk.walk.p50)} ms, p95 ${ms(deepWalk.walk.p95)} ms per page); ` +
      `page 1 p50/p95 ${ms(deepWalk.page1.p50)}/${ms(deepWalk.page1.p95)} ms, page ${deepWalk.pages} ${ms(deepWalk.pageN.p50)}/${ms(deepWalk.pageN.p95)} ms: p50 ${ratio(deepWalk.ratio)}`,
  ];
}

function renderExport(results) {
  const exported = results.export;
  return [
    '',
    'Export of every attempt',
    table(
      ['', 'records', 'MB', 'seconds', 'rows/s', 'gate peak RSS MiB'],
      [
        [
          'gate CSV',
          exported.csv.records,
          (exported.csv.bytes / 1e6).toFixed(0),
          (exported.csv.ms / 1000).toFixed(1),
          rate(exported.csv.rowsPerSec),
          exported.csv.peakRssMiB.toFixed(0),
        ],
        [
          'COPY ... CSV',
          exported.copy.records,
          (exported.copy.bytes / 1e6).toFixed(0),
          (exported.copy.ms / 1000).toFixed(1),
          rate(exported.copy.rowsPerSec),
          '-',
        ],
        [
          'gate NDJSON',
          exported.ndjson.lines,
          (exported.ndjson.bytes / 1e6).toFixed(0),
          (exported.ndjson.ms / 1000).toFixed(1),
          rate(exported.ndjson.rowsPerSec),
          exported.ndjson.peakRssMiB.toFixed(0),
        ],
      ],
    ),
    `CSV: ${(exported.ratio * 100).toFixed(1)} % of COPY's rows/s; the gate's RSS was ${exported.gateRssBeforeMiB.toFixed(0)} MiB before the exports`,
  ];
}

function renderSummaries({ summaries }) {
  return [
    '',
    'Summary over the last year through the API vs the same aggregate SQL, ms',
    table(
      ['groupBy', 'gate p50', 'gate p95', 'floor p50', 'floor p95', 'p50 gate/floor'],
      summaries.map((summary) => [
        summary.groupBy,
        ms(summary.gate.p50),
        ms(summary.gate.p95),
        ms(summary.floor.p50),
        ms(summary.floor.p95),
        ratio(summary.ratio),
      ]),
    ),
  ];
}

function renderIntegrity({ integrity }) {
  return [
    '',
    `Integrity walk over ${integrity.records.toLocaleString('en')} records (${integrity.checkpoints} checkpoints): gate ${rate(integrity.gate.recordsPerSec)} records/s ` +
      `(${(integrity.gate.p50 / 1000).toFixed(1)} s), bare read-and-hash loop ${rate(integrity.floor.recordsPerSec)} records/s (${(integrity.floor.p50 / 1000).toFixed(1)} s): ` +
      `${(integrity.ratio * 100).toFixed(1)} %`,
  ];
}
