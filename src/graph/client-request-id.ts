import { randomUUID } from 'node:crypto';
import { currentRequestContext } from '../http/request-context';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The client-request-id every Graph call of a request carries: Graph wants a GUID, and Intune logs it as the Activity
 * ID. The caller's own client-request-id when it is one (what a Graph SDK sends, so its logs and Intune's agree), else
 * the request's id when it is one (the caller's id, our logs, the attempt and Intune's logs all agree), otherwise one
 * fresh GUID for the whole request.
 */
export function clientRequestIdFor(requestId: string, callersClientRequestId: unknown): string {
  if (typeof callersClientRequestId === 'string' && GUID.test(callersClientRequestId)) return callersClientRequestId;
  return GUID.test(requestId) ? requestId : randomUUID();
}

/** The current request's client-request-id for Graph; a fresh GUID outside a request (the sweeper's reads). */
export function currentClientRequestId(): string {
  return currentRequestContext()?.graphClientRequestId ?? randomUUID();
}
