import type { TokenCredential } from '@azure/identity';
import { Logger } from '@nestjs/common';
import { Agent } from 'undici';
import { autopilotDeviceFrom, type AutopilotDevice } from './autopilot-device';
import {
  GraphClient,
  type GraphCallOptions,
  type GraphExchange,
  type GraphFailure,
  type GraphResult,
} from './graph-client';
import { parseRetryAfter, readGraphError } from './graph-error-body';
import { GraphTokenSource } from './graph-token-source';
import type { GraphPacer, PacingDecision } from './resilience/graph-pacer';

const DEVICES_PATH = '/deviceManagement/windowsAutopilotDeviceIdentities';
const MAX_LIST_PAGES = 5;
const TIMED_OUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const NEVER_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

interface GraphHttpOptions {
  baseUrl: string;
  scope: string;
  timeoutMs: number;
}

interface GraphResponse {
  status: number;
  requestId?: string;
  retryAfter: string | null;
  body: unknown;
}

type Unsent = { failure: 'unavailable'; cause: 'token_endpoint' | 'connection'; reason: string; durationMs: number };
type Paced = { failure: 'throttled'; retryAfterSeconds: number; durationMs: number };
type Sent =
  | { response: GraphResponse; durationMs: number; pacedMs: number }
  | Unsent
  | Paced
  | { failure: 'timeout' | 'lost'; reason: string; durationMs: number; pacedMs: number };

/**
 * Talks to Microsoft Graph with an app token from @azure/identity, over one keep-alive connection pool
 * (undici's request API: the gate's hot path, measured cheaper than fetch's WHATWG layer).
 */
export class HttpGraphClient extends GraphClient {
  readonly simulated = false;
  private readonly logger = new Logger(HttpGraphClient.name);
  private readonly tokens: GraphTokenSource;
  private readonly agent: Agent;
  private readonly origin: string;
  private readonly basePath: string;

