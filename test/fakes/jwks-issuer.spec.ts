import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JwksIssuerServer } from './jwks-issuer.server';

const AUDIENCE = '11111111-aaaa-bbbb-cccc-000000000001';

describe(JwksIssuerServer.name, () => {
  let issuer: JwksIssuerServer;

  beforeAll(async () => {
    issuer = await JwksIssuerServer.start({ audience: AUDIENCE });
  });
  afterAll(() => issuer.close());

  const verify = async (token: string) => {
    const discovery = (await (await fetch(issuer.discoveryUrl)).json()) as { issuer: string; jwks_uri: string };
    const keys = createRemoteJWKSet(new URL(discovery.jwks_uri));
    return jwtVerify(token, keys, { issuer: discovery.issuer, audience: AUDIENCE, algorithms: ['RS256'] });
  };

  it('mints app tokens shaped like Entra v2 that verify against its JWKS', async () => {
    const { payload, protectedHeader } = await verify(
      await issuer.appToken({ roles: ['Autopilot.ResourceAccount.Unassign'] }),
    );

    expect(protectedHeader).toEqual({ typ: 'JWT', alg: 'RS256', kid: issuer.currentKid });
    expect(payload).toMatchObject({
      idtyp: 'app',
      azpacr: '1',
      ver: '2.0',
      tid: issuer.tenantId,
      roles: ['Autopilot.ResourceAccount.Unassign'],
    });
    expect(payload.sub).toBe(payload.oid);
    expect(payload).not.toHaveProperty('name');
    expect(payload).not.toHaveProperty('scp');
  });

  it('mints user tokens with name, preferred_username and scp, without roles when none are given', async () => {
    const { payload } = await verify(await issuer.userToken({ upn: 'megan.bowen@contoso.example' }));

    expect(payload).toMatchObject({
      idtyp: 'user',
      name: 'Megan Bowen',
      preferred_username: 'megan.bowen@contoso.example',
      scp: 'access_as_user',
    });
    expect(payload).not.toHaveProperty('roles');
  });

  it('lets extraClaims override and remove claims', () => {
    const claims = issuer.appClaims({ extraClaims: { oid: undefined, ver: '1.0' } });

    expect(claims).not.toHaveProperty('oid');
    expect(claims.ver).toBe('1.0');
  });

  it('makes expired and not-yet-valid tokens', async () => {
    await expect(verify(await issuer.appToken({ expiredSecondsAgo: 600 }))).rejects.toBeInstanceOf(errors.JWTExpired);
    await expect(verify(await issuer.appToken({ notBeforeSecondsFromNow: 600 }))).rejects.toBeInstanceOf(
      errors.JWTClaimValidationFailed,
    );
  });

  it('makes tokens the JWKS cannot vouch for', async () => {
    const claims = issuer.appClaims();
    const untrusted = await issuer.signWithUntrustedKey(claims);

    expect(decodeProtectedHeader(untrusted).kid).toBe(issuer.currentKid);
    await expect(verify(untrusted)).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
    await expect(verify(issuer.unsignedToken(claims))).rejects.toThrow();
    await expect(verify(await issuer.hs256Token(claims, 'shared-secret'))).rejects.toThrow();
  });

  it('rotates to a new kid and drops the old key from the JWKS', async () => {
    const before = await issuer.appToken();
    const oldKid = issuer.currentKid;
    const jwksRequestsBefore = issuer.jwksRequests;

    await issuer.rotateKey();

    expect(issuer.currentKid).not.toBe(oldKid);
    await expect(verify(await issuer.appToken())).resolves.toBeTruthy();
    await expect(verify(before)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    expect(issuer.jwksRequests).toBeGreaterThan(jwksRequestsBefore);
  });
});
