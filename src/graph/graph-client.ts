import type { AutopilotDevice } from './autopilot-device';

/** Graph's identifiers for one exchange: ours (sent) and Graph's own. */
export interface GraphExchange {
  status?: number;
  requestId?: string;
  clientRequestId: string;
  durationMs: number;
  /** How long the request waited for the shared token bucket before it was sent (part of durationMs). */
  pacedMs?: number;
  /** Every try this call made, retries and a reconciling read included (the resilient client fills it in). */
  tries?: GraphTry[];
}

/** A call's deadline (epoch milliseconds): pacing may not make a request wait past it. */
export interface GraphCallOptions {
  deadline?: number;
}

/** Why Graph could not be reached: the token endpoint, the connection, or the gate's own circuit breaker. */
export type UnavailableCause = 'token_endpoint' | 'connection' | 'circuit_open';

/** One request sent (or refused before sending) to Graph, as recorded on the attempt. */
export interface GraphTry {
  operation: 'read' | 'unassign' | 'reconcile';
  result: GraphResult<unknown>['kind'];
  status?: number;
  requestId?: string;
  clientRequestId: string;
  /** How long the gate waited before this try: back-off, Retry-After and pacing. */
  waitMs: number;
  durationMs: number;
  reason?: string;
}

export type GraphFailure =
  | (GraphExchange & { kind: 'error'; status: number; code: string; message: string; retryAfterSeconds?: number })
  /** Never reached Graph (no token, connection refused, circuit open): safe to say nothing happened. */
  | (GraphExchange & { kind: 'unavailable'; cause: UnavailableCause; reason: string; retryAfterSeconds?: number })
  /** The gate's own pacing would have waited past the call's deadline: nothing was sent. */
  | (GraphExchange & { kind: 'throttled'; retryAfterSeconds: number })
  | (GraphExchange & { kind: 'timeout' })
  /** The request may have reached Graph but its answer was lost. */
  | (GraphExchange & { kind: 'lost'; reason: string });

export type GraphResult<T> =
  (GraphExchange & { kind: 'ok'; status: number; value: T; reconciled?: boolean }) | GraphFailure;

/** Port: the two Graph calls the gate makes. Bound to the real Graph or to the simulated tenant. */
export abstract class GraphClient {
  /** True for the simulated tenant; stamped on every attempt it serves. */
  abstract readonly simulated: boolean;
  abstract getAutopilotDevice(
    deviceId: string,
    clientRequestId: string,
    options?: GraphCallOptions,
  ): Promise<GraphResult<AutopilotDevice>>;
  /** The devices whose serial number contains this one, as Graph's `contains` filter finds them (not only exact ones). */
  abstract listAutopilotDevicesBySerial(
    serialNumber: string,
    clientRequestId: string,
    options?: GraphCallOptions,
  ): Promise<GraphResult<AutopilotDevice[]>>;
  /**
   * Unassigns the resource account. `ok` with `reconciled` when the answer was lost but a read of the device showed
   * the account gone.
   */
  abstract unassignResourceAccount(
    deviceId: string,
    clientRequestId: string,
    options?: GraphCallOptions,
  ): Promise<GraphResult<void>>;
}