  constructor(
    credential: TokenCredential,
    private readonly options: GraphHttpOptions,
    /** The shared token bucket; each request waits for its token right before it leaves, its app token in hand. */
    private readonly pacer?: GraphPacer,
  ) {
    super();
    this.tokens = new GraphTokenSource(credential, options.scope);
    // undici's own timers rather than an AbortSignal.timeout per call: those live for the whole timeout,
    // and thousands of them alive at once were measured to lengthen garbage-collection pauses.
    this.agent = new Agent({
      keepAliveTimeout: 30_000,
      connect: { timeout: options.timeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    const base = new URL(options.baseUrl);
    this.origin = base.origin;
    this.basePath = base.pathname.replace(/\/+$/, '');
  }

  async getAutopilotDevice(
    deviceId: string,
    clientRequestId: string,
    options: GraphCallOptions = {},
  ): Promise<GraphResult<AutopilotDevice>> {
    const sent = await this.send('GET', `${DEVICES_PATH}/${encodeURIComponent(deviceId)}`, clientRequestId, options);
    if (!('response' in sent)) return readFailure(sent, clientRequestId);
    const { response, durationMs, pacedMs } = sent;
    const ids = { status: response.status, requestId: response.requestId, clientRequestId, durationMs, pacedMs };
    if (response.status >= 300) return graphError(response, ids);
    if (response.body === null || typeof response.body !== 'object') {
      return {
        kind: 'error',
        ...ids,
        code: 'InvalidResponse',
        message: 'Graph returned a body that is not a JSON object',
      };
    }
    return { kind: 'ok', ...ids, value: autopilotDeviceFrom(deviceId, response.body as Record<string, unknown>) };
  }

  /** Graph's `contains` filter (it refuses `eq` on serialNumber), following its next links for a few pages. */
  async listAutopilotDevicesBySerial(
    serialNumber: string,
    clientRequestId: string,
    options: GraphCallOptions = {},
  ): Promise<GraphResult<AutopilotDevice[]>> {
    const devices: AutopilotDevice[] = [];
    let path: string | undefined =
      `${DEVICES_PATH}?$filter=${encodeURIComponent(`contains(serialNumber,${odataString(serialNumber)})`)}`;
    let durationMs = 0;
    for (let page = 0; path !== undefined && page < MAX_LIST_PAGES; page += 1) {
      const sent = await this.send('GET', path, clientRequestId, options);
      if (!('response' in sent)) return readFailure(sent, clientRequestId);
      const { response } = sent;
      durationMs += sent.durationMs;
      const ids = {
        status: response.status,
        requestId: response.requestId,
        clientRequestId,
        durationMs,
        pacedMs: sent.pacedMs,
      };
      if (response.status >= 300) return graphError(response, ids);
      const body = (response.body ?? {}) as { value?: unknown; '@odata.nextLink'?: unknown };
      if (!Array.isArray(body.value))
        return { kind: 'error', ...ids, code: 'InvalidResponse', message: 'Graph returned a list without value' };
      for (const entity of body.value) {
        if (entity !== null && typeof entity === 'object' && typeof (entity as { id?: unknown }).id === 'string') {
          devices.push(autopilotDeviceFrom((entity as { id: string }).id, entity as Record<string, unknown>));
        }
      }
      path = this.nextPath(body['@odata.nextLink']);
      if (path === undefined) return { kind: 'ok', ...ids, value: devices };
    }
    return {
      kind: 'error',
      status: 200,
      clientRequestId,
      durationMs,
      code: 'TooManyMatches',
      message: `more than ${MAX_LIST_PAGES} pages of devices contain this serial number`,
    };
  }

  async unassignResourceAccount(
    deviceId: string,
    clientRequestId: string,
    options: GraphCallOptions = {},
  ): Promise<GraphResult<void>> {
    const sent = await this.send(
      'POST',
      `${DEVICES_PATH}/${encodeURIComponent(deviceId)}/unassignResourceAccountFromDevice`,
      clientRequestId,
      options,
    );
    if (!('response' in sent)) {
      if (sent.failure === 'lost')
        return {
          kind: 'lost',
          reason: sent.reason,
          clientRequestId,
          durationMs: sent.durationMs,
          pacedMs: sent.pacedMs,
        };
      return readFailure(sent, clientRequestId);
    }
    const { response, durationMs, pacedMs } = sent;
    const ids = { status: response.status, requestId: response.requestId, clientRequestId, durationMs, pacedMs };
    if (response.status < 300) return { kind: 'ok', ...ids, value: undefined };
    return graphError(response, ids);
  }

  private async send(
    method: 'GET' | 'POST',
    path: string,
    clientRequestId: string,
    options: GraphCallOptions,
  ): Promise<Sent> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let token: string;
    try {
      token = await this.tokens.token(this.options.timeoutMs);
    } catch (error) {
      // The credential's message (AADSTS code and text, trace ids) holds no secret and is what operators need.
      const reason = `no Graph token: ${(error as Error).name}: ${(error as Error).message}`.slice(0, 1000);
      this.logger.warn({ reason }, 'Graph token could not be obtained');
      return { failure: 'unavailable', cause: 'token_endpoint', reason, durationMs: elapsed() };
    }
    const pacing = await this.pace(options.deadline);
    if (!pacing.granted)
      return {
        failure: 'throttled',
        retryAfterSeconds: Math.max(1, Math.ceil(pacing.retryAfterMs / 1000)),
        durationMs: elapsed(),
      };
    const pacedMs = pacing.waitedMs;
    try {
      const { statusCode, headers, body } = await this.agent.request({
        origin: this.origin,
        path: `${this.basePath}${path}`,
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          'client-request-id': clientRequestId,
          'return-client-request-id': 'true',
          ...(method === 'POST' ? { 'content-length': '0' } : {}),
        },
      });
      const text = await body.text();
      const response = {
        status: statusCode,
        requestId: header(headers['request-id']),
        retryAfter: header(headers['retry-after']) ?? null,
        body: parseJson(text),
      };
      return { response, durationMs: elapsed(), pacedMs };
    } catch (error) {
      const code =
        (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code ?? 'unknown';
      if (TIMED_OUT.has(code)) return { failure: 'timeout', reason: code, durationMs: elapsed(), pacedMs };
      if (NEVER_SENT.has(code))
        return { failure: 'unavailable', cause: 'connection', reason: code, durationMs: elapsed() };
      return { failure: 'lost', reason: code, durationMs: elapsed(), pacedMs };
    }
  }

  /** Only a next link on Graph's own origin and path is followed: an answer must not send the gate's token elsewhere. */
  private nextPath(link: unknown): string | undefined {
    if (typeof link !== 'string') return undefined;
    const url = new URL(link, this.origin);
    if (url.origin !== this.origin || !url.pathname.startsWith(`${this.basePath}${DEVICES_PATH}`)) return undefined;
    return `${url.pathname.slice(this.basePath.length)}${url.search}`;
  }

  /** Waits for this request's token from the shared bucket, unless that wait would pass the call's deadline. */
  private pace(deadline = Date.now() + this.options.timeoutMs): Promise<PacingDecision> {
    return this.pacer ? this.pacer.acquire(deadline - Date.now()) : Promise.resolve({ granted: true, waitedMs: 0 });
  }
}

/** A try that got no usable answer. A read that lost its answer changed nothing: it is simply unavailable. */
function readFailure(sent: Exclude<Sent, { response: GraphResponse }>, clientRequestId: string): GraphFailure {
  switch (sent.failure) {
    case 'throttled':
      return {
        kind: 'throttled',
        retryAfterSeconds: sent.retryAfterSeconds,
        clientRequestId,
        durationMs: sent.durationMs,
      };
    case 'timeout':
      return { kind: 'timeout', clientRequestId, durationMs: sent.durationMs, pacedMs: sent.pacedMs };
    case 'unavailable':
      return {
        kind: 'unavailable',
        cause: sent.cause,
        reason: sent.reason,
        clientRequestId,
        durationMs: sent.durationMs,
      };
    case 'lost':
      return {
        kind: 'unavailable',
        cause: 'connection',
        reason: sent.reason,
        clientRequestId,
        durationMs: sent.durationMs,
      };
  }
}

/** An OData string literal: quoted, an inner quote doubled. */
export function odataString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function graphError(response: GraphResponse, ids: GraphExchange & { status: number }): GraphFailure {
  return {
    kind: 'error',
    ...ids,
    ...readGraphError(response.body),
    retryAfterSeconds: parseRetryAfter(response.retryAfter),
  };
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : null;
  } catch {
    return null;
  }
}
