import { randomBytes, randomUUID } from 'node:crypto';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { type AddressInfo } from 'node:net';
import { readTestTlsCertificate } from './tls-certificate';
import { closeServer, lowerCaseHeaders, readBody } from './loopback-http';

export interface FakeAuthorityServerOptions {
  /** clientId -> client secret. Clients using client_assertion must be listed too (secret unused). */
  clients: Record<string, string>;
  expiresInSeconds?: number;
}

export interface RecordedTokenRequest {
  tenant: string;
  form: Record<string, string>;
  headers: Record<string, string>;
}

interface ScriptedTokenResponse {
  status: number;
  body?: unknown;
}

const DISCOVERY_ROUTE = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/;
const TOKEN_ROUTE = /^\/([^/]+)\/oauth2\/v2\.0\/token$/;
const KEYS_ROUTE = /^\/([^/]+)\/discovery\/v2\.0\/keys$/;
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]*$/;
const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * Entra ID's token side for @azure/identity. HTTPS because MSAL refuses http authorities, and
 * addressed as `localhost` because MSAL requires the discovery issuer host to equal the authority host.
 */
export class FakeAuthorityServer {
  readonly tokenRequests: RecordedTokenRequest[] = [];
  readonly issuedTokens: string[] = [];
  private readonly scripted: ScriptedTokenResponse[] = [];

  private constructor(
    private readonly server: Server,
    private readonly options: FakeAuthorityServerOptions,
  ) {}

  static async start(options: FakeAuthorityServerOptions): Promise<FakeAuthorityServer> {
    const { certPem, keyPem } = readTestTlsCertificate();
    const server = createServer({ cert: certPem, key: keyPem });
    const fake = new FakeAuthorityServer(server, options);
    server.on('request', (req, res) => void fake.handle(req, res).catch(() => res.destroy()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get authorityHost(): string {
    return `https://localhost:${(this.server.address() as AddressInfo).port}`;
  }

  /** One-shot answer for the next token request; a 200 with a body replaces the normal success body. */
  respondNextToken(status: number, body?: unknown): void {
    this.scripted.push({ status, body });
  }

  reset(): void {
    this.tokenRequests.length = 0;
    this.issuedTokens.length = 0;
    this.scripted.length = 0;
  }

  async close(): Promise<void> {
    await closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const pathname = new URL(req.url ?? '/', this.authorityHost).pathname;
    const discovery = DISCOVERY_ROUTE.exec(pathname);
    const token = TOKEN_ROUTE.exec(pathname);
    const keys = KEYS_ROUTE.exec(pathname);

    if (req.method === 'GET' && discovery) sendJson(res, 200, this.discoveryDocument(discovery[1]));
    else if (req.method === 'GET' && keys) sendJson(res, 200, { keys: [] });
    else if (req.method === 'POST' && token) this.issueToken(req, res, token[1], body);
    else sendJson(res, 404, { error: 'not_found', error_description: `No route for ${req.method} ${pathname}` });
  }

  private discoveryDocument(tenant: string): Record<string, unknown> {
    const base = `${this.authorityHost}/${tenant}`;
    return {
      issuer: `${base}/v2.0`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      token_endpoint: `${base}/oauth2/v2.0/token`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    };
  }

  private issueToken(req: IncomingMessage, res: ServerResponse, tenant: string, body: string): void {
    const form = Object.fromEntries(new URLSearchParams(body));
    const headers = lowerCaseHeaders(req);
    this.tokenRequests.push({ tenant, form, headers });
    // Entra echoes the caller's request id as the Correlation ID of its errors.
    const correlationId =
      new URL(req.url ?? '/', this.authorityHost).searchParams.get('client-request-id') ??
      headers['x-ms-client-request-id'] ??
      randomUUID();

    const scripted = this.scripted.shift();
    if (scripted && (scripted.status !== 200 || scripted.body !== undefined)) {
      sendJson(res, scripted.status, scripted.body ?? this.scriptedError(scripted.status, correlationId));
      return;
    }

    const rejection = rejectionOf(form, this.options.clients);
    if (rejection) {
      const { status, body } = this.entraError(rejection, correlationId);
      sendJson(res, status, body);
      return;
    }
    const accessToken = randomBytes(32).toString('base64url');
    this.issuedTokens.push(accessToken);
    const expiresIn = this.options.expiresInSeconds ?? 3599;
    sendJson(res, 200, {
      token_type: 'Bearer',
      expires_in: expiresIn,
      ext_expires_in: expiresIn,
      access_token: accessToken,
    });
  }

  private scriptedError(status: number, correlationId: string): unknown {
    const [error, code, description] =
      status === 429 || status >= 500
        ? ['temporarily_unavailable', 90033, 'A transient error has occurred. Please try again.']
        : ['invalid_request', 90014, 'The request was rejected (scripted by the test).'];
    return this.entraError([status, error, code, description], correlationId).body;
  }

  private entraError([status, error, code, description]: Rejection, correlationId: string) {
    const traceId = randomUUID();
    const timestamp = `${new Date().toISOString().slice(0, 19).replace('T', ' ')}Z`;
    return {
      status,
      body: {
        error,
        error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
        error_codes: [code],
        timestamp,
        trace_id: traceId,
        correlation_id: correlationId,
        error_uri: `${this.authorityHost}/error?code=${code}`,
      },
    };
  }
}

type Rejection = [status: number, error: string, code: number, description: string];

/** What Entra answers for each mistake a client-credentials caller can make. */
function rejectionOf(form: Record<string, string>, clients: Record<string, string>): Rejection | undefined {
  const clientId = form.client_id ?? '';
  if (form.grant_type !== 'client_credentials') {
    return [400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.'];
  }
  if (!Object.hasOwn(clients, clientId)) {
    return [
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory.`,
    ];
  }
  if (!form.scope?.endsWith('/.default')) {
    const why = 'Client credential flows must have a scope value with /.default suffixed to the resource identifier.';
    return [400, 'invalid_scope', 1002012, `The provided value for scope ${form.scope ?? ''} is not valid. ${why}`];
  }
  if (form.client_assertion !== undefined) {
    const wellFormed = form.client_assertion_type === JWT_BEARER_ASSERTION && JWT_SHAPE.test(form.client_assertion);
    return wellFormed ? undefined : [400, 'invalid_client', 50027, 'JWT token is invalid or malformed.'];
  }
  if (form.client_secret === undefined) {
    const missing = "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.";
    return [401, 'invalid_client', 7000218, missing];
  }
  if (form.client_secret !== clients[clientId]) {
    const wrong = `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`;
    return [401, 'invalid_client', 7000215, wrong];
  }
  return undefined;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}
