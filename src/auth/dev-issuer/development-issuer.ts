import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  SignJWT,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import { SigningKeys } from '../signing-keys';

/**
 * Zero-config mode only (refused in production): the gate trusts tokens signed by a key pair kept in DATA_DIR,
 * so `npm run token` and the running service agree without any identity provider.
 */
export const DEVELOPMENT_ISSUER = 'urn:autopilot-gate:development-issuer';
export const DEVELOPMENT_AUDIENCE = 'api://autopilot-gate';
export const DEVELOPMENT_TENANT = '00000000-0000-4000-8000-000000000000';
const KEY_FILE = 'development-issuer-key.json';

interface StoredKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

export async function loadOrCreateDevelopmentKey(dataDir: string): Promise<StoredKey> {
  const path = join(dataDir, KEY_FILE);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as StoredKey;
  } catch {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = `dev-${Date.now()}`;
    const key: StoredKey = {
      kid,
      privateJwk: await exportJWK(privateKey),
      publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
    };
    mkdirSync(dataDir, { recursive: true });
    try {
      writeFileSync(path, JSON.stringify(key), { mode: 0o600, flag: 'wx' });
      return key;
    } catch {
      // Another process created it first: use theirs so both sides agree.
      return JSON.parse(readFileSync(path, 'utf8')) as StoredKey;
    }
  }
}

export class DevelopmentSigningKeys extends SigningKeys {
  readonly issuer = DEVELOPMENT_ISSUER;
  readonly audience = DEVELOPMENT_AUDIENCE;
  readonly allowedTenants = [DEVELOPMENT_TENANT];
  private resolver?: Promise<JWTVerifyGetKey>;

  constructor(private readonly dataDir: string) {
    super();
  }

  /** Read from disk once; the key never changes while the gate runs. */
  keyResolver(): Promise<JWTVerifyGetKey> {
    this.resolver ??= loadOrCreateDevelopmentKey(this.dataDir).then((key) =>
      createLocalJWKSet({ keys: [key.publicJwk] }),
    );
    return this.resolver;
  }
}

export interface DevelopmentTokenRequest {
  roles: string[];
  kind: 'user' | 'app';
  oid: string;
  upn?: string;
  expiresInSeconds: number;
}

export async function signDevelopmentToken(dataDir: string, request: DevelopmentTokenRequest): Promise<string> {
  const key = await loadOrCreateDevelopmentKey(dataDir);
  const privateKey = await importJWK(key.privateJwk, 'RS256');
  const userClaims =
    request.kind === 'user' ? { preferred_username: request.upn, name: request.upn, scp: 'access_as_user' } : {};
  return new SignJWT({
    oid: request.oid,
    tid: DEVELOPMENT_TENANT,
    roles: request.roles,
    idtyp: request.kind,
    azp: 'development-cli',
    ver: '2.0',
    ...userClaims,
  })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
    .setIssuer(DEVELOPMENT_ISSUER)
    .setAudience(DEVELOPMENT_AUDIENCE)
    .setSubject(request.oid)
    .setIssuedAt()
    .setExpirationTime(`${request.expiresInSeconds}s`)
    .sign(privateKey);
}
