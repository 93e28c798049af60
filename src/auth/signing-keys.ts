import type { JWTVerifyGetKey } from 'jose';

/** Where the public keys that sign callers' tokens come from (the issuer's JWKS, or the development issuer). */
export abstract class SigningKeys {
  abstract readonly issuer: string;
  abstract readonly audience: string;
  /** Tokens of other tenants are refused; by default the issuer's own tenant only. */
  abstract readonly allowedTenants: readonly string[];
  abstract keyResolver(): Promise<JWTVerifyGetKey>;
}
