// The floor: the fastest hand-written equivalent of one gated unassign, so that the gap between it and the gate
// is what NestJS, Prisma, CASL and our own code add. Per request, and nothing else:
//   verify the caller's RS256 JWT with jose against the same JWKS (keys cached after the first fetch),
//   INSERT the in-flight attempt row (pg, committed before anything goes to Graph, as the gate does),
//   GET the device from Graph and POST unassignResourceAccountFromDevice (undici, one keep-alive Agent),
//   UPDATE the row with the outcome, answer 200 with a small JSON.
// Plain node:http, no framework. Its table has the same columns and indexes as the gate's `attempts`.
// Configuration comes from the parent (run.mjs) through FLOOR_* variables; the port is sent back over IPC.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import pg from 'pg';
import { Agent } from 'undici';

const config = {
  databaseUrl: required('FLOOR_DATABASE_URL'),
  table: process.env.FLOOR_TABLE ?? 'floor_attempts',
  poolMax: Number(process.env.FLOOR_POOL_MAX ?? 10),
  graphBaseUrl: new URL(required('FLOOR_GRAPH_BASE_URL')),
  issuer: required('FLOOR_ISSUER'),
  audience: required('FLOOR_AUDIENCE'),
  jwksUri: required('FLOOR_JWKS_URI'),
  role: 'Autopilot.ResourceAccount.Unassign',
};

const ROUTE =
  /^\/v1\/autopilot-devices\/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\/unassign-resource-account$/;
const TICKET = /^CHG[0-9]{7,}$/;
const GRAPH_ORIGIN = config.graphBaseUrl.origin;
const GRAPH_PREFIX = `${config.graphBaseUrl.pathname.replace(/\/+$/, '')}/deviceManagement/windowsAutopilotDeviceIdentities/`;
// The gate's Graph token comes from @azure/identity's cache; the floor's is a constant: its cost is nil either way.
const GRAPH_TOKEN = `Bearer ${randomUUID()}`;

const jwks = createRemoteJWKSet(new URL(config.jwksUri), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
const pool = new pg.Pool({ connectionString: config.databaseUrl, max: config.poolMax });
pool.on('error', () => {});
const graph = new Agent({ keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000 });

const INSERT = `INSERT INTO ${config.table}
  (id, outcome, entry_point, correlation_id, actor_oid, actor_tenant_id, actor_app_id, actor_kind, actor_roles,
   client_ip, user_agent, device_id, change_ticket, justification, decision, policy_version)
  VALUES ($1, 'in_flight', 'v1', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'allowed', 'floor')`;
const UPDATE = `UPDATE ${config.table}
  SET outcome = $2, settled_at = now(), http_status = $3, device_snapshot = $4, decision_reason = $5, graph_status = $6,
      graph_request_id = $7, graph_client_request_id = $8, graph_duration_ms = $9, duration_ms = $10
  WHERE id = $1 AND outcome = 'in_flight'`;

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

function answer(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': status === 200 ? 'application/json' : 'application/problem+json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      text += chunk;
      if (text.length > 16 * 1024) reject(new Error('body too large'));
    });
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

