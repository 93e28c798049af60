import type { TerminalOutcome } from '../attempts/attempt';
import { ProblemCode } from '../http/problem-code';
import { ProblemError, type ProblemExtensions } from '../http/problem.error';
import type { GraphFailure, UnavailableCause } from '../graph/graph-client';

/** A step's verdict that ends the attempt: the outcome to record and the problem to answer with. */
export class AttemptRefusal extends Error {
  constructor(
    readonly outcome: TerminalOutcome,
    readonly problem: ProblemError,
    /** What the record says, when it may say more than the caller is told (auditors read it; the caller sees the problem). */
    readonly auditReason?: string,
    /** False only for a flood's repeated refusals, counted in their rate-limit window instead of one row each. */
    readonly recorded = true,
  ) {
    super(problem.message);
  }

  withAuditReason(reason: string): AttemptRefusal {
    return new AttemptRefusal(this.outcome, this.problem, reason, this.recorded);
  }

  unrecorded(): AttemptRefusal {
    return new AttemptRefusal(this.outcome, this.problem, this.auditReason, false);
  }
}

export function auditUnavailable(): ProblemError {
  return new ProblemError(
    ProblemCode.AuditUnavailable,
    'The attempt could not be recorded, so nothing was forwarded to Microsoft Graph.',
  );
}

export function refuse(
  outcome: TerminalOutcome,
  code: ProblemCode,
  detail: string,
  extensions?: ProblemExtensions,
): AttemptRefusal {
  return new AttemptRefusal(outcome, new ProblemError(code, detail, extensions));
}

/** How a failed Graph exchange ends the attempt. */
export function refusalForGraphFailure(failure: GraphFailure, deviceId: string): AttemptRefusal {
  const graph = { status: failure.status, requestId: failure.requestId, clientRequestId: failure.clientRequestId };
  switch (failure.kind) {
    case 'unavailable':
      return refuse('graph_unavailable', ProblemCode.GraphUnavailable, UNAVAILABLE_DETAIL[failure.cause], {
        graph,
        reason: failure.cause,
        ...retryAfter(failure.retryAfterSeconds),
      });
    case 'throttled':
      return refuse(
        'rate_limited',
        ProblemCode.RateLimited,
        'The gate is pacing its calls to Microsoft Graph; nothing was sent. Retry later.',
        {
          graph,
          reason: 'gate_pacing',
          retryAfterSeconds: failure.retryAfterSeconds,
        },
      );
    case 'timeout':
      return refuse(
        'graph_timeout',
        ProblemCode.GraphTimeout,
        'Microsoft Graph did not answer in time; check the device before retrying.',
        { graph },
      );
    case 'lost':
      return refuse(
        'unknown',
        ProblemCode.GraphError,
        "Graph's answer was lost; the action may or may not have happened.",
        { graph },
      );
    case 'error':
      return refusalForGraphError(failure, deviceId, { ...graph, code: failure.code });
  }
}

const UNAVAILABLE_DETAIL: Record<UnavailableCause, string> = {
  token_endpoint:
    'The gate could not get its app token for Microsoft Graph from the token endpoint; nothing was changed.',
  connection: 'Microsoft Graph could not be reached; nothing was changed.',
  circuit_open: 'Microsoft Graph has failed repeatedly; the gate is not calling it for a while. Nothing was changed.',
};

const retryAfter = (seconds: number | undefined) => (seconds === undefined ? {} : { retryAfterSeconds: seconds });

function refusalForGraphError(
  failure: Extract<GraphFailure, { kind: 'error' }>,
  deviceId: string,
  graph: ProblemExtensions['graph'],
): AttemptRefusal {
  const retry = retryAfter(failure.retryAfterSeconds);
  if (failure.status === 404) {
    return refuse('device_not_found', ProblemCode.DeviceNotFound, `No Autopilot device ${deviceId} in the tenant.`, {
      graph,
    });
  }
  if (failure.status === 429) {
    return refuse('rate_limited', ProblemCode.RateLimited, 'Microsoft Graph is throttling the gate; retry later.', {
      graph,
      ...retry,
    });
  }
  if (failure.status === 504) {
    return refuse(
      'graph_timeout',
      ProblemCode.GraphTimeout,
      'Microsoft Graph timed out; check the device before retrying.',
      { graph },
    );
  }
  if (failure.status === 502 || failure.status === 503) {
    return refuse('graph_unavailable', ProblemCode.GraphUnavailable, 'Microsoft Graph is unavailable.', {
      graph,
      ...retry,
    });
  }
  // Graph's own message stays on the attempt for those who may diagnose it; the caller gets its status and code.
  return refuse(
    'graph_failed',
    ProblemCode.GraphError,
    `Microsoft Graph refused the request (${failure.status} ${failure.code}).`,
    { graph },
  );
}
