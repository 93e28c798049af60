import type { TerminalOutcome } from '../attempts/attempt';
import { ProblemCode } from '../http/problem-code';
import { ProblemError, type ProblemExtensions } from '../http/problem.error';
import type { GraphFailure } from '../graph/graph-client';

/** A step's verdict that ends the attempt: the outcome to record and the problem to answer with. */
export class AttemptRefusal extends Error {
  constructor(
    readonly outcome: TerminalOutcome,
    readonly problem: ProblemError,
    /** What the record says, when it may say more than the caller is told (auditors read it; the caller sees the problem). */
    readonly auditReason?: string,
  ) {
    super(problem.message);
  }

  withAuditReason(reason: string): AttemptRefusal {
    return new AttemptRefusal(this.outcome, this.problem, reason);
  }
}

export function refuse(outcome: TerminalOutcome, code: ProblemCode, detail: string, extensions?: ProblemExtensions): AttemptRefusal {
  return new AttemptRefusal(outcome, new ProblemError(code, detail, extensions));
}

/** How a failed Graph exchange ends the attempt. */
export function refusalForGraphFailure(failure: GraphFailure, deviceId: string): AttemptRefusal {
  const graph = { status: failure.status, requestId: failure.requestId, clientRequestId: failure.clientRequestId };
  switch (failure.kind) {
    case 'unavailable':
      return refuse('graph_unavailable', ProblemCode.GraphUnavailable, 'Microsoft Graph could not be reached; nothing was changed.', { graph });
    case 'timeout':
      return refuse('graph_timeout', ProblemCode.GraphTimeout, 'Microsoft Graph did not answer in time; check the device before retrying.', { graph });
    case 'lost':
      return refuse('unknown', ProblemCode.GraphError, "Graph's answer was lost; the action may or may not have happened.", { graph });
    case 'error':
      return refusalForGraphError(failure, deviceId, { ...graph, code: failure.code });
  }
}

function refusalForGraphError(failure: Extract<GraphFailure, { kind: 'error' }>, deviceId: string, graph: ProblemExtensions['graph']): AttemptRefusal {
  const retry = failure.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: failure.retryAfterSeconds };
  if (failure.status === 404) {
    return refuse('device_not_found', ProblemCode.DeviceNotFound, `No Autopilot device ${deviceId} in the tenant.`, { graph });
  }
  if (failure.status === 429) {
    return refuse('rate_limited', ProblemCode.RateLimited, 'Microsoft Graph is throttling the gate; retry later.', { graph, ...retry });
  }
  if (failure.status === 504) {
    return refuse('graph_timeout', ProblemCode.GraphTimeout, 'Microsoft Graph timed out; check the device before retrying.', { graph });
  }
  if (failure.status === 502 || failure.status === 503) {
    return refuse('graph_unavailable', ProblemCode.GraphUnavailable, 'Microsoft Graph is unavailable.', { graph, ...retry });
  }
  // Graph's own message stays on the attempt for those who may diagnose it; the caller gets its status and code.
  return refuse('graph_failed', ProblemCode.GraphError, `Microsoft Graph refused the request (${failure.status} ${failure.code}).`, { graph });
}
