// Everything the run needs around the two servers: TLS certificate, signing key and tokens, the bench database,
// the fakes process, the gate and the floor as child processes. Every address is on 127.0.0.1 / localhost.
import { execFileSync, fork, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import pg from 'pg';

export const BENCH_DIR = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
export const PROJECT_DIR = join(BENCH_DIR, '..');
export const AUDIENCE = 'api://autopilot-gate-bench';
export const UNASSIGN_ROLE = 'Autopilot.ResourceAccount.Unassign';
export const ADMIN_ROLE = 'ChangeTickets.Admin';
export const TENANT_ID = '11111111-2222-4333-8444-555555555555';

/** The same recipe the test suite uses: self-signed, CA:TRUE, valid for localhost and 127.0.0.1. */
export function createTlsCertificate(dir) {
  const certPath = join(dir, 'authority-cert.pem');
  const keyPath = join(dir, 'authority-key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
    ],
    { stdio: 'ignore' },
  );
  return { certPath, keyPath };
}

/** The Ed25519 key production requires for the audit checkpoints (AUDIT_SIGNING_KEY_FILE). */
export function createAuditSigningKeyFile(dir) {
  const file = join(dir, 'audit-signing-key.pem');
  writeFileSync(file, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
  });
  return file;
}

export async function createSigningKey() {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid: 'bench-key-1', alg: 'RS256', use: 'sig' };
  return { privateKey, publicJwk };
}

/** An app-only (client-credentials) caller token, as Entra issues them: RS256, oid/tid/roles/idtyp. */
export function signCallerToken({ privateKey, issuer, roles, oid, lifetimeSeconds = 4 * 3600 }) {
  return new SignJWT({
    oid,
    tid: TENANT_ID,
    roles,
    idtyp: 'app',
    azp: '99999999-8888-4777-8666-555555555555',
    ver: '2.0',
  })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: 'bench-key-1' })
    .setIssuer(issuer)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setNotBefore('-1m')
    .setExpirationTime(`${lifetimeSeconds}s`)
    .sign(privateKey);
}

export function databaseUrlFor(adminUrl, name) {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withAdminClient(adminUrl, work) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function recreateDatabase(adminUrl, name) {
  await withAdminClient(adminUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"`);
  });
}

