/** One sample line of the Prometheus text format (0.0.4): `name{label="value",...} 1.5`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  /** Metric family name to its `# TYPE` (counter, gauge, histogram, summary, untyped). */
  types: Map<string, string>;
  help: Map<string, string>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;

/** Reads an exposition the way Prometheus does; a line it could not read is an error, not something skipped. */
export function parsePrometheusText(text: string): Exposition {
  const exposition: Exposition = { samples: [], types: new Map(), help: new Map() };
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const meta = /^#\s+(TYPE|HELP)\s+(\S+)\s?(.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') exposition.types.set(meta[2], meta[3]);
      else exposition.help.set(meta[2], unescape(meta[3]));
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`line ${index + 1} is not a sample: ${line}`);
    exposition.samples.push({
      name: sample[1],
      labels: parseLabels(sample[3] ?? '', index + 1),
      value: parseValue(sample[4], index + 1),
    });
  }
  return exposition;
}

/** The sum of the samples named `name` whose labels include `labels` (0 when there are none). */
export function valueOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): number {
  return exposition.samples
    .filter(
      (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    )
    .reduce((sum, sample) => sum + sample.value, 0);
}

function parseLabels(text: string, lineNumber: number): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const match = LABEL.exec(text);
    if (!match) throw new Error(`line ${lineNumber}: unreadable labels {${text}}`);
    labels[match[1]] = unescape(match[2]);
  }
  return labels;
}

/** As Prometheus reads them (Go's ParseFloat): `NaN`, `+Inf`, `-Inf` in any case; prom-client writes `Nan`. */
function parseValue(text: string, lineNumber: number): number {
  const special = { nan: NaN, inf: Infinity, '+inf': Infinity, '-inf': -Infinity }[text.toLowerCase()];
  if (special !== undefined) return special;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`line ${lineNumber}: ${text} is not a number`);
  return value;
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, (_, character: string) => (character === 'n' ? '\n' : character));
}
