import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeAutopilotDevice, FakeGraphServer } from './fake-graph.server';

const DEVICE: FakeAutopilotDevice = {
  id: '7b1e0c52-1a2b-4c3d-8e9f-001122334455',
  serialNumber: 'SN-0001',
  groupTag: 'MeetingRooms',
  displayName: 'ROOM-12',
  resourceName: 'room12@contoso.example',
};
const UNKNOWN_ID = '00000000-0000-0000-0000-00000000dead';
const CLIENT_REQUEST_ID = '5f9d8c7b-0000-4000-8000-000000000002';

interface GraphError {
  code: string;
  message: string;
  innerError: Record<string, string>;
}
const errorOf = async (response: Response) => ((await response.json()) as { error: GraphError }).error;

describe(FakeGraphServer.name, () => {
  let graph: FakeGraphServer;

  beforeAll(async () => {
    graph = await FakeGraphServer.start({ isValidAccessToken: (token) => token === 'good-token' });
  });
  afterAll(() => graph.close());
  beforeEach(() => {
    graph.reset();
    graph.addDevice(DEVICE);
  });

  const deviceUrl = (id: string) => `${graph.baseUrl}/deviceManagement/windowsAutopilotDeviceIdentities/${id}`;
  const call = (method: 'GET' | 'POST', path: string, headers: Record<string, string> = {}) =>
    fetch(`${deviceUrl(DEVICE.id)}${path}`, {
      method,
      headers: { Authorization: 'Bearer good-token', 'client-request-id': CLIENT_REQUEST_ID, ...headers },
    });
  const unassign = () => call('POST', '/unassignResourceAccountFromDevice');

  it('serves a device as a top-level OData entity', async () => {
    const response = await call('GET', '?$select=id,resourceName');

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      '@odata.context': expect.stringContaining('$metadata#deviceManagement/windowsAutopilotDeviceIdentities/$entity'),
      '@odata.type': '#microsoft.graph.windowsAutopilotDeviceIdentity',
      ...DEVICE,
    });
    expect(graph.deviceReads[0].path).toMatch(/\?\$select=id,resourceName$/);
  });

  it('rejects a missing or invalid bearer with InvalidAuthenticationToken and a challenge', async () => {
    const response = await call('POST', '/unassignResourceAccountFromDevice', { Authorization: 'Bearer stolen' });

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm=""/);
    expect((await errorOf(response)).code).toBe('InvalidAuthenticationToken');
    expect(graph.device(DEVICE.id)?.resourceName).toBe(DEVICE.resourceName);
  });

  it('unassigns through both URL forms, targeting the last id', async () => {
    graph.addDevice({ ...DEVICE, id: 'second' });

    expect((await unassign()).status).toBe(204);
    const nested = await call('POST', '/deploymentProfile/assignedDevices/second/unassignResourceAccountFromDevice');

    expect(nested.status).toBe(204);
    expect(graph.device(DEVICE.id)?.resourceName).toBe('');
    expect(graph.device('second')?.resourceName).toBe('');
    expect(graph.unassignRequests).toHaveLength(2);
  });

  it('answers an unknown device with an Intune-style 404 that echoes the client-request-id', async () => {
    const response = await fetch(`${deviceUrl(UNKNOWN_ID)}/unassignResourceAccountFromDevice`, {
      method: 'POST',
      headers: { Authorization: 'Bearer good-token', 'client-request-id': CLIENT_REQUEST_ID },
    });
    const error = await errorOf(response);

    expect(response.status).toBe(404);
    expect(response.headers.get('client-request-id')).toBe(CLIENT_REQUEST_ID);
    expect(error.code).toBe('ResourceNotFound');
    expect(JSON.parse(error.message)).toMatchObject({
      _version: 3,
      Message: expect.stringContaining(`Activity ID: ${CLIENT_REQUEST_ID}`),
    });
    expect(error.message).toContain('\r\n');
    expect(error.innerError).toEqual({
      date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/),
      'request-id': response.headers.get('request-id'),
      'client-request-id': CLIENT_REQUEST_ID,
    });
  });

  it('uses the request-id as client-request-id when the caller sends none', async () => {
    const response = await fetch(deviceUrl(DEVICE.id), { headers: { Authorization: 'Bearer good-token' } });

    expect(response.headers.get('client-request-id')).toBe(response.headers.get('request-id'));
    expect(response.headers.get('date')).toBeTruthy();
  });

  it('plays scripted failures once each, in order, per request kind', async () => {
    graph.respondNext('unassign', { status: 403, intuneStyleMessage: true });
    graph.respondNext('unassign', { status: 429, headers: { 'Retry-After': '0.249' } });
    graph.respondNext('read', { status: 500 });

    const forbidden = await unassign();
    const readFailure = await call('GET', '');
    const throttled = await unassign();
    const succeeded = await unassign();

    expect(forbidden.status).toBe(403);
    expect(JSON.parse((await errorOf(forbidden)).message)).toMatchObject({
      Message: expect.stringMatching(/^Application is not authorized/),
    });
    expect((await errorOf(readFailure)).code).toBe('InternalError');
    expect(throttled.headers.get('retry-after')).toBe('0.249');
    expect(await errorOf(throttled)).toMatchObject({
      code: 'TooManyRequests',
      innerError: { code: '429', status: '429', message: 'Please retry after' },
    });
    expect(succeeded.status).toBe(204);
    expect(graph.device(DEVICE.id)?.resourceName).toBe('');
  });

  it('can drop the connection without touching the device', async () => {
    graph.respondNext('unassign', { status: 500, dropConnection: true });

    await expect(unassign()).rejects.toThrow();
    expect(graph.device(DEVICE.id)?.resourceName).toBe(DEVICE.resourceName);
  });

  it('applies a slow success before answering, so a client timeout leaves the outcome unknown', async () => {
    graph.respondNext('unassign', { status: 204, delayMs: 5_000 });

    await expect(
      fetch(`${deviceUrl(DEVICE.id)}/unassignResourceAccountFromDevice`, {
        method: 'POST',
        headers: { Authorization: 'Bearer good-token' },
        signal: AbortSignal.timeout(100),
      }),
    ).rejects.toThrow();
    expect(graph.device(DEVICE.id)?.resourceName).toBe('');
  });
});
