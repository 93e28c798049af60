import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { SigningKeys } from './signing-keys';

interface EntraKeysOptions {
  issuer: string;
  audience: string;
  jwksUri?: string;
  allowedTenants: string[];
}

/**
 * Keys from the issuer's JWKS. The JWKS URI is discovered once from the issuer's OpenID configuration unless
 * configured; jose caches keys and refetches on an unknown `kid` at most every 30 s (rotation without restart).
 */
export class EntraSigningKeys extends SigningKeys {
  readonly issuer: string;
  readonly audience: string;
  readonly allowedTenants: readonly string[];
  private resolver?: Promise<JWTVerifyGetKey>;

  constructor(private readonly options: EntraKeysOptions) {
    super();
    this.issuer = options.issuer;
    this.audience = options.audience;
    this.allowedTenants = options.allowedTenants;
  }

  keyResolver(): Promise<JWTVerifyGetKey> {
    this.resolver ??= this.createResolver().catch((error: unknown) => {
      this.resolver = undefined; // a failed discovery is retried on the next call
      throw error;
    });
    return this.resolver;
  }

  private async createResolver(): Promise<JWTVerifyGetKey> {
    const jwksUri = this.options.jwksUri ?? (await this.discoverJwksUri());
    return createRemoteJWKSet(new URL(jwksUri), {
      cooldownDuration: 30_000,
      cacheMaxAge: 10 * 60_000,
      timeoutDuration: 5_000,
    });
  }

  private async discoverJwksUri(): Promise<string> {
    const url = `${this.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`OpenID configuration at ${url} answered ${response.status}`);
    const document = (await response.json()) as { jwks_uri?: unknown };
    if (typeof document.jwks_uri !== 'string') throw new Error(`OpenID configuration at ${url} has no jwks_uri`);
    return document.jwks_uri;
  }
}