async function callGraph(method, path, clientRequestId) {
  const started = performance.now();
  const response = await graph.request({
    origin: GRAPH_ORIGIN,
    path,
    method,
    headers: {
      authorization: GRAPH_TOKEN,
      accept: 'application/json',
      'client-request-id': clientRequestId,
      'return-client-request-id': 'true',
      ...(method === 'POST' ? { 'content-length': '0' } : {}),
    },
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const body = method === 'GET' ? await response.body.json() : (await response.body.dump(), null);
  return {
    status: response.statusCode,
    requestId: response.headers['request-id'] ?? null,
    body,
    ms: Math.round(performance.now() - started),
  };
}

async function unassign(req, res, rawDeviceId) {
  const started = performance.now();
  // The body first, as Fastify reads it before the gate's handler runs.
  let body;
  try {
    body = JSON.parse(await readBody(req));
  } catch {
    return answer(res, 400, { status: 400, code: 'INVALID_REQUEST' });
  }
  const authorization = req.headers.authorization ?? '';
  if (!authorization.startsWith('Bearer ')) return answer(res, 401, { status: 401, code: 'UNAUTHENTICATED' });
  let claims;
  try {
    ({ payload: claims } = await jwtVerify(authorization.slice(7), jwks, {
      algorithms: ['RS256'],
      issuer: config.issuer,
      audience: config.audience,
      clockTolerance: 60,
      requiredClaims: ['exp'],
    }));
  } catch {
    return answer(res, 401, { status: 401, code: 'UNAUTHENTICATED' });
  }
  if (!Array.isArray(claims.roles) || !claims.roles.includes(config.role))
    return answer(res, 403, { status: 403, code: 'POLICY_DENIED' });

  const justification = typeof body?.justification === 'string' ? body.justification.trim() : '';
  if (justification.length < 10 || justification.length > 1000 || !TICKET.test(body?.changeTicket ?? '')) {
    return answer(res, 400, { status: 400, code: 'INVALID_REQUEST' });
  }

  const attemptId = randomUUID();
  const deviceId = rawDeviceId.toLowerCase();
  await pool.query(INSERT, [
    attemptId,
    randomUUID(),
    claims.oid,
    claims.tid,
    claims.azp ?? null,
    claims.idtyp === 'app' ? 'app' : 'user',
    claims.roles,
    req.socket.remoteAddress ?? null,
    req.headers['user-agent'] ?? null,
    deviceId,
    body.changeTicket,
    justification,
  ]);

  const device = await callGraph('GET', `${GRAPH_PREFIX}${deviceId}`, randomUUID());
  if (device.status !== 200 || device.body?.groupTag !== 'MTR-EU' || !device.body?.resourceName) {
    await pool.query(UPDATE, [
      attemptId,
      'policy_denied',
      403,
      device.body,
      'not this device',
      device.status,
      device.requestId,
      null,
      device.ms,
      Math.round(performance.now() - started),
    ]);
    return answer(res, 403, { status: 403, code: 'POLICY_DENIED', attemptId });
  }
  const clientRequestId = randomUUID();
  const result = await callGraph(
    'POST',
    `${GRAPH_PREFIX}${deviceId}/unassignResourceAccountFromDevice`,
    clientRequestId,
  );
  const ok = result.status === 204;
  await pool.query(UPDATE, [
    attemptId,
    ok ? 'succeeded' : 'graph_failed',
    ok ? 200 : 502,
    device.body,
    'allowed by policy',
    result.status,
    result.requestId,
    clientRequestId,
    result.ms,
    Math.round(performance.now() - started),
  ]);
  if (!ok) return answer(res, 502, { status: 502, code: 'GRAPH_ERROR', attemptId });
  answer(res, 200, {
    attemptId,
    outcome: 'succeeded',
    deviceId,
    changeTicket: body.changeTicket,
    graph: { status: result.status, requestId: result.requestId, clientRequestId },
  });
}

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const match = req.method === 'POST' ? ROUTE.exec(req.url) : null;
  if (!match) {
    req.resume();
    return answer(res, req.url === '/health/ready' ? 200 : 404, {
      status: req.url === '/health/ready' ? 'ready' : 'not_found',
    });
  }
  unassign(req, res, match[1]).catch(() => {
    if (!res.headersSent) answer(res, 503, { status: 503, code: 'FLOOR_FAILED' });
  });
});

server.listen(Number(process.env.FLOOR_PORT ?? 0), '127.0.0.1', () => {
  process.send?.({ type: 'started', port: server.address().port });
});

async function stop() {
  server.close();
  server.closeAllConnections();
  await Promise.allSettled([pool.end(), graph.close()]);
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGUSR2', stop);
process.on('disconnect', stop);
