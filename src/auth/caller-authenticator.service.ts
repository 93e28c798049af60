import { Injectable } from '@nestjs/common';
import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { noteCaller } from '../http/request-context';
import { authenticationFailed, type AuthenticationFailureReason } from './authentication-failure';
import type { Principal } from './principal';
import { SigningKeys } from './signing-keys';

const ACCEPTED_ALGORITHM = 'RS256';

/** Verifies a caller's bearer token and turns its claims into a Principal. */
@Injectable()
export class CallerAuthenticator {
  constructor(
    private readonly keys: SigningKeys,
    private readonly clockSkewSeconds: number,
  ) {}

  async authenticate(authorizationHeader: string | undefined): Promise<Principal> {
    const token = bearerToken(authorizationHeader);
    if (!token) throw authenticationFailed('missing_token');
    if (algorithmOf(token) !== ACCEPTED_ALGORITHM) throw authenticationFailed('unsupported_algorithm');

    const payload = await this.verify(token);
    const principal = principalFrom(payload);
    if (!this.keys.allowedTenants.includes(principal.tenantId.toLowerCase())) {
      throw authenticationFailed('tenant_not_allowed');
    }
    noteCaller(principal);
    return principal;
  }

  private async verify(token: string): Promise<JWTPayload> {
    let keys;
    try {
      keys = await this.keys.keyResolver();
    } catch {
      throw authenticationFailed('keys_unavailable');
    }
    try {
      const { payload } = await jwtVerify(token, keys, {
        algorithms: [ACCEPTED_ALGORITHM],
        issuer: this.keys.issuer,
        audience: this.keys.audience,
        clockTolerance: this.clockSkewSeconds,
        requiredClaims: ['exp'],
      });
      return payload;
    } catch (error) {
      throw authenticationFailed(reasonFor(error));
    }
  }
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

function algorithmOf(token: string): string | undefined {
  try {
    return decodeProtectedHeader(token).alg;
  } catch {
    throw authenticationFailed('malformed_token');
  }
}

function reasonFor(error: unknown): AuthenticationFailureReason {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return 'wrong_issuer';
    if (error.claim === 'aud') return 'wrong_audience';
    if (error.claim === 'nbf') return 'not_yet_valid';
    return 'missing_claims';
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'unsupported_algorithm';
  const keysFetchFailed = error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError);
  if (keysFetchFailed) return 'keys_unavailable';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'malformed_token';
  return 'invalid_signature';
}

function principalFrom(claims: JWTPayload): Principal {
  const text = (name: string): string | undefined => {
    const value = claims[name];
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  };
  const oid = text('oid');
  const tenantId = text('tid');
  if (!oid || !tenantId) throw authenticationFailed('missing_claims');
  const idtyp = text('idtyp');
  const roles = Array.isArray(claims.roles)
    ? claims.roles.filter((role): role is string => typeof role === 'string')
    : [];
  return {
    kind: idtyp === 'app' || (idtyp === undefined && claims.scp === undefined) ? 'app' : 'user',
    oid,
    tenantId,
    upn: text('preferred_username') ?? text('upn') ?? text('unique_name'),
    name: text('name'),
    appId: text('azp') ?? text('appid'),
    roles,
  };
}
