import { AsyncLocalStorage } from 'node:async_hooks';
import type { Principal } from '../auth/principal';
import type { TraceSpan } from '../tracing/gate-tracer';

/** What the gate learns about one request while it runs, for its log lines, its access line and its spans. */
export interface RequestContext {
  readonly requestId: string;
  /** What every Graph call of the request sends as client-request-id (see clientRequestIdFor). */
  readonly graphClientRequestId: string;
  readonly span?: TraceSpan;
  caller?: Pick<Principal, 'oid' | 'appId'>;
  attemptId?: string;
  /** Graph's request-id on its latest answer in this request: the facade hands it on, as Graph would. */
  graphRequestId?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `work`, and everything it starts, within `context`. */
export function runInRequestContext<T>(context: RequestContext, work: () => T): T {
  return storage.run(context, work);
}

export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

export function currentRequestSpan(): TraceSpan | undefined {
  return storage.getStore()?.span;
}

/** The caller a verified token named: the access line says who asked. */
export function noteCaller(principal: Principal): void {
  const context = storage.getStore();
  if (context) context.caller = { oid: principal.oid, appId: principal.appId };
}

/** The attempt this request wrote: the access line names it. */
export function noteAttempt(attemptId: string): void {
  const context = storage.getStore();
  if (context) context.attemptId = attemptId;
}

/** Graph answered within this request: its request-id is the one its support can look up. */
export function noteGraphAnswer(requestId: string | undefined): void {
  const context = storage.getStore();
  if (context && requestId) context.graphRequestId = requestId;
}
