// Timing helpers of the audit benchmark: one request or statement at a time, gate and floor alternating.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Pool } from 'undici';
import { to as copyTo } from 'pg-copy-streams';
import { PROJECT_DIR } from '../lib/environment.mjs';
import { percentile } from '../lib/load.mjs';

const require = createRequire(import.meta.url);
const { canonicalRecord, GENESIS_HASH } = require(join(PROJECT_DIR, 'dist/audit/chain/canonical-record.js'));

export function latencySummary(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1) };
}

/** One keep-alive connection to the gate: requests are timed one at a time, body included. */
export function gateClient(baseUrl, token) {
  const pool = new Pool(baseUrl, { connections: 1, pipelining: 1, bodyTimeout: 600_000, headersTimeout: 600_000 });
  const headers = { authorization: `Bearer ${token}` };
  return {
    /** Timed to the last byte of the answer; parsing it is the client's business, as the floor's rows are pg's. */
    async getJson(path) {
      const started = performance.now();
      const response = await pool.request({ method: 'GET', path, headers });
      const text = await response.body.text();
      const ms = performance.now() - started;
      if (response.statusCode !== 200)
        throw new Error(`GET ${path} answered ${response.statusCode}: ${text.slice(0, 300)}`);
      return { ms, body: JSON.parse(text) };
    },
    /** Streams a body to its end, counting bytes and line ends, without keeping it. */
    async stream(path, lineEnd) {
      const started = performance.now();
      const response = await pool.request({ method: 'GET', path, headers });
      if (response.statusCode !== 200)
        throw new Error(`GET ${path} answered ${response.statusCode}: ${await response.body.text()}`);
      const counted = await countLines(response.body, lineEnd);
      return { ms: performance.now() - started, ...counted };
    },
    close: () => pool.close(),
  };
}

export async function timeSql(client, query) {
  const started = performance.now();
  const result = await client.query(query);
  return { ms: performance.now() - started, rows: result.rows };
}

/** Alternates gate and floor so a drift of the shared machine does not favour one; warm-ups are not counted. */
export async function alternate({ samples, warmup, gate, floor }) {
  for (let i = 0; i < warmup; i++) {
    await gate();
    await floor();
  }
  const timings = { gate: [], floor: [] };
  for (let i = 0; i < samples; i++) {
    const [first, second] = i % 2 === 0 ? ['gate', 'floor'] : ['floor', 'gate'];
    timings[first].push(await (first === 'gate' ? gate : floor)());
    timings[second].push(await (second === 'gate' ? gate : floor)());
  }
  return { gate: latencySummary(timings.gate), floor: latencySummary(timings.floor) };
}

/** The export's floor: Postgres writing the same rows as CSV itself, read to the end by `pg`. */
export async function copyToCsv(client, selectSql) {
  const started = performance.now();
  const stream = client.query(copyTo(`COPY (${selectSql}) TO STDOUT WITH (FORMAT csv, HEADER)`));
  const counted = await countLines(stream, '\n');
  return { ms: performance.now() - started, ...counted };
}

/**
 * The integrity walk's floor: read the same rows in seq batches with `pg` (each attempt with its link, rendered as the
 * walk reads them) and hash the same bytes, nothing else: no scope, no checkpoints, no HTTP.
 */
export async function bareChainLoop(client, chainedJson, toSeq, batchSize = 1000) {
  const started = performance.now();
  let prevHash = GENESIS_HASH;
  let next = 1;
  let records = 0;
  const query = `SELECT ${chainedJson} FROM "audit_chain" c JOIN "attempts" a ON a."id" = c."attempt_id" WHERE c."seq" >= $1 AND c."seq" <= $2 ORDER BY c."seq" LIMIT $3`;
  for (;;) {
    const { rows } = await client.query(query, [next, toSeq, batchSize]);
    for (const row of rows) {
      const attempt = JSON.parse(row.json);
      const hash = createHash('sha256').update(prevHash).update(canonicalRecord(attempt)).digest('hex');
      if (hash !== attempt.hash) throw new Error(`the bare loop found seq ${row.seq} broken: the seed is wrong`);
      prevHash = hash;
      records += 1;
    }
    if (rows.length < batchSize) break;
    next = Number(rows.at(-1).seq) + 1;
  }
  return { ms: performance.now() - started, records };
}

async function countLines(stream, lineEnd) {
  let bytes = 0;
  let lines = 0;
  let previousEndedWithCr = false;
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    bytes += buffer.length;
    for (let index = buffer.indexOf(10); index !== -1; index = buffer.indexOf(10, index + 1)) {
      if (lineEnd === '\r\n' && !(index > 0 ? buffer[index - 1] === 13 : previousEndedWithCr)) continue;
      lines += 1;
    }
    previousEndedWithCr = buffer.at(-1) === 13;
  }
  return { bytes, lines };
}
