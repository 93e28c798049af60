// Seeds the audit benchmark's database: N attempts over two years with COPY, already sealed on the hash chain
// (the gate's own canonical form and hash, from dist/), and a checkpoint every 1000 records signed with the key
// the gate is started with. Deterministic: the same N gives the same attempts (ids and hashes aside).
import { createPrivateKey, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { PROJECT_DIR } from '../lib/environment.mjs';

const require = createRequire(import.meta.url);
const { chainHash, GENESIS_HASH } = require(join(PROJECT_DIR, 'dist/audit/chain/canonical-record.js'));
const { checkpointStatement, signStatement } = require(join(PROJECT_DIR, 'dist/audit/chain/signed-statements.js'));
const { keyIdOf } = require(join(PROJECT_DIR, 'dist/audit/chain/audit-signing-key.js'));
const { attemptFromRow } = require(join(PROJECT_DIR, 'dist/audit/attempt-from-row.js'));
const { createPublicKey } = require('node:crypto');

const DAY_MS = 24 * 60 * 60 * 1000;
const CHECKPOINT_EVERY = 1000;
export const SEED_SHAPE = { users: 500, apps: 30, devices: 20_000, tickets: 5_000, years: 2 };

// Outcome mix of a gate in use: mostly successes, the refusals an ITSM integration produces, a few Graph failures.
const OUTCOMES = [
  ['succeeded', 0.7, 200, null],
  ['ticket_rejected', 0.1, 422, 'CHANGE_TICKET_REJECTED'],
  ['policy_denied', 0.08, 403, 'POLICY_DENIED'],
  ['unauthenticated', 0.03, 401, 'UNAUTHENTICATED'],
  ['graph_failed', 0.03, 502, 'GRAPH_ERROR'],
  ['invalid_request', 0.02, 400, 'INVALID_REQUEST'],
  ['rate_limited', 0.02, 429, 'RATE_LIMITED'],
  ['graph_timeout', 0.01, 504, 'GRAPH_TIMEOUT'],
  ['device_not_found', 0.01, 404, 'DEVICE_NOT_FOUND'],
];
const GROUP_TAGS = ['MTR-EU', 'MTR-US', 'MTR-APAC', 'LAB', 'KIOSK', null];
const COLUMNS = [
  'id',
  'received_at',
  'settled_at',
  'outcome',
  'http_status',
  'error_code',
  'entry_point',
  'simulated',
  'correlation_id',
  'actor_oid',
  'actor_tenant_id',
  'actor_upn',
  'actor_app_id',
  'actor_kind',
  'actor_roles',
  'client_ip',
  'user_agent',
  'device_id',
  'device_snapshot',
  'change_ticket',
  'ticket_snapshot',
  'justification',
  'break_glass',
  'decision',
  'decision_reason',
  'policy_version',
  'graph_status',
  'graph_error_code',
  'graph_error_message',
  'graph_request_id',
  'graph_client_request_id',
  'graph_duration_ms',
  'duration_ms',
];

function prng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const uuidFrom = (n, salt) => `${salt}-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** The population the attempts are drawn from: who, which devices, which tickets. */
export function population() {
  const users = Array.from({ length: SEED_SHAPE.users }, (_, i) => ({
    oid: uuidFrom(i, '0a0a0a0a'),
    upn: `user${i}@contoso.example`,
    kind: 'user',
  }));
  const apps = Array.from({ length: SEED_SHAPE.apps }, (_, i) => ({
    oid: uuidFrom(i, '0b0b0b0b'),
    appId: uuidFrom(i, '0c0c0c0c'),
    kind: 'app',
  }));
  const devices = Array.from({ length: SEED_SHAPE.devices }, (_, i) => ({
    id: uuidFrom(i, '0d0d0d0d'),
    serialNumber: `SN${String(i).padStart(8, '0')}`,
    groupTag: GROUP_TAGS[i % GROUP_TAGS.length],
  }));
  const tickets = Array.from({ length: SEED_SHAPE.tickets }, (_, i) => `CHG${String(1_000_000 + i)}`);
  return { users, apps, devices, tickets };
}

function* attempts(count, now) {
  const random = prng(20261203);
  const { users, apps, devices, tickets } = population();
  const span = SEED_SHAPE.years * 365 * DAY_MS;
  const step = span / count;
  const pick = (list) => list[Math.floor(random() * list.length)];
  for (let i = 0; i < count; i++) {
    const receivedAt = new Date(Math.floor(now - span + i * step));
    const durationMs = 40 + Math.floor(random() * 400);
    let roll = random();
    const [outcome, , httpStatus, errorCode] = OUTCOMES.find(([, share]) => (roll -= share) < 0) ?? OUTCOMES[0];
    const actor = outcome === 'unauthenticated' ? null : random() < 0.1 ? pick(apps) : pick(users);
    const device = pick(devices);
    const ticket = pick(tickets);
    const allowed = !['unauthenticated', 'invalid_request', 'policy_denied', 'ticket_rejected'].includes(outcome);
    const graphStatus =
      outcome === 'succeeded'
        ? 204
        : outcome === 'graph_failed'
          ? 500
          : outcome === 'rate_limited'
            ? 429
            : outcome === 'device_not_found'
              ? 404
              : null;
    yield {
      id: randomUUID(),
      received_at: receivedAt,
      settled_at: new Date(receivedAt.getTime() + durationMs),
      outcome,
      http_status: httpStatus,
      error_code: errorCode,
      entry_point: random() < 0.2 ? 'graph-facade' : 'v1',
      simulated: false,
      correlation_id: randomUUID(),
      actor_oid: actor?.oid ?? null,
      actor_tenant_id: actor ? '11111111-2222-4333-8444-555555555555' : null,
      actor_upn: actor?.upn ?? null,
      actor_app_id: actor?.appId ?? null,
      actor_kind: actor?.kind ?? null,
      actor_roles: actor ? ['Autopilot.ResourceAccount.Unassign'] : [],
      client_ip: `10.${i % 250}.${(i >> 8) % 250}.${(i >> 16) % 250}`,
      user_agent: actor?.kind === 'app' ? 'ServiceNow/Orchestration' : 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
      device_id: device.id,
      device_snapshot:
        outcome === 'unauthenticated' || outcome === 'invalid_request'
          ? null
          : {
              id: device.id,
              serialNumber: device.serialNumber,
              groupTag: device.groupTag,
              displayName: `ROOM-${device.serialNumber}`,
              manufacturer: 'Microsoft Corporation',
              model: 'Surface Hub 2S',
              resourceName: `room-${device.serialNumber.toLowerCase()}@contoso.example`,
              enrollmentState: 'enrolled',
              deploymentProfileAssignmentStatus: 'assignedInSync',
            },
      change_ticket: ticket,
      ticket_snapshot: allowed
        ? {
            number: ticket,
            state: 'Implement',
            approval: 'approved',
            plannedStart: new Date(receivedAt.getTime() - 3_600_000).toISOString(),
            plannedEnd: new Date(receivedAt.getTime() + 3_600_000).toISOString(),
          }
        : null,
      justification: 'Room decommissioned; the resource account moves to the replacement room.',
      break_glass: false,
      decision: allowed ? 'allowed' : outcome === 'unauthenticated' ? null : 'denied',
      decision_reason: allowed ? 'role Autopilot.ResourceAccount.Unassign' : `refused: ${errorCode}`,
      policy_version: 'b1946ac92492d2347c6235b4d2611184e1b0e6b5c3f7b7f0a0d6e3d5f0c9a8b7',
      graph_status: graphStatus,
      graph_error_code: outcome === 'graph_failed' ? 'InternalServerError' : null,
      graph_error_message: outcome === 'graph_failed' ? 'An internal server error occurred.' : null,
      graph_request_id: graphStatus ? randomUUID() : null,
      graph_client_request_id: graphStatus ? randomUUID() : null,
      graph_duration_ms: graphStatus ? Math.floor(durationMs * 0.6) : null,
      duration_ms: durationMs,
    };
  }
}

function csvField(value) {
  if (value === null || value === undefined) return '';
  let text;
  if (value instanceof Date) text = value.toISOString();
  else if (Array.isArray(value)) text = `{${value.map((item) => `"${item}"`).join(',')}}`;
  else if (typeof value === 'object') text = JSON.stringify(value);
  else text = String(value);
  return text === '' || /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * COPYs `count` attempts and their chain links into a migrated, empty database and signs its checkpoints. Indexes are
 * dropped for the load and built again after it, as a restore would. The links go through a file in `workDir`: they
 * are known only as the attempts are hashed, and a million of them should not wait in memory.
 */
export async function seedAttempts({ databaseUrl, count, signingKeyFile, workDir, log }) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const privateKey = createPrivateKey(readFileSync(signingKeyFile, 'utf8'));
  const keyId = keyIdOf(createPublicKey(privateKey));
  try {
    // The append-only insert trigger refuses chain columns from anyone but the sealer; the seed is the sealer here.
    await client.query(`SET session_replication_role = replica`);
    await client.query(`SET maintenance_work_mem = '256MB'`);
    const { rows: indexes } = await client.query(
      `SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('attempts', 'audit_chain') AND indexname NOT IN ('attempts_pkey', 'audit_chain_pkey')`,
    );
    for (const { indexname } of indexes) await client.query(`DROP INDEX "${indexname}"`);

    const started = Date.now();
    const now = Date.now() - 60_000;
    const checkpoints = [];
    let prevHash = GENESIS_HASH;
    let seq = 0;
    let previousSignature = null;
    const linksFile = join(workDir, 'audit-chain.csv');
    const links = createWriteStream(linksFile);
    async function* lines() {
      let chunk = '';
      for (const row of attempts(count, now)) {
        seq += 1;
        const hash = chainHash(prevHash, attemptFromRow(row));
        if (!links.write(`${seq},${row.id},${prevHash},${hash}\n`))
          await new Promise((resolve) => links.once('drain', resolve));
        prevHash = hash;
        if (seq % CHECKPOINT_EVERY === 0 || seq === count) {
          const unsigned = { seq, hash, signedAt: new Date(row.settled_at.getTime() + 1000), keyId, previousSignature };
          const signature = signStatement(checkpointStatement(unsigned), privateKey);
          checkpoints.push({ ...unsigned, signature });
          previousSignature = signature;
        }
        chunk += `${COLUMNS.map((column) => csvField(row[column])).join(',')}\n`;
        if (chunk.length > 1 << 20) {
          yield chunk;
          chunk = '';
        }
        if (seq % 100_000 === 0) log(`  ${seq.toLocaleString('en')} attempts generated, hashed and sent`);
      }
      if (chunk) yield chunk;
    }
    await pipeline(
      Readable.from(lines()),
      client.query(copyFrom(`COPY attempts (${COLUMNS.map((c) => `"${c}"`).join(', ')}) FROM STDIN WITH (FORMAT csv)`)),
    );
    links.end();
    await finished(links);
    await pipeline(
      createReadStream(linksFile),
      client.query(copyFrom('COPY audit_chain (seq, attempt_id, prev_hash, hash) FROM STDIN WITH (FORMAT csv)')),
    );
    log(
      `  COPY of ${count.toLocaleString('en')} attempts and their links: ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );

    for (let i = 0; i < checkpoints.length; i += 500) {
      const batch = checkpoints.slice(i, i + 500);
      const values = [];
      const tuples = batch.map(
        (c) =>
          `(${[c.seq, c.hash, c.signedAt, c.keyId, c.signature, c.previousSignature].map((v) => `$${values.push(v)}`).join(', ')})`,
      );
      await client.query(
        `INSERT INTO audit_checkpoints (seq, hash, signed_at, key_id, signature, previous_signature) VALUES ${tuples.join(', ')}`,
        values,
      );
    }
    await client.query(`UPDATE audit_chain_head SET seq = $1, hash = $2, sealed_at = now()`, [seq, prevHash]);

    const indexing = Date.now();
    for (const { indexdef } of indexes) await client.query(indexdef);
    log(`  ${indexes.length} indexes built again: ${((Date.now() - indexing) / 1000).toFixed(0)} s`);
    await client.query('VACUUM (ANALYZE) attempts');
    await client.query('VACUUM (ANALYZE) audit_chain');
    return { count: seq, checkpoints: checkpoints.length, head: prevHash, seconds: (Date.now() - started) / 1000 };
  } finally {
    await client.end();
  }
}
