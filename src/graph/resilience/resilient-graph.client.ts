import { setTimeout as sleep } from 'node:timers/promises';
import { noteGraphAnswer } from '../../http/request-context';
import type { GateTracer } from '../../tracing/gate-tracer';
import { NoopTracer } from '../../tracing/noop-tracer';
import { hasResourceAccount, type AutopilotDevice } from '../autopilot-device';
import { GraphClient, type GraphResult, type GraphTry } from '../graph-client';
import type { GraphBreaker } from './graph-breaker';
import { isRetryable, mayHaveHappened, RetryDelays } from './graph-retry-policy';
import type { GraphTryObserver } from './graph-try-observer';

export interface GraphRetrySettings {
  maxTries: number;
  callDeadlineMs: number;
}

type Operation = GraphTry['operation'];

/** Who hears of each try: a span per try, and the metrics. */
export interface GraphInstruments {
  tracer: GateTracer;
  observer?: GraphTryObserver;
}

/**
 * The Graph port with the manners Graph asks for: every try passed through the circuit breaker (and paced by the
 * shared token bucket inside the HTTP client, up to the call's deadline); transient failures retried with back-off
 * (Retry-After honoured) within GRAPH_MAX_TRIES and GRAPH_CALL_DEADLINE_MS; an unassign whose answer was lost
 * reconciled by reading the device. Each try is reported.
 */
export class ResilientGraphClient extends GraphClient {
  readonly simulated: boolean;

  constructor(
    private readonly inner: GraphClient,
    private readonly breaker: GraphBreaker,
    private readonly settings: GraphRetrySettings,
    private readonly instruments: GraphInstruments = { tracer: new NoopTracer() },
  ) {
    super();
    this.simulated = inner.simulated;
  }

  getAutopilotDevice(deviceId: string, clientRequestId: string): Promise<GraphResult<AutopilotDevice>> {
    const deadline = Date.now() + this.settings.callDeadlineMs;
    return this.call('read', deadline, clientRequestId, () =>
      this.inner.getAutopilotDevice(deviceId, clientRequestId, { deadline }),
    );
  }

  listAutopilotDevicesBySerial(serialNumber: string, clientRequestId: string): Promise<GraphResult<AutopilotDevice[]>> {
    const deadline = Date.now() + this.settings.callDeadlineMs;
    return this.call('read', deadline, clientRequestId, () =>
      this.inner.listAutopilotDevicesBySerial(serialNumber, clientRequestId, { deadline }),
    );
  }

  async unassignResourceAccount(deviceId: string, clientRequestId: string): Promise<GraphResult<void>> {
    const deadline = Date.now() + this.settings.callDeadlineMs;
    const tries: GraphTry[] = [];
    const postsLeft = () => this.settings.maxTries - tries.filter((entry) => entry.operation === 'unassign').length;
    const post = () => this.inner.unassignResourceAccount(deviceId, clientRequestId, { deadline });
    // The read back belongs to the same request: under the same id, Intune's logs show the whole exchange together.
    const read = () => this.inner.getAutopilotDevice(deviceId, clientRequestId, { deadline });
    for (;;) {
      const result = await this.call('unassign', deadline, clientRequestId, post, postsLeft());
      tries.push(...(result.tries ?? []));
      if (!mayHaveHappened(result)) return { ...result, tries };
      const device = await this.call('reconcile', deadline, clientRequestId, read);
      tries.push(...(device.tries ?? []));
      if (device.kind === 'ok' && !hasResourceAccount(device.value)) {
        const durationMs = result.durationMs + device.durationMs;
        return {
          kind: 'ok',
          status: 204,
          value: undefined,
          requestId: result.requestId,
          clientRequestId,
          durationMs,
          reconciled: true,
          tries,
        };
      }
      // Read back and still assigned: the unassign did not happen, and may be sent again while tries and time remain.
      if (device.kind !== 'ok' || postsLeft() <= 0 || Date.now() >= deadline) return { ...asLost(result), tries };
    }
  }

  /** One operation: tries until it succeeds, fails for good, or runs out of tries or time. */
  private async call<T>(
    operation: Operation,
    deadline: number,
    clientRequestId: string,
    send: () => Promise<GraphResult<T>>,
    maxTries = this.settings.maxTries,
  ): Promise<GraphResult<T>> {
    const tries: GraphTry[] = [];
    const delays = new RetryDelays();
    let waitMs = 0;
    for (let attempt = 1; ; attempt += 1) {
      if (waitMs > 0) await sleep(waitMs);
      const result = await this.tryOnce(operation, attempt, clientRequestId, send);
      tries.push(tryOf(operation, result, waitMs));
      if (attempt >= maxTries || !isRetryable(operation === 'unassign' ? 'unassign' : 'read', result))
        return { ...result, tries };
      waitMs = delays.next(result);
      if (Date.now() + waitMs >= deadline) return { ...result, tries };
      this.instruments.observer?.retrying(operation);
    }
  }

  private tryOnce<T>(
    operation: Operation,
    attempt: number,
    clientRequestId: string,
    send: () => Promise<GraphResult<T>>,
  ): Promise<GraphResult<T>> {
    const attributes = {
      'autopilot_gate.graph.operation': operation,
      'autopilot_gate.graph.try': attempt,
      'autopilot_gate.graph.client_request_id': clientRequestId,
    };
    return this.instruments.tracer.inSpan(
      `graph ${operation}`,
      attributes,
      async (span) => {
        const result = (await this.breaker.run(send)) ?? this.circuitOpen(clientRequestId);
        span.setAttributes({
          'autopilot_gate.graph.result': result.kind,
          'http.response.status_code': result.status,
          'autopilot_gate.graph.request_id': result.requestId,
        });
        if (result.kind !== 'ok') span.fail(new Error(result.kind));
        this.instruments.observer?.tried(operation, result);
        noteGraphAnswer(result.requestId);
        return result;
      },
      'client',
    );
  }

  private circuitOpen(clientRequestId: string): GraphResult<never> {
    const retryAfterSeconds = this.breaker.retryAfterSeconds();
    return {
      kind: 'unavailable',
      cause: 'circuit_open',
      reason: 'circuit open',
      retryAfterSeconds,
      clientRequestId,
      durationMs: 0,
    };
  }
}

function tryOf(operation: Operation, result: GraphResult<unknown>, waitMs: number): GraphTry {
  return {
    operation,
    result: result.kind,
    status: result.status,
    requestId: result.requestId,
    clientRequestId: result.clientRequestId,
    waitMs: waitMs + (result.pacedMs ?? 0),
    durationMs: result.durationMs,
    ...(result.kind === 'unavailable' || result.kind === 'lost' ? { reason: result.reason } : {}),
  };
}

/** An unassign whose outcome could not be read back: the action may or may not have happened. */
function asLost<T>(result: GraphResult<T>): GraphResult<T> {
  if (result.kind === 'lost') return result;
  return {
    kind: 'lost',
    reason: `${result.kind === 'error' ? `status ${result.status}` : result.kind}; the device could not be read back`,
    status: result.status,
    requestId: result.requestId,
    clientRequestId: result.clientRequestId,
    durationMs: result.durationMs,
  };
}