export async function dropDatabase(adminUrl, name) {
  await withAdminClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function awaitMessage(child, type, what, timeoutMs = 20_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within ${timeoutMs} ms`)), timeoutMs);
    child.on('message', function onMessage(message) {
      if (message?.type === type) {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(message);
      } else if (message?.type === 'failed') {
        clearTimeout(timer);
        reject(new Error(`${what} failed: ${message.error}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} before it was ready`));
    });
  });
}

export async function startFakes({ publicJwk, tlsCertPath, tlsKeyPath }) {
  const child = fork(join(BENCH_DIR, 'fakes-process.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const started = awaitMessage(child, 'started', 'the fakes process');
  child.send({ type: 'start', publicJwk, tlsCertPath, tlsKeyPath });
  const addresses = await started;
  return {
    child,
    ...addresses,
    async counters() {
      const reply = awaitMessage(child, 'counters', 'the fakes counters', 5_000);
      child.send({ type: 'counters' });
      return (await reply).counters;
    },
  };
}

async function waitUntilReady(url, child, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let exited = null;
  child.once('exit', (code, signal) => {
    exited = `${code ?? signal}`;
  });
  for (;;) {
    if (exited !== null) throw new Error(`${what} exited (${exited}) before it was ready`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${what} was not ready at ${url} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * The gate exactly as production starts it: compiled, `node dist/main.js`, NODE_ENV=production, LOG_LEVEL=warn,
 * a real issuer, live Graph through @azure/identity's client-secret credential, local tickets, real Postgres.
 * With cpuProfileDir, it runs under --cpu-prof and leaves on SIGUSR2 through a clean exit (see exit-on-signal.cjs).
 */
export async function startGate({
  fakes,
  databaseUrl,
  tlsCertPath,
  auditSigningKeyFile,
  poolMax,
  cpuProfileDir,
  extraNodeArgs = [],
  extraEnv = {},
  gateDir = PROJECT_DIR,
}) {
  const port = await freePort();
  // Not the default 9464: the machine is shared, and the bench must not collide with a gate someone else runs.
  const metricsPort = await freePort();
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    DATABASE_URL: databaseUrl,
    ...(poolMax ? { DATABASE_POOL_MAX: String(poolMax) } : {}),
    AUTH_ISSUER: fakes.issuer,
    AUTH_AUDIENCE: AUDIENCE,
    // The bench issuer's path names no tenant GUID; production refuses local tickets unless allowed.
    AUTH_ALLOWED_TENANTS: TENANT_ID,
    ALLOW_LOCAL_TICKETS: 'true',
    // Every limit raised out of the way: the bench measures their cost, not their effect.
    RATE_LIMIT_PER_CALLER: '1000000000',
    RATE_LIMIT_PER_IP_UNAUTHENTICATED: '1000000000',
    GRAPH_RATE_PER_SECOND: '1000000',
    GRAPH_RATE_BURST: '1000000',
    GRAPH_MODE: 'live',
    GRAPH_BASE_URL: fakes.graphBaseUrl,
    AZURE_TENANT_ID: TENANT_ID,
    AZURE_CLIENT_ID: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
    AZURE_CLIENT_SECRET: 'bench-client-secret',
    AZURE_AUTHORITY_HOST: fakes.authorityHost,
    AZURE_DISABLE_INSTANCE_DISCOVERY: 'true',
    // Node reads it only at start-up, so the child gets it in its environment.
    NODE_EXTRA_CA_CERTS: tlsCertPath,
    AUDIT_SIGNING_KEY_FILE: auditSigningKeyFile,
    ...extraEnv,
  };
  const nodeArgs = [...extraNodeArgs];
  if (cpuProfileDir) {
    mkdirSync(cpuProfileDir, { recursive: true });
    nodeArgs.push('--cpu-prof', '--cpu-prof-dir', cpuProfileDir, '-r', join(BENCH_DIR, 'exit-on-signal.cjs'));
  }
  const child = spawn(process.execPath, [...nodeArgs, 'dist/main.js'], {
    cwd: gateDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = [];
  const keep = (chunk) => {
    output.push(chunk);
    if (output.length > 200) output.shift();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const baseUrl = `http://127.0.0.1:${port}`;
  // A gate that dies during the run must not go unnoticed: say so, with what it printed last.
  child.once('exit', (code, signal) => {
    if (!child.benchStopping) {
      process.stderr.write(
        `\nthe gate exited unexpectedly (${code ?? signal}); its last output:\n${Buffer.concat(output).toString()}\n`,
      );
    }
  });
  try {
    await waitUntilReady(`${baseUrl}/health/ready`, child, 'the gate');
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${error.message}\n--- gate output ---\n${Buffer.concat(output).toString()}`, { cause: error });
  }
  return {
    name: 'gate',
    child,
    pid: child.pid,
    baseUrl,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    output: () => Buffer.concat(output).toString(),
  };
}

export async function startFloor({ fakes, databaseUrl, poolMax, table, execArgv = [] }) {
  const child = fork(join(BENCH_DIR, 'floor.mjs'), [], {
    cwd: BENCH_DIR,
    execArgv,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      FLOOR_DATABASE_URL: databaseUrl,
      FLOOR_TABLE: table,
      FLOOR_POOL_MAX: String(poolMax ?? 10),
      FLOOR_GRAPH_BASE_URL: fakes.graphBaseUrl,
      FLOOR_ISSUER: fakes.issuer,
      FLOOR_AUDIENCE: AUDIENCE,
      FLOOR_JWKS_URI: fakes.jwksUri,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { port } = await awaitMessage(child, 'started', 'the floor');
  return { name: 'floor', child, pid: child.pid, baseUrl: `http://127.0.0.1:${port}` };
}

/** Asks a child to leave and waits for it; SIGKILL after the grace period. */
export async function stopChild(child, signal = 'SIGTERM', graceMs = 15_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.benchStopping = true;
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export async function putChangeTicket(gate, adminToken, number) {
  const now = Date.now();
  const response = await fetch(`${gate.baseUrl}/v1/change-tickets/${number}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      state: 'Implement',
      approval: 'approved',
      plannedStart: new Date(now - 3600_000).toISOString(),
      plannedEnd: new Date(now + 24 * 3600_000).toISOString(),
      affectedCis: [],
      shortDescription: 'autopilot-gate bench campaign',
    }),
  });
  if (!response.ok)
    throw new Error(`PUT /v1/change-tickets/${number} answered ${response.status}: ${await response.text()}`);
}

/** One request through each server before the load, so a broken setup fails in a second, not after the sweep. */
export async function smokeTest(server, token, ticket, deviceId) {
  const response = await fetch(`${server.baseUrl}/v1/autopilot-devices/${deviceId}/unassign-resource-account`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ changeTicket: ticket, justification: 'bench smoke test: one unassign before the load' }),
  });
  const text = await response.text();
  if (response.status !== 200)
    throw new Error(`${server.name}: the smoke request answered ${response.status}: ${text}`);
  return JSON.parse(text);
}
