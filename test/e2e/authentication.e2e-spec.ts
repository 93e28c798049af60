import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createMongoAbility, subject, type MongoAbility } from '@casl/ability';
import { unpackRules, type PackRule } from '@casl/ability/extra';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { aTeamsRoom } from '../factories/devices';
import { DEFAULT_ISSUER_TENANT_ID, type JwksIssuerServer } from '../fakes/jwks-issuer.server';
import { GateHarness } from '../helpers/gate-harness';
import { attemptsFor, graphTrafficFor, theOnlyAttemptFor } from '../helpers/gate-observations';
import { expectProblem, expectRefusalRecorded } from '../helpers/refusal-assertions';
import { createLocalTicket, JUSTIFICATION, UNASSIGNER } from '../helpers/unassign-calls';

const UNASSIGN_PATH = (deviceId: string) => `/v1/autopilot-devices/${deviceId}/unassign-resource-account`;
const FOREIGN_TENANT_ID = '44444444-aaaa-4bbb-8ccc-000000000044';
const ANOTHER_ALLOWED_TENANT_ID = '55555555-aaaa-4bbb-8ccc-000000000055';
const POLICY_PATH = path.join(__dirname, '..', '..', 'config', 'policy.yaml');

interface TokenRefusal {
  name: string;
  reason: string;
  /** The whole Authorization header value, or undefined for none. */
  authorization: (issuer: JwksIssuerServer) => Promise<string | undefined>;
}

const bearer = (token: string) => `Bearer ${token}`;

/** The trusted key's public JWK, the secret of a classic RS256 -> HS256 confusion attack. */
async function publishedJwkAsSecret(issuer: JwksIssuerServer): Promise<string> {
  const jwks = (await (await fetch(issuer.jwksUri)).json()) as { keys: { kid: string }[] };
  const published = jwks.keys.find((key) => key.kid === issuer.currentKid);
  if (!published) throw new Error('the issuer publishes no key with its current kid');
  return JSON.stringify(published);
}

// Each token would be allowed everything (the unassign role, the issuer's tenant) but for the one flaw named.
const TOKEN_REFUSALS: TokenRefusal[] = [
  { name: 'a request without a token', reason: 'missing_token', authorization: async () => undefined },
  { name: 'a malformed token', reason: 'malformed_token', authorization: async () => bearer('not-a-jwt') },
  {
    name: 'an expired token',
    reason: 'expired',
    authorization: async (issuer) => bearer(await issuer.userToken({ roles: [UNASSIGNER], expiredSecondsAgo: 600 })),
  },
  {
    name: 'a token that is not valid yet',
    reason: 'not_yet_valid',
    authorization: async (issuer) =>
      bearer(await issuer.userToken({ roles: [UNASSIGNER], notBeforeSecondsFromNow: 600 })),
  },
  {
    name: 'a token for another audience',
    reason: 'wrong_audience',
    authorization: async (issuer) =>
      bearer(await issuer.userToken({ roles: [UNASSIGNER], audience: 'api://another-app' })),
  },
  {
    name: 'a token from another issuer',
    reason: 'wrong_issuer',
    authorization: async (issuer) =>
      bearer(
        await issuer.userToken({
          roles: [UNASSIGNER],
          issuer: `https://login.microsoftonline.com/${FOREIGN_TENANT_ID}/v2.0`,
        }),
      ),
  },
  {
    name: 'an unsigned token (alg none)',
    reason: 'unsupported_algorithm',
    authorization: async (issuer) => bearer(issuer.unsignedToken(issuer.userClaims({ roles: [UNASSIGNER] }))),
  },
  {
    name: 'a token signed with HS256 under the kid of a trusted key',
    reason: 'unsupported_algorithm',
    authorization: async (issuer) =>
      bearer(await issuer.hs256Token(issuer.userClaims({ roles: [UNASSIGNER] }), await publishedJwkAsSecret(issuer))),
  },
  {
    name: 'an RS256 token signed by an untrusted key',
    reason: 'invalid_signature',
    authorization: async (issuer) =>
      bearer(await issuer.signWithUntrustedKey(issuer.userClaims({ roles: [UNASSIGNER] }))),
  },
];

function unassign(harness: GateHarness, deviceId: string, authorization: string | undefined, changeTicket: string) {
  const call = harness.http.post(UNASSIGN_PATH(deviceId));
  if (authorization !== undefined) call.set('authorization', authorization);
  return call.send({ changeTicket, justification: JUSTIFICATION });
}

