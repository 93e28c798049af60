import type { EntryPoint } from '../attempts/attempt';
import type { UnassignRequestInput } from './unassign-request';

/** Everything the use case needs from the HTTP request, raw: it authenticates and validates itself, so it can audit refusals. */
export interface UnassignResourceAccountCommand extends UnassignRequestInput {
  entryPoint: EntryPoint;
  authorization?: string;
  correlationId: string;
  clientIp: string | null;
  userAgent: string | null;
}

export interface UnassignSucceeded {
  attemptId: string;
  outcome: 'succeeded';
  deviceId: string;
  changeTicket: string | null;
  breakGlass: boolean;
  simulated: boolean;
  graph: { status: number; requestId: string | null; clientRequestId: string };
}

/** What the use case answers: the success body, and whether it repeats an earlier request's (Idempotent-Replayed). */
export interface UnassignAnswer {
  succeeded: UnassignSucceeded;
  replayed: boolean;
}
