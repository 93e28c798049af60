import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { closeServer, lowerCaseHeaders, PendingDelays, readBody } from './loopback-http';

export interface FakeAutopilotDevice {
  id: string;
  serialNumber: string;
  groupTag: string;
  displayName: string;
  resourceName: string;
  userPrincipalName?: string;
  addressableUserName?: string;
  deviceAccountPassword?: string;
  enrollmentState?: string;
  deploymentProfileAssignmentStatus?: string;
  /** The id Graph's answer claims, when it is not the one asked for (a hostile or broken answer). */
  reportedId?: string;
}

export interface RecordedGraphRequest {
  method: string;
  /** Path including the query string, e.g. `/beta/deviceManagement/...?$select=id`. */
  path: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: string;
  /** Date.now() when the request arrived. */
  receivedAt: number;
  /** The request-id header the fake answered with, as Graph's support would know the call. */
  answeredRequestId: string;
}

export type GraphRequestKind = 'read' | 'unassign' | 'list';

/**
 * A one-shot answer for the next request of a kind.
 * A status below 400 means Graph did the work (an unassign clears the device) and only the answer
 * is affected by `delayMs`/`dropConnection`; 400 and above never change state.
 */
export interface ScriptedGraphResponse {
  status: number;
  code?: string;
  message?: string;
  headers?: Record<string, string>;
  delayMs?: number;
  intuneStyleMessage?: boolean;
  dropConnection?: boolean;
}

export interface FakeGraphServerOptions {
  isValidAccessToken?: (token: string) => boolean;
}

const DEVICE_ROUTE = /^\/beta\/deviceManagement\/windowsAutopilotDeviceIdentities\/([^/]+)$/i;
const DEVICES_ROUTE = /^\/beta\/deviceManagement\/windowsAutopilotDeviceIdentities$/i;
// Graph supports only contains() on serialNumber; an eq filter is refused with 400 (issue 7's finding).
const CONTAINS_SERIAL = /^contains\(serialNumber,'((?:[^']|'')*)'\)$/;
const UNASSIGN_ROUTE =
  /^\/beta\/deviceManagement\/windowsAutopilotDeviceIdentities\/([^/]+)(?:\/deploymentProfile\/assignedDevices\/([^/]+))?\/unassignResourceAccountFromDevice$/i;

const DEFAULT_CODES: Record<number, string> = {
  400: 'BadRequest',
  401: 'InvalidAuthenticationToken',
  403: 'Forbidden',
  404: 'ResourceNotFound',
  409: 'Conflict',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

const DEFAULT_MESSAGES: Record<number, string> = {
  401: 'Access token validation failure.',
  403: 'Application is not authorized to perform this operation. Application must have one of the following scopes: DeviceManagementServiceConfig.ReadWrite.All',
  404: 'Resource not found',
  429: 'Please retry again later.',
};

// Graph answers 401 with this challenge (REFERENCE §2.3).
const WWW_AUTHENTICATE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  requestId: string;
  clientRequestId: string;
}

export class FakeGraphServer {
  readonly requests: RecordedGraphRequest[] = [];
  private readonly devices = new Map<string, FakeAutopilotDevice>();
  private readonly scripted: Record<GraphRequestKind, ScriptedGraphResponse[]> = { read: [], unassign: [], list: [] };
  /** How many devices one page of a list holds; the rest come through @odata.nextLink. */
  listPageSize = 100;
  private readonly delays = new PendingDelays();

  private constructor(
    private readonly server: Server,
    private readonly isValidAccessToken: (token: string) => boolean,
  ) {}