describe('POST /v1/autopilot-devices/{id}/unassign-resource-account authentication', () => {
  let harness: GateHarness;
  let ticket: string;
  beforeAll(async () => {
    harness = await GateHarness.start();
    ticket = await createLocalTicket(harness);
  });
  afterAll(() => harness?.close());

  it.each(TOKEN_REFUSALS)(
    'rejects $name with 401, records it and sends nothing to Graph',
    async ({ reason, authorization }) => {
      const device = aTeamsRoom();
      harness.graph.addDevice(device);
      const header = await authorization(harness.issuer);

      const response = await unassign(harness, device.id, header, ticket);

      expectProblem(response, 401, 'UNAUTHENTICATED');
      expect(response.body.reason).toBe(reason);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer\b/);
      const row = await expectRefusalRecorded(harness, response, device.id, {
        outcome: 'unauthenticated',
        httpStatus: 401,
        code: 'UNAUTHENTICATED',
      });
      // Claims of a token that did not verify are not evidence of who called.
      expect(row).toMatchObject({ actor_oid: null, actor_upn: null, actor_kind: null });
      expect(harness.graph.device(device.id)?.resourceName).toBe(device.resourceName);
      if (header) {
        const token = header.replace(/^Bearer /, '');
        expect(JSON.stringify(row)).not.toContain(token);
        expect(harness.logs.join('\n')).not.toContain(token);
      }
    },
  );

  it('accepts an app-only (client-credentials) token with the role and records the app as the actor', async () => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    const appId = randomUUID();
    const oid = randomUUID();
    const token = await harness.issuer.appToken({ roles: [UNASSIGNER], appId, oid });

    const response = await unassign(harness, device.id, bearer(token), ticket);

    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ outcome: 'succeeded', deviceId: device.id });
    const posts = graphTrafficFor(harness, device.id).posts;
    expect(posts.map((request) => request.path)).toEqual([
      `/beta/deviceManagement/windowsAutopilotDeviceIdentities/${device.id}/unassignResourceAccountFromDevice`,
    ]);
    await theOnlyAttemptFor(harness, device.id, response, {
      outcome: 'succeeded',
      actor_kind: 'app',
      actor_app_id: appId,
      actor_oid: oid,
      actor_upn: null,
      actor_tenant_id: DEFAULT_ISSUER_TENANT_ID,
      actor_roles: [UNASSIGNER],
    });
  });

  it('refuses GET /v1/me without a token (deny by default)', async () => {
    const response = await harness.http.get('/v1/me');

    expectProblem(response, 401, 'UNAUTHENTICATED');
    expect(response.body.reason).toBe('missing_token');
    expect(response.headers['www-authenticate']).toMatch(/^Bearer\b/);
  });

  it('refuses GET /v1/me with a token for another audience', async () => {
    const token = await harness.issuer.userToken({ roles: [UNASSIGNER], audience: 'api://another-app' });

    const response = await harness.http.get('/v1/me').set('authorization', bearer(token));

    expectProblem(response, 401, 'UNAUTHENTICATED');
    expect(response.body.reason).toBe('wrong_audience');
  });

  it('serves /health/live without a token', async () => {
    const response = await harness.http.get('/health/live');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it("returns the caller and their packed rules from GET /v1/me, with ${user.oid} replaced by the caller's oid", async () => {
    const oid = randomUUID();
    const upn = 'megan.bowen@contoso.example';
    const token = await harness.issuer.userToken({ roles: [UNASSIGNER], oid, upn });

    const response = await harness.http.get('/v1/me').set('authorization', bearer(token));

    expect(response.status, response.text).toBe(200);
    expect(response.body.principal).toEqual({
      kind: 'user',
      oid,
      tenantId: DEFAULT_ISSUER_TENANT_ID,
      upn,
      name: 'Megan Bowen',
      appId: expect.any(String),
      roles: [UNASSIGNER],
    });
    expect(response.body.policyVersion).toBe(createHash('sha256').update(readFileSync(POLICY_PATH)).digest('hex'));

    const rules = unpackRules(response.body.rules as PackRule<never>[]);
    const ability = createMongoAbility<MongoAbility>(rules);
    expect(ability.can('unassign', subject('AutopilotDevice', { groupTag: 'MTR-EU' }))).toBe(true);
    expect(ability.can('unassign', subject('AutopilotDevice', { groupTag: 'OTHER' }))).toBe(false);
    expect(ability.can('bypass', 'ChangeTicket')).toBe(false);
    expect(ability.can('read', subject('Attempt', { actorOid: oid, actorTenantId: DEFAULT_ISSUER_TENANT_ID }))).toBe(
      true,
    );
    expect(ability.can('read', subject('Attempt', { actorOid: oid, actorTenantId: randomUUID() }))).toBe(false);
    expect(
      ability.can('read', subject('Attempt', { actorOid: randomUUID(), actorTenantId: DEFAULT_ISSUER_TENANT_ID })),
    ).toBe(false);
    expect(JSON.stringify(response.body.rules)).not.toContain('${user.');
  });

  // Last in this block: it moves the clock and leaves the gate on the rotated key.
  it('accepts a token signed with a rotated key without restarting the gate', async () => {
    const [before, after, stale] = [aTeamsRoom(), aTeamsRoom(), aTeamsRoom()];
    for (const device of [before, after, stale]) harness.graph.addDevice(device);
    const oldKeyToken = await harness.issuer.userToken({ roles: [UNASSIGNER] });
    expect((await unassign(harness, before.id, bearer(oldKeyToken), ticket)).status).toBe(200);
    const jwksFetchesBefore = harness.issuer.jwksRequests;

    await harness.issuer.rotateKey();
    // jose refetches the JWKS for an unknown kid at most once per 30 s cooldown; an emergency roll is
    // therefore honoured from the first token after that window, which the clock is moved past.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    try {
      vi.setSystemTime(Date.now() + 31_000);
      const newKeyToken = await harness.issuer.userToken({ roles: [UNASSIGNER] });

      const response = await unassign(harness, after.id, bearer(newKeyToken), ticket);
      const retired = await unassign(harness, stale.id, bearer(oldKeyToken), ticket);

      expect(response.status, response.text).toBe(200);
      expect(harness.issuer.jwksRequests).toBeGreaterThan(jwksFetchesBefore);
      expect(graphTrafficFor(harness, after.id).posts).toHaveLength(1);
      expect((await attemptsFor(harness, after.id))[0]).toMatchObject({ outcome: 'succeeded' });
      // Once the keys are reloaded, the retired key no longer verifies anything.
      expectProblem(retired, 401, 'UNAUTHENTICATED');
      expect(retired.body.reason).toBe('invalid_signature');
      expect(graphTrafficFor(harness, stale.id).all).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('POST /v1/autopilot-devices/{id}/unassign-resource-account with AUTH_ALLOWED_TENANTS', () => {
  let harness: GateHarness;
  let ticket: string;
  beforeAll(async () => {
    harness = await GateHarness.start({
      env: { AUTH_ALLOWED_TENANTS: `${ANOTHER_ALLOWED_TENANT_ID}, ${DEFAULT_ISSUER_TENANT_ID}` },
    });
    ticket = await createLocalTicket(harness);
  });
  afterAll(() => harness?.close());

  it('rejects a token from a tenant not in the allow-list', async () => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    const token = await harness.issuer.userToken({ roles: [UNASSIGNER], tid: FOREIGN_TENANT_ID });

    const response = await unassign(harness, device.id, bearer(token), ticket);

    expectProblem(response, 401, 'UNAUTHENTICATED');
    expect(response.body.reason).toBe('tenant_not_allowed');
    expect(response.headers['www-authenticate']).toMatch(/^Bearer\b/);
    const row = await expectRefusalRecorded(harness, response, device.id, {
      outcome: 'unauthenticated',
      httpStatus: 401,
      code: 'UNAUTHENTICATED',
    });
    expect(row.actor_oid).toBeNull();
  });

  it('accepts a token from a tenant in the allow-list', async () => {
    const device = aTeamsRoom();
    harness.graph.addDevice(device);
    const token = await harness.issuer.userToken({ roles: [UNASSIGNER] });

    const response = await unassign(harness, device.id, bearer(token), ticket);

    expect(response.status, response.text).toBe(200);
    expect(graphTrafficFor(harness, device.id).posts).toHaveLength(1);
    expect(await attemptsFor(harness, device.id)).toMatchObject([
      { outcome: 'succeeded', actor_tenant_id: DEFAULT_ISSUER_TENANT_ID },
    ]);
  });
});
