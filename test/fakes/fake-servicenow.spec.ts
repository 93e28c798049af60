import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeChangeRequest, FakeServiceNowServer } from './fake-servicenow.server';

const USER = { username: 'gate.integration', password: 's3cret' };
const OAUTH_CLIENT = { clientId: 'gate-client', clientSecret: 'gate-secret' };
const basic = `Basic ${Buffer.from(`${USER.username}:${USER.password}`).toString('base64')}`;

type TableResult = { result: Record<string, unknown>[] };

describe(FakeServiceNowServer.name, () => {
  let serviceNow: FakeServiceNowServer;
  let change: FakeChangeRequest;

  beforeAll(async () => {
    serviceNow = await FakeServiceNowServer.start({ ...USER, oauthClient: OAUTH_CLIENT });
    const window = { startDate: new Date('2025-01-01T17:00:00Z'), endDate: new Date('2025-01-01T19:00:00Z') };
    change = serviceNow.addChange({
      number: 'CHG0030001',
      state: '-1',
      approval: 'approved',
      ...window,
      affectedCis: [{ name: 'ROOM-12' }, { name: 'ROOM-13' }],
    });
    serviceNow.addChange({
      number: 'CHG0030002',
      state: '-2',
      approval: 'approved',
      ...window,
      affectedCis: [{ name: 'ROOM-12' }],
    });
  });
  afterAll(() => serviceNow.close());
  beforeEach(() => serviceNow.reset());

  const get = async (path: string, query: Record<string, string>, authorization = basic) => {
    const response = await fetch(`${serviceNow.instanceUrl}${path}?${new URLSearchParams(query).toString()}`, {
      headers: { Authorization: authorization, Accept: 'application/json' },
    });
    return { response, body: (await response.json()) as TableResult };
  };

  it('assigns 32-hex sys_ids and reuses a CI sys_id across changes', async () => {
    expect(change.sysId).toMatch(/^[0-9a-f]{32}$/);
    expect(change.stateLabel).toBe('Implement');
    expect(change.affectedCis[0].sysId).toMatch(/^[0-9a-f]{32}$/);
    const secondChange = await get('/api/now/table/change_request', {
      sysparm_query: 'number=CHG0030002',
      sysparm_fields: 'cmdb_ci',
    });
    expect(secondChange.body.result).toEqual([
      { cmdb_ci: expect.objectContaining({ value: change.affectedCis[0].sysId }) },
    ]);
  });

  it('returns string values, UTC date-times and {link, value} references by default', async () => {
    const { body } = await get('/api/now/table/change_request', { sysparm_query: 'number=CHG0030001' });

    expect(body.result).toHaveLength(1);
    expect(body.result[0]).toMatchObject({
      sys_id: change.sysId,
      state: '-1',
      approval: 'approved',
      start_date: '2025-01-01 17:00:00',
      end_date: '2025-01-01 19:00:00',
      active: 'true',
      cmdb_ci: {
        link: `${serviceNow.instanceUrl}/api/now/table/cmdb_ci/${change.affectedCis[0].sysId}`,
        value: change.affectedCis[0].sysId,
      },
    });
  });

  it('returns {display_value, value} pairs with display_value=all, date display in the user time zone', async () => {
    const { body } = await get('/api/now/table/change_request', {
      sysparm_query: 'number=CHG0030001',
      sysparm_fields: 'number,state,approval,start_date,cmdb_ci,no_such_field',
      sysparm_display_value: 'all',
      sysparm_exclude_reference_link: 'true',
      sysparm_limit: '1',
    });

    expect(body.result).toEqual([
      {
        number: { display_value: 'CHG0030001', value: 'CHG0030001' },
        state: { display_value: 'Implement', value: '-1' },
        approval: { display_value: 'Approved', value: 'approved' },
        start_date: {
          display_value: '2025-01-01 09:00:00',
          value: '2025-01-01 17:00:00',
          display_value_internal: '2025-01-01 09:00:00',
        },
        cmdb_ci: { display_value: 'ROOM-12', value: change.affectedCis[0].sysId },
      },
    ]);
  });

  it('lists affected CIs from task_ci as references, with names in display_value=all', async () => {
    const { body } = await get('/api/now/table/task_ci', {
      sysparm_query: `task=${change.sysId}`,
      sysparm_fields: 'ci_item',
      sysparm_display_value: 'all',
    });

    expect(body.result.map((row) => row.ci_item)).toEqual([
      { display_value: 'ROOM-12', link: expect.stringContaining('/cmdb_ci/'), value: change.affectedCis[0].sysId },
      { display_value: 'ROOM-13', link: expect.stringContaining('/cmdb_ci/'), value: change.affectedCis[1].sysId },
    ]);
  });

  it('answers no match with an empty result and silently ignores unknown query terms', async () => {
    const none = await get('/api/now/table/change_request', { sysparm_query: 'number=CHG9999999' });
    const typo = await get('/api/now/table/change_request', { sysparm_query: 'numbr=CHG0030001' });

    expect(none.response.status).toBe(200);
    expect(none.body).toEqual({ result: [] });
    expect(typo.body.result).toHaveLength(2);
  });

  it('rejects bad credentials and accepts a client-credentials bearer token', async () => {
    const denied = await get('/api/now/table/change_request', {}, 'Basic Ym9ndXM6Ym9ndXM=');
    const tokenResponse = await fetch(`${serviceNow.instanceUrl}/oauth_token.do`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: OAUTH_CLIENT.clientId,
        client_secret: OAUTH_CLIENT.clientSecret,
      }),
    });
    const token = (await tokenResponse.json()) as { access_token: string };
    const allowed = await get(
      '/api/now/table/change_request',
      { sysparm_query: 'number=CHG0030001' },
      `Bearer ${token.access_token}`,
    );

    expect(denied.response.status).toBe(401);
    expect(denied.body).toEqual({
      error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' },
      status: 'failure',
    });
    expect(token).toMatchObject({ token_type: 'Bearer', expires_in: 1799, scope: '' });
    expect(allowed.body.result).toHaveLength(1);
  });

  it('plays a scripted 429 with rate-limit headers once', async () => {
    serviceNow.respondNext({ status: 429, retryAfterSeconds: 7 });

    const limited = await get('/api/now/table/change_request', { sysparm_query: 'number=CHG0030001' });
    const next = await get('/api/now/table/change_request', { sysparm_query: 'number=CHG0030001' });

    expect(limited.response.status).toBe(429);
    expect(limited.response.headers.get('retry-after')).toBe('7');
    expect(limited.response.headers.get('x-ratelimit-limit')).toBeTruthy();
    expect(limited.body).toMatchObject({ error: { message: 'Rate limit exceeded' }, status: 'failure' });
    expect(next.response.status).toBe(200);
    expect(serviceNow.requests.map((request) => request.query.sysparm_query)).toEqual([
      'number=CHG0030001',
      'number=CHG0030001',
    ]);
  });
});
