import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey, JWK, JWTPayload } from 'jose';
import { closeServer } from './loopback-http';

export interface JwksIssuerServerOptions {
  tenantId?: string;
  /** The gate's client id: the `aud` of v2 tokens for it. */
  audience: string;
}

export interface CallerTokenOptions {
  roles?: string[];
  oid?: string;
  tid?: string;
  upn?: string;
  appId?: string;
  audience?: string;
  issuer?: string;
  expiresInSeconds?: number;
  notBeforeSecondsFromNow?: number;
  expiredSecondsAgo?: number;
  /** Merged last; a key set to `undefined` removes that claim. */
  extraClaims?: Record<string, unknown>;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export const DEFAULT_ISSUER_TENANT_ID = '22222222-aaaa-bbbb-cccc-000000000002';
export const DEFAULT_CALLER_APP_ID = '33333333-aaaa-bbbb-cccc-000000000003';

/** An Entra ID v2 issuer for the gate's callers: discovery document, JWKS and token minting. */
export class JwksIssuerServer {
  jwksRequests = 0;
  discoveryRequests = 0;
  readonly tenantId: string;
  readonly audience: string;

  private constructor(
    private readonly server: Server,
    private signingKey: SigningKey,
    private readonly untrustedKey: SigningKey,
    options: JwksIssuerServerOptions,
  ) {
    this.tenantId = options.tenantId ?? DEFAULT_ISSUER_TENANT_ID;
    this.audience = options.audience;
    server.on('request', (req, res) => this.handle(req, res));
  }

  static async start(options: JwksIssuerServerOptions): Promise<JwksIssuerServer> {
    const server = createServer();
    const [signingKey, untrustedKey] = await Promise.all([createSigningKey(), createSigningKey()]);
    const issuer = new JwksIssuerServer(server, signingKey, untrustedKey, options);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return issuer;
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get issuer(): string {
    return `${this.origin}/${this.tenantId}/v2.0`;
  }

  get jwksUri(): string {
    return `${this.origin}/${this.tenantId}/discovery/v2.0/keys`;
  }

  get discoveryUrl(): string {
    return `${this.issuer}/.well-known/openid-configuration`;
  }

  get currentKid(): string {
    return this.signingKey.kid;
  }

  /** Replaces the signing key; the old kid disappears from the JWKS at once, as in an emergency roll. */
  async rotateKey(): Promise<void> {
    this.signingKey = await createSigningKey();
  }

  userClaims(options: CallerTokenOptions = {}): JWTPayload {
    const upn = options.upn ?? 'adele.vance@contoso.example';
    const oid = options.oid ?? randomUUID();
    return this.finish(options, {
      azp: options.appId ?? DEFAULT_CALLER_APP_ID,
      azpacr: '0',
      idtyp: 'user',
      name: displayNameOf(upn),
      oid,
      preferred_username: upn,
      scp: 'access_as_user',
      sub: randomBytes(32).toString('base64url').slice(0, 43),
    });
  }

  appClaims(options: CallerTokenOptions = {}): JWTPayload {
    const oid = options.oid ?? randomUUID();
    return this.finish(options, {
      azp: options.appId ?? DEFAULT_CALLER_APP_ID,
      azpacr: '1',
      idtyp: 'app',
      oid,
      sub: oid,
    });
  }

  userToken(options: CallerTokenOptions = {}): Promise<string> {
    return this.sign(this.userClaims(options));
  }

  appToken(options: CallerTokenOptions = {}): Promise<string> {
    return this.sign(this.appClaims(options));
  }

  /** Signs any payload with the published key. */
  sign(claims: JWTPayload): Promise<string> {
    return signRs256(claims, this.signingKey.privateKey, this.signingKey.kid);
  }

  /** Looks like a genuine token (RS256, the published kid) but the signature is from another key. */
  signWithUntrustedKey(claims: JWTPayload): Promise<string> {
    return signRs256(claims, this.untrustedKey.privateKey, this.signingKey.kid);
  }

  unsignedToken(claims: JWTPayload): string {
    return `${base64UrlJson({ typ: 'JWT', alg: 'none' })}.${base64UrlJson(claims)}.`;
  }

  /** An algorithm-confusion attempt: HS256 with a shared secret, pointing at the published kid. */
  hs256Token(claims: JWTPayload, secret: string): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ typ: 'JWT', alg: 'HS256', kid: this.signingKey.kid })
      .sign(new TextEncoder().encode(secret));
  }

  async close(): Promise<void> {
    await closeServer(this.server);
  }

  private finish(options: CallerTokenOptions, identity: Record<string, unknown>): JWTPayload {
    const now = Math.floor(Date.now() / 1000);
    const lifetime = options.expiresInSeconds ?? 3600;
    const exp = options.expiredSecondsAgo !== undefined ? now - options.expiredSecondsAgo : now + lifetime;
    const iat = options.expiredSecondsAgo !== undefined ? exp - lifetime : now;
    const claims: Record<string, unknown> = {
      aud: options.audience ?? this.audience,
      iss: options.issuer ?? this.issuer,
      iat,
      nbf: options.notBeforeSecondsFromNow !== undefined ? now + options.notBeforeSecondsFromNow : iat,
      exp,
      ...identity,
      // Entra leaves `roles` out entirely when nothing is assigned.
      ...(options.roles?.length ? { roles: options.roles } : {}),
      tid: options.tid ?? this.tenantId,
      uti: randomBytes(16).toString('base64url'),
      ver: '2.0',
    };
    for (const [name, value] of Object.entries(options.extraClaims ?? {})) {
      if (value === undefined) delete claims[name];
      else claims[name] = value;
    }
    return claims;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const pathname = new URL(req.url ?? '/', this.origin).pathname;
    if (req.method === 'GET' && pathname === new URL(this.discoveryUrl).pathname) {
      this.discoveryRequests += 1;
      sendJson(res, 200, {
        issuer: this.issuer,
        jwks_uri: this.jwksUri,
        authorization_endpoint: `${this.origin}/${this.tenantId}/oauth2/v2.0/authorize`,
        token_endpoint: `${this.origin}/${this.tenantId}/oauth2/v2.0/token`,
        id_token_signing_alg_values_supported: ['RS256'],
      });
    } else if (req.method === 'GET' && pathname === new URL(this.jwksUri).pathname) {
      this.jwksRequests += 1;
      sendJson(res, 200, { keys: [this.signingKey.publicJwk] });
    } else {
      sendJson(res, 404, { error: 'not_found' });
    }
  }
}

async function createSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const { kty, n, e } = await exportJWK(publicKey);
  // Entra kids are base64url SHA-1 thumbprints: 27 characters.
  const kid = randomBytes(20).toString('base64url');
  return { kid, privateKey, publicJwk: { kty, use: 'sig', kid, n, e, alg: 'RS256' } };
}

function signRs256(claims: JWTPayload, key: CryptoKey, kid: string): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid }).sign(key);
}

function base64UrlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function displayNameOf(upn: string): string {
  return upn
    .split('@')[0]
    .split(/[._-]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join(' ');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
