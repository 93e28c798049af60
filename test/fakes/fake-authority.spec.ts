import { AuthenticationRequiredError, ClientSecretCredential } from '@azure/identity';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeAuthorityServer } from './fake-authority.server';

const TENANT = '22222222-aaaa-bbbb-cccc-000000000002';
const CLIENT_ID = '33333333-aaaa-bbbb-cccc-000000000003';
const SECRET = 'correct-horse-battery-staple';
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

describe(FakeAuthorityServer.name, () => {
  let authority: FakeAuthorityServer;

  beforeAll(async () => {
    authority = await FakeAuthorityServer.start({ clients: { [CLIENT_ID]: SECRET } });
  });
  afterAll(() => authority.close());
  beforeEach(() => authority.reset());

  const credential = (secret: string) =>
    new ClientSecretCredential(TENANT, CLIENT_ID, secret, {
      authorityHost: authority.authorityHost,
      disableInstanceDiscovery: true,
    });

  it('issues a token that ClientSecretCredential accepts', async () => {
    const accessToken = await credential(SECRET).getToken(GRAPH_SCOPE);

    expect(accessToken?.token).toBe(authority.issuedTokens[0]);
    expect(authority.tokenRequests).toHaveLength(1);
    expect(authority.tokenRequests[0]).toMatchObject({
      tenant: TENANT,
      form: { grant_type: 'client_credentials', scope: GRAPH_SCOPE, client_id: CLIENT_ID, client_secret: SECRET },
    });
  });

  it('caches the token inside one credential', async () => {
    const sameCredential = credential(SECRET);
    const first = await sameCredential.getToken(GRAPH_SCOPE);
    const second = await sameCredential.getToken(GRAPH_SCOPE);

    expect(second?.token).toBe(first?.token);
    expect(authority.tokenRequests).toHaveLength(1);
  });

  it('rejects a wrong secret with AADSTS7000215', async () => {
    const failure = credential('wrong').getToken(GRAPH_SCOPE);

    await expect(failure).rejects.toBeInstanceOf(AuthenticationRequiredError);
    await expect(failure).rejects.toThrow(/AADSTS7000215/);
    expect(authority.issuedTokens).toHaveLength(0);
  });

  it('answers the next token request as scripted, then normally again', async () => {
    authority.respondNextToken(400, { error: 'invalid_request', error_description: 'AADSTS90002: Tenant not found.' });

    await expect(credential(SECRET).getToken(GRAPH_SCOPE)).rejects.toThrow(/AADSTS90002/);
    const accessToken = await credential(SECRET).getToken(GRAPH_SCOPE);
    expect(accessToken?.token).toBe(authority.issuedTokens[0]);
  });
});
