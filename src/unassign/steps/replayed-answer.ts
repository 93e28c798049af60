import type { AttemptRecord } from '../../attempts/attempt';
import { ProblemCode } from '../../http/problem-code';
import { ProblemError, type ProblemExtensions } from '../../http/problem.error';
import type { UnassignSucceeded } from '../unassign-resource-account.command';

/** The body the original request succeeded with, rebuilt from its record field by field. */
export function succeededAnswerOf(original: AttemptRecord): UnassignSucceeded {
  return {
    attemptId: original.id,
    outcome: 'succeeded',
    deviceId: original.deviceId!,
    changeTicket: original.changeTicket,
    breakGlass: original.breakGlass,
    simulated: original.simulated,
    graph: {
      status: original.graphStatus ?? 204,
      requestId: original.graphRequestId,
      clientRequestId: original.graphClientRequestId!,
    },
  };
}

/** The problem the original request was refused with, as it was answered: its detail, extensions, ids and time. */
export function refusedAnswerOf(original: AttemptRecord): ProblemError {
  const answer = (original.answer ?? {}) as { detail?: string; extensions?: ProblemExtensions };
  const code = Object.values(ProblemCode).includes(original.errorCode as ProblemCode)
    ? (original.errorCode as ProblemCode)
    : ProblemCode.InternalError;
  return new ProblemError(
    code,
    answer.detail ?? 'The request was refused.',
    answer.extensions ?? { attemptId: original.id, outcome: original.outcome },
    {
      correlationId: original.correlationId,
      answeredAt: original.settledAt ?? original.receivedAt,
    },
  );
}