  static async start(options: FakeGraphServerOptions = {}): Promise<FakeGraphServer> {
    const server = createServer();
    const fake = new FakeGraphServer(server, options.isValidAccessToken ?? (() => true));
    // A client that hangs up mid-request must not crash the test process.
    server.on('request', (req, res) => void fake.handle(req, res).catch(() => res.destroy()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get baseUrl(): string {
    return `${this.origin}/beta`;
  }

  get unassignRequests(): RecordedGraphRequest[] {
    return this.requests.filter((request) => request.method === 'POST');
  }

  get deviceReads(): RecordedGraphRequest[] {
    return this.requests.filter((request) => request.method === 'GET');
  }

  addDevice(device: FakeAutopilotDevice): void {
    this.devices.set(device.id, { ...device });
  }

  device(id: string): FakeAutopilotDevice | undefined {
    const device = this.devices.get(id);
    return device && { ...device };
  }

  respondNext(kind: GraphRequestKind, response: ScriptedGraphResponse): void {
    this.scripted[kind].push(response);
  }

  reset(): void {
    this.requests.length = 0;
    this.scripted.read.length = 0;
    this.scripted.unassign.length = 0;
    this.scripted.list.length = 0;
  }

  async close(): Promise<void> {
    this.delays.cancelAll();
    await closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = req.url ?? '/';
    const headers = lowerCaseHeaders(req);
    const requestId = randomUUID();
    this.requests.push({
      method: req.method ?? '',
      path,
      headers,
      body,
      receivedAt: Date.now(),
      answeredRequestId: requestId,
    });

    const exchange: Exchange = {
      req,
      res,
      path,
      requestId,
      clientRequestId: headers['client-request-id'] ?? requestId,
    };

    const token = /^Bearer (.+)$/i.exec(headers.authorization ?? '')?.[1]?.trim() ?? '';
    if (!token || !this.isValidAccessToken(token)) {
      this.sendError(exchange, { status: 401 });
      return;
    }

    const pathname = new URL(path, this.origin).pathname;
    const read = req.method === 'GET' ? DEVICE_ROUTE.exec(pathname) : null;
    const unassign = req.method === 'POST' ? UNASSIGN_ROUTE.exec(pathname) : null;
    if (req.method === 'GET' && DEVICES_ROUTE.test(pathname)) await this.list(exchange);
    else if (read) await this.answer('read', exchange, decodeURIComponent(read[1]));
    else if (unassign) await this.answer('unassign', exchange, decodeURIComponent(unassign[2] ?? unassign[1]));
    else
      this.sendError(exchange, {
        status: 400,
        message: `Resource not found for the segment '${pathname.split('/').pop()}'.`,
      });
  }

  private async list(exchange: Exchange): Promise<void> {
    const scripted = this.scripted.list.shift();
    if (scripted?.delayMs) await this.delays.sleep(scripted.delayMs);
    if (scripted && scripted.status >= 400) return this.sendError(exchange, scripted);
    const query = new URL(exchange.path, this.origin).searchParams;
    const filter = CONTAINS_SERIAL.exec(query.get('$filter') ?? '');
    if (!filter) {
      return this.sendError(exchange, {
        status: 400,
        code: 'BadRequest',
        message: 'Invalid filter clause: only contains(serialNumber, ...) is supported',
      });
    }
    const wanted = filter[1].replaceAll("''", "'").toLowerCase();
    const matching = [...this.devices.values()].filter((device) => device.serialNumber.toLowerCase().includes(wanted));
    const skip = Number(query.get('$skiptoken') ?? 0);
    const page = matching.slice(skip, skip + this.listPageSize).map((device) => this.deviceEntity(device));
    const next = skip + this.listPageSize < matching.length ? new URL(exchange.path, this.origin) : undefined;
    next?.searchParams.set('$skiptoken', String(skip + this.listPageSize));
    this.send(exchange, 200, scripted?.headers, {
      '@odata.context': `${this.baseUrl}/$metadata#deviceManagement/windowsAutopilotDeviceIdentities`,
      value: page,
      ...(next ? { '@odata.nextLink': next.toString() } : {}),
    });
  }

  private async answer(kind: GraphRequestKind, exchange: Exchange, deviceId: string): Promise<void> {
    const scripted = this.scripted[kind].shift();
    const performed = !scripted || scripted.status < 400;
    const device = this.devices.get(deviceId);
    if (performed && kind === 'unassign' && device) device.resourceName = '';

    if (scripted?.delayMs) await this.delays.sleep(scripted.delayMs);
    if (scripted?.dropConnection) {
      exchange.req.socket.destroy();
      return;
    }
    if (scripted && !performed) {
      this.sendError(exchange, scripted);
      return;
    }

    if (!device) this.sendError(exchange, { status: 404, intuneStyleMessage: true, headers: scripted?.headers });
    else if (kind === 'unassign') this.send(exchange, 204, scripted?.headers);
    else this.send(exchange, 200, scripted?.headers, this.deviceEntity(device));
  }

  private deviceEntity({ reportedId, ...device }: FakeAutopilotDevice): Record<string, unknown> {
    return {
      '@odata.context': `${this.baseUrl}/$metadata#deviceManagement/windowsAutopilotDeviceIdentities/$entity`,
      '@odata.type': '#microsoft.graph.windowsAutopilotDeviceIdentity',
      userPrincipalName: '',
      addressableUserName: '',
      deviceAccountPassword: null,
      enrollmentState: 'enrolled',
      deploymentProfileAssignmentStatus: 'assignedInSync',
      ...device,
      id: reportedId ?? device.id,
    };
  }

  private sendError(exchange: Exchange, scripted: Omit<ScriptedGraphResponse, 'delayMs' | 'dropConnection'>): void {
    const { status } = scripted;
    const message = scripted.message ?? DEFAULT_MESSAGES[status] ?? 'An error has occurred.';
    const innerError: Record<string, string> = {
      date: new Date().toISOString().slice(0, 19),
      'request-id': exchange.requestId,
      'client-request-id': exchange.clientRequestId,
    };
    // Graph's throttling sample carries these extra keys inside innerError (REFERENCE §3.1).
    const throttled = status === 429 ? { code: '429', status: '429', message: 'Please retry after' } : {};
    const body = {
      error: {
        code: scripted.code ?? DEFAULT_CODES[status] ?? 'UnknownError',
        message: scripted.intuneStyleMessage ? this.intuneMessage(exchange, message) : message,
        innerError: { ...throttled, ...innerError },
      },
    };
    const challenge: Record<string, string> = status === 401 ? { 'WWW-Authenticate': WWW_AUTHENTICATE } : {};
    this.send(exchange, status, { ...challenge, ...scripted.headers }, body);
  }

  private intuneMessage(exchange: Exchange, message: string): string {
    const url = `https://fef.msub01.manage.microsoft.com${exchange.path.replace(/^\/beta/, '/DeviceEnrollmentFE/StatelessDeviceEnrollmentFEService')}`;
    const envelope = {
      _version: 3,
      Message: `${message} - Operation ID (for customer support): ${randomUUID()} - Activity ID: ${exchange.clientRequestId} - Url: ${url}`,
      CustomApiErrorPhrase: '',
      RetryAfter: null,
      ErrorSourceService: '',
      HttpHeaders: '{}',
    };
    return JSON.stringify(envelope, null, 2).replace(/\n/g, '\r\n');
  }

  private send(exchange: Exchange, status: number, headers: Record<string, string> = {}, body?: unknown): void {
    const { res } = exchange;
    if (res.destroyed) return;
    res.setHeader('request-id', exchange.requestId);
    res.setHeader('client-request-id', exchange.clientRequestId);
    res.setHeader('Date', new Date().toUTCString());
    if (body !== undefined) res.setHeader('Content-Type', 'application/json');
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.writeHead(status);
    res.end(body === undefined ? undefined : JSON.stringify(body));
  }
}
