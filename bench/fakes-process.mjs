// The bench's fake outside world, in one child process of its own so that its CPU is measured apart from
// the server under test and from the load generator:
//   - Graph (plain http, zero think time): GET .../windowsAutopilotDeviceIdentities/{id} -> a device in
//     groupTag MTR-EU with a resource account; POST .../{id}/unassignResourceAccountFromDevice -> 204.
//   - the callers' token issuer: {issuer}/.well-known/openid-configuration and its JWKS (plain http).
//   - the Entra authority @azure/identity gets the gate's Graph token from (https, self-signed, `localhost`).
// Started with fork(); receives { publicJwk, tlsCertPath, tlsKeyPath } and answers with the addresses.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';

const DEVICE_PATH =
  /^\/beta\/deviceManagement\/windowsAutopilotDeviceIdentities\/([0-9a-fA-F-]{36})(\/unassignResourceAccountFromDevice)?$/;
const DISCOVERY_ROUTE = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/;
const TOKEN_ROUTE = /^\/([^/]+)\/oauth2\/v2\.0\/token$/;

const counters = { graphGet: 0, graphPost: 0, graphOther: 0, jwks: 0, discovery: 0, authorityToken: 0 };

function listen(server, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve(server.address().port));
  });
}

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Answers at once: no body parsing beyond draining, no allocation it can avoid. */
function startGraph() {
  const server = createHttpServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    req.resume();
    const match = DEVICE_PATH.exec(req.url);
    const requestId = randomUUID();
    if (match && req.method === 'GET' && !match[2]) {
      counters.graphGet += 1;
      const id = match[1].toLowerCase();
      const body = JSON.stringify({
        '@odata.context':
          'https://graph.microsoft.com/beta/$metadata#deviceManagement/windowsAutopilotDeviceIdentities/$entity',
        id,
        groupTag: 'MTR-EU',
        serialNumber: `SN-${id.slice(-12)}`,
        displayName: `MTR-ROOM-${id.slice(-6)}`,
        resourceName: `room-${id.slice(-6)}@contoso.example`,
        userPrincipalName: '',
        addressableUserName: '',
        manufacturer: 'Contoso',
        model: 'Teams Room 1',
        enrollmentState: 'enrolled',
        deploymentProfileAssignmentStatus: 'assignedUnkownSyncState',
        azureAdDeviceId: id,
        managedDeviceId: id,
      });
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'request-id': requestId,
      });
      res.end(body);
    } else if (match && req.method === 'POST' && match[2]) {
      counters.graphPost += 1;
      res.writeHead(204, { 'request-id': requestId });
      res.end();
    } else {
      counters.graphOther += 1;
      sendJson(res, 404, { error: { code: 'ResourceNotFound', message: `No route for ${req.method} ${req.url}` } });
    }
  });
  return server;
}

function startIssuer(publicJwk) {
  let issuer;
  const server = createHttpServer((req, res) => {
    req.resume();
    if (req.url === '/bench-tenant/v2.0/.well-known/openid-configuration') {
      counters.discovery += 1;
      sendJson(res, 200, {
        issuer,
        jwks_uri: `${origin(server)}/bench-tenant/discovery/v2.0/keys`,
        id_token_signing_alg_values_supported: ['RS256'],
      });
    } else if (req.url === '/bench-tenant/discovery/v2.0/keys') {
      counters.jwks += 1;
      sendJson(res, 200, { keys: [publicJwk] });
    } else {
      sendJson(res, 404, { error: 'not_found' });
    }
  });
  return {
    server,
    setIssuer(value) {
      issuer = value;
    },
  };
}

function origin(server) {
  return `http://127.0.0.1:${server.address().port}`;
}

function startAuthority(certPem, keyPem) {
  let authorityHost;
  const server = createHttpsServer({ cert: certPem, key: keyPem }, (req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const pathname = new URL(req.url, authorityHost).pathname;
      const discovery = DISCOVERY_ROUTE.exec(pathname);
      if (req.method === 'GET' && discovery) {
        counters.discovery += 1;
        const base = `${authorityHost}/${discovery[1]}`;
        sendJson(res, 200, {
          issuer: `${base}/v2.0`,
          authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          token_endpoint: `${base}/oauth2/v2.0/token`,
          jwks_uri: `${base}/discovery/v2.0/keys`,
          id_token_signing_alg_values_supported: ['RS256'],
          token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
        });
      } else if (req.method === 'POST' && TOKEN_ROUTE.test(pathname)) {
        counters.authorityToken += 1;
        sendJson(res, 200, {
          token_type: 'Bearer',
          expires_in: 3599,
          ext_expires_in: 3599,
          access_token: randomBytes(32).toString('base64url'),
        });
      } else {
        sendJson(res, 404, { error: 'not_found', error_description: `No route for ${req.method} ${pathname}` });
      }
    });
  });
  return {
    server,
    setHost(value) {
      authorityHost = value;
    },
  };
}

process.on('message', async (message) => {
  if (message?.type === 'counters') {
    process.send({ type: 'counters', counters: { ...counters } });
    return;
  }
  if (message?.type !== 'start') return;
  try {
    const graph = startGraph();
    const graphPort = await listen(graph);
    const issuer = startIssuer(message.publicJwk);
    const issuerPort = await listen(issuer.server);
    const issuerUrl = `http://127.0.0.1:${issuerPort}/bench-tenant/v2.0`;
    issuer.setIssuer(issuerUrl);
    const authority = startAuthority(readFileSync(message.tlsCertPath), readFileSync(message.tlsKeyPath));
    const authorityPort = await listen(authority.server);
    // MSAL wants every endpoint of the discovery document on the authority's own host name.
    const authorityHost = `https://localhost:${authorityPort}`;
    authority.setHost(authorityHost);
    process.send({
      type: 'started',
      graphBaseUrl: `http://127.0.0.1:${graphPort}/beta`,
      issuer: issuerUrl,
      jwksUri: `http://127.0.0.1:${issuerPort}/bench-tenant/discovery/v2.0/keys`,
      authorityHost,
    });
  } catch (error) {
    process.send({ type: 'failed', error: String(error?.stack ?? error) });
  }
});

// The parent owns this process: when it goes, so do the fakes.
process.on('disconnect', () => process.exit(0));
