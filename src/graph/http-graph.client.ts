import type { TokenCredential } from '@azure/identity';
import { Logger } from '@nestjs/common';
import { autopilotDeviceFrom, type AutopilotDevice } from './autopilot-device';
import { GraphClient, type GraphResult } from './graph-client';
import { parseRetryAfter, readGraphError } from './graph-error-body';

const DEVICES_PATH = '/deviceManagement/windowsAutopilotDeviceIdentities';
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

interface GraphHttpOptions {
  baseUrl: string;
  scope: string;
  timeoutMs: number;
}

type Sent = { response: Response; durationMs: number } | { failure: 'unavailable' | 'timeout' | 'lost'; reason: string; durationMs: number };

/** Talks to Microsoft Graph with an app token from @azure/identity (which caches and renews it). */
export class HttpGraphClient extends GraphClient {
  readonly simulated = false;
  private readonly logger = new Logger(HttpGraphClient.name);

  constructor(
    private readonly credential: TokenCredential,
    private readonly options: GraphHttpOptions,
  ) {
    super();
  }

  async getAutopilotDevice(deviceId: string, clientRequestId: string): Promise<GraphResult<AutopilotDevice>> {
    const sent = await this.send('GET', `${DEVICES_PATH}/${deviceId}`, clientRequestId);
    if (!('response' in sent)) return { kind: sent.failure === 'lost' ? 'unavailable' : sent.failure, reason: sent.reason, clientRequestId, durationMs: sent.durationMs };
    const { response, durationMs } = sent;
    const ids = { status: response.status, requestId: response.headers.get('request-id') ?? undefined, clientRequestId, durationMs };
    if (!response.ok) return { kind: 'error', ...ids, ...readGraphError(await readJson(response)), retryAfterSeconds: parseRetryAfter(response.headers.get('retry-after')) };
    const entity = await readJson(response);
    if (entity === null || typeof entity !== 'object') return { kind: 'error', ...ids, code: 'InvalidResponse', message: 'Graph returned a body that is not a JSON object' };
    return { kind: 'ok', ...ids, value: autopilotDeviceFrom(deviceId, entity as Record<string, unknown>) };
  }

  async unassignResourceAccount(deviceId: string, clientRequestId: string): Promise<GraphResult<void>> {
    const sent = await this.send('POST', `${DEVICES_PATH}/${deviceId}/unassignResourceAccountFromDevice`, clientRequestId);
    if (!('response' in sent)) {
      return sent.failure === 'timeout'
        ? { kind: 'timeout', clientRequestId, durationMs: sent.durationMs }
        : { kind: sent.failure, reason: sent.reason, clientRequestId, durationMs: sent.durationMs };
    }
    const { response, durationMs } = sent;
    const ids = { status: response.status, requestId: response.headers.get('request-id') ?? undefined, clientRequestId, durationMs };
    if (response.ok) {
      await response.body?.cancel();
      return { kind: 'ok', ...ids, value: undefined };
    }
    return { kind: 'error', ...ids, ...readGraphError(await readJson(response)), retryAfterSeconds: parseRetryAfter(response.headers.get('retry-after')) };
  }

  private async send(method: 'GET' | 'POST', path: string, clientRequestId: string): Promise<Sent> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let token: string;
    try {
      const accessToken = await this.credential.getToken(this.options.scope, { abortSignal: AbortSignal.timeout(this.options.timeoutMs) });
      if (!accessToken) throw new Error('the credential returned no token');
      token = accessToken.token;
    } catch (error) {
      // The credential's message (AADSTS code and text, trace ids) holds no secret and is what operators need.
      const reason = `no Graph token: ${(error as Error).name}: ${(error as Error).message}`.slice(0, 1000);
      this.logger.warn({ reason }, 'Graph token could not be obtained');
      return { failure: 'unavailable', reason, durationMs: elapsed() };
    }
    try {
      const response = await fetch(`${this.options.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          'client-request-id': clientRequestId,
          'return-client-request-id': 'true',
          ...(method === 'POST' ? { 'content-length': '0' } : {}),
        },
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      return { response, durationMs: elapsed() };
    } catch (error) {
      return { ...classifyFetchFailure(error), durationMs: elapsed() };
    }
  }
}

function classifyFetchFailure(error: unknown): { failure: 'unavailable' | 'timeout' | 'lost'; reason: string } {
  if ((error as Error).name === 'TimeoutError') return { failure: 'timeout', reason: 'timeout' };
  const code = ((error as { cause?: { code?: string } }).cause?.code ?? 'unknown');
  return { failure: NEVER_SENT.has(code) ? 'unavailable' : 'lost', reason: code };
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return null;
  }
}
