import { Inject, Injectable, Logger } from '@nestjs/common';
import { SUCCESS_STATUS, type AttemptRecord, type EntryPoint, type TerminalOutcome } from '../../attempts/attempt';
import type { AttemptDraft, AttemptSettlement } from '../../attempts/attempt-draft';
import { AttemptRepository } from '../../attempts/attempt.repository';
import { ProblemCode } from '../../http/problem-code';
import type { ProblemError } from '../../http/problem.error';
import { GateMetrics, type RateLimitReason } from '../../metrics/gate-metrics';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/app-config.token';
import type { ChangeTicket } from '../../tickets/change-ticket';
import type { WorkNoteToWrite } from '../../tickets/work-notes/work-note';
import { workNoteText } from '../../tickets/work-notes/work-note-text';
import { auditUnavailable, type AttemptRefusal } from '../attempt-refusal';

/** Outcomes where the gate itself said no; the others are Graph's answers to a request the gate allowed. */
const GATE_REFUSALS = new Set<TerminalOutcome>([
  'unauthenticated',
  'invalid_request',
  'policy_denied',
  'nothing_to_unassign',
  'ticket_rejected',
  'ticket_unavailable',
  'request_conflict',
]);

/** Rate limiting is the gate saying no before the attempt opens (too many requests), Graph's or pacing's after it. */
const isGateRefusal = (outcome: TerminalOutcome, opened: boolean) =>
  GATE_REFUSALS.has(outcome) || (outcome === 'rate_limited' && !opened);

/** The gate's own limits name themselves in the problem; Graph's 429 after the retries names none. */
const GATE_LIMITS = new Set<unknown>(['caller_limit', 'ip_limit', 'gate_pacing'] satisfies RateLimitReason[]);

/** Writes how an attempt ended: succeeded, refused, or answered from an earlier request with the same key. */
@Injectable()
export class AttemptClosing {
  private readonly logger = new Logger(AttemptClosing.name);

  constructor(
    private readonly attempts: AttemptRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: GateMetrics,
  ) {}

  async succeeded(attempt: AttemptDraft, entryPoint: EntryPoint): Promise<void> {
    await this.settleQuietly(attempt, {
      outcome: 'succeeded',
      httpStatus: SUCCESS_STATUS[entryPoint],
      errorCode: null,
    });
  }

  /** Records how a refused attempt ended and returns the problem to answer with, carrying the attempt id. */
  async refused(attempt: AttemptDraft, refusal: AttemptRefusal): Promise<ProblemError> {
    const { outcome } = refusal;
    const limit = refusal.problem.extensions.reason;
    if (outcome === 'rate_limited' && GATE_LIMITS.has(limit)) this.metrics.rateLimitRefused(limit as RateLimitReason);
    if (refusal.problem.code === ProblemCode.AuditUnavailable || !refusal.recorded) return refusal.problem;
    const problem = refusal.problem.withExtensions({ attemptId: attempt.id, outcome });
    if (isGateRefusal(outcome, attempt.opened)) attempt.recordDecision('denied', refusal.auditReason ?? problem.detail);
    attempt.recordAnswer({ detail: problem.detail, extensions: problem.extensions });
    const settlement = { outcome, httpStatus: problem.status, errorCode: problem.code };
    if (attempt.opened) {
      await this.settleQuietly(attempt, settlement);
      return problem;
    }
    try {
      await this.settle(attempt, settlement);
    } catch (error) {
      this.logger.error({ err: error, attemptId: attempt.id }, 'refused attempt could not be recorded');
      return auditUnavailable();
    }
    return problem;
  }

  /** This request is answered with the original's answer; its own row says which attempt that was. */
  async replayed(attempt: AttemptDraft, original: AttemptRecord): Promise<void> {
    attempt.recordReplay(original.id);
    attempt.recordDecision(
      'allowed',
      `replayed the answer of attempt ${original.id} (same Idempotency-Key, same request)`,
    );
    try {
      await this.settle(attempt, {
        outcome: 'replayed',
        httpStatus: original.httpStatus ?? 500,
        errorCode: original.errorCode,
      });
    } catch (error) {
      this.logger.error({ err: error, attemptId: attempt.id }, 'replayed attempt could not be recorded');
      throw auditUnavailable();
    }
  }

  /** A preview always answers 200; its checks are kept with it, for the flow to read back. */
  async previewed(attempt: AttemptDraft, wouldSucceed: boolean, answer: Record<string, unknown>): Promise<void> {
    attempt.recordDecision(
      wouldSucceed ? 'allowed' : 'denied',
      wouldSucceed ? 'every check passed' : 'at least one check failed',
    );
    attempt.recordAnswer(answer);
    await this.settleQuietly(attempt, { outcome: 'previewed', httpStatus: 200, errorCode: null });
  }

  lastSucceededFor(deviceId: string): Promise<{ attemptId: string; at: Date } | null> {
    return this.attempts.lastSucceededFor(deviceId);
  }

  /**
   * After Graph has been called the caller must learn what happened even if the final write fails;
   * the row then stays in flight for the sweeper to settle.
   */
  private async settleQuietly(attempt: AttemptDraft, settlement: AttemptSettlement): Promise<void> {
    try {
      await this.settle(attempt, settlement, this.workNoteFor(attempt, settlement.outcome));
    } catch (error) {
      this.logger.error(
        { err: error, attemptId: attempt.id, outcome: settlement.outcome },
        'attempt outcome could not be recorded',
      );
    }
  }

  /** Counted once written: an outcome the database did not take is settled, and counted, by the sweeper later. */
  private async settle(attempt: AttemptDraft, settlement: AttemptSettlement, note?: WorkNoteToWrite): Promise<void> {
    await this.attempts.settle(attempt, settlement, note);
    this.metrics.attemptSettled(settlement.outcome, attempt.facts.entryPoint, 'request');
  }

  /** An attempt that ended after it was forwarded under a change ticket leaves a note on that change. */
  private workNoteFor(attempt: AttemptDraft, outcome: TerminalOutcome): WorkNoteToWrite | undefined {
    const ticket = attempt.facts.ticketSnapshot as Partial<ChangeTicket> | null;
    if (!this.config.tickets.workNotes.enabled || !attempt.forwarded || !ticket?.number) return undefined;
    const body = workNoteText({ id: attempt.id, ...attempt.facts }, outcome);
    if (ticket.source === 'servicenow' && ticket.externalId)
      return { kind: 'servicenow', changeNumber: ticket.number, changeSysId: ticket.externalId, body };
    return ticket.source === 'local' ? { kind: 'local', changeNumber: ticket.number, body } : undefined;
  }
}
