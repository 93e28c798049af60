import type { AutopilotDevice } from './autopilot-device';

/** Graph's identifiers for one exchange: ours (sent) and Graph's own. */
export interface GraphExchange {
  status?: number;
  requestId?: string;
  clientRequestId: string;
  durationMs: number;
}

export type GraphFailure =
  | (GraphExchange & { kind: 'error'; status: number; code: string; message: string; retryAfterSeconds?: number })
  /** Never reached Graph (no token, connection refused): safe to say nothing happened. */
  | (GraphExchange & { kind: 'unavailable'; reason: string })
  | (GraphExchange & { kind: 'timeout' })
  /** The request may have reached Graph but its answer was lost. */
  | (GraphExchange & { kind: 'lost'; reason: string });

export type GraphResult<T> = (GraphExchange & { kind: 'ok'; status: number; value: T }) | GraphFailure;

/** Port: the two Graph calls the gate makes. Bound to the real Graph or to the simulated tenant. */
export abstract class GraphClient {
  /** True for the simulated tenant; stamped on every attempt it serves. */
  abstract readonly simulated: boolean;
  abstract getAutopilotDevice(deviceId: string, clientRequestId: string): Promise<GraphResult<AutopilotDevice>>;
  abstract unassignResourceAccount(deviceId: string, clientRequestId: string): Promise<GraphResult<void>>;
}
