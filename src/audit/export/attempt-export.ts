import { pipeline, Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { StoredAttempt } from '../../attempts/attempt';
import { Prisma } from '../../generated/prisma/client';
import type { Checkpoint } from '../chain/signed-statements';

export const EXPORT_FORMATS = ['csv', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = { csv: 'text/csv; charset=utf-8', ndjson: 'application/x-ndjson' };

/** CSV columns: every field of the Attempt model, in schema order (a column added later joins by itself). */
export const CSV_COLUMNS: readonly string[] = Object.values(Prisma.AttemptScalarFieldEnum);

/**
 * RFC 4180 (header row, CRLF, quotes doubled, any field with a quote, comma or line break quoted) through
 * csv-stringify. A cell that would start with = + - @ tab or CR gets a leading ' so that a spreadsheet shows it
 * as text instead of running it (numbers excepted). The CSV is for reading; verify with the NDJSON export.
 */
export function csvExport(batches: AsyncIterable<StoredAttempt[]>): Readable {
  const csv = stringify({
    header: true,
    columns: [...CSV_COLUMNS],
    record_delimiter: 'windows',
    quote_record_delimiter: true,
    escape_formulas: true,
    cast: { date: (value) => value.toISOString(), boolean: (value) => String(value) },
  });
  const rows = Readable.from(csvRows(batches));
  // pipeline destroys the CSV stream when reading fails, so the response ends in an error, not a short "complete" file.
  return pipeline(rows, csv, () => undefined);
}

async function* csvRows(batches: AsyncIterable<StoredAttempt[]>): AsyncGenerator<unknown[]> {
  for await (const batch of batches) {
    for (const attempt of batch) {
      const record = attempt as unknown as Record<string, unknown>;
      yield CSV_COLUMNS.map((column) => record[column]);
    }
  }
}

/**
 * One attempt per line, exactly as the API shows it (chain members included), then the checkpoints that anchor
 * them, each as `{"checkpoint": {...}}`: what `npm run audit:verify` needs to check the file offline.
 */
export function ndjsonExport(batches: AsyncIterable<StoredAttempt[]>, checkpointsFor: (fromSeq: number, toSeq: number) => Promise<Checkpoint[]>): Readable {
  return Readable.from(ndjsonLines(batches, checkpointsFor), { objectMode: false });
}

async function* ndjsonLines(
  batches: AsyncIterable<StoredAttempt[]>,
  checkpointsFor: (fromSeq: number, toSeq: number) => Promise<Checkpoint[]>,
): AsyncGenerator<string> {
  let lowest = Infinity;
  let highest = -Infinity;
  for await (const batch of batches) {
    let text = '';
    for (const attempt of batch) {
      text += `${JSON.stringify(attempt)}\n`;
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
