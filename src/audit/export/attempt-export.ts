import { pipeline, Readable, Transform } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { Checkpoint } from '../chain/signed-statements';
import type { RenderedAttempt } from '../query/audit-attempts.repository';

export const EXPORT_FORMATS = ['csv', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson',
};

/**
 * RFC 4180 (header row, CRLF, quotes doubled, any field with a quote, comma or line break quoted) through
 * csv-stringify. A cell that would start with = + - @ tab or CR gets a leading ' so that a spreadsheet shows it as
 * text instead of running it. The CSV is for reading; verify with the NDJSON export.
 */
export function csvExport(columns: string[], batches: AsyncIterable<RenderedAttempt<string[]>[]>): Readable {
  const rows = new Transform({
    objectMode: true,
    transform(batch: RenderedAttempt<string[]>[], _encoding, done) {
      for (const attempt of batch) this.push(attempt.value);
      done();
    },
  });
  const csv = stringify({
    header: true,
    columns,
    record_delimiter: 'windows',
    quote_record_delimiter: true,
    escape_formulas: true,
  });
  // pipeline destroys every stage when one fails: a database error mid-way ends the response in an error, not in a
  // short file that looks complete.
  return pipeline(Readable.from(batches, { highWaterMark: 1 }), rows, csv, () => undefined);
}

/**
 * One attempt per line, exactly as the API shows it (chain members included), then the checkpoints that anchor
 * them, each as `{"checkpoint": {...}}`: what `npm run audit:verify` needs to check the file offline.
 */
export function ndjsonExport(
  batches: AsyncIterable<RenderedAttempt<string>[]>,
  checkpointsFor: (fromSeq: number, toSeq: number) => Promise<Checkpoint[]>,
): Readable {
  return Readable.from(ndjsonLines(batches, checkpointsFor), { objectMode: false });
}

async function* ndjsonLines(
  batches: AsyncIterable<RenderedAttempt<string>[]>,
  checkpointsFor: (fromSeq: number, toSeq: number) => Promise<Checkpoint[]>,
): AsyncGenerator<string> {
  let lowest = Infinity;
  let highest = -Infinity;
  for await (const batch of batches) {
    let text = '';
    for (const attempt of batch) {
      text += `${attempt.value}\n`;
      if (attempt.seq !== null) {
        lowest = Math.min(lowest, attempt.seq);
        highest = Math.max(highest, attempt.seq);
      }
    }
    yield text;
  }
  if (highest < lowest) return;
  let text = '';
  for (const checkpoint of await checkpointsFor(lowest, highest)) text += `${JSON.stringify({ checkpoint })}\n`;
  if (text) yield text;
}
