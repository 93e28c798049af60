import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AttemptRecord, EntryPoint } from '../../attempts/attempt';
import type { AttemptDraft } from '../../attempts/attempt-draft';
import { AttemptRepository, type IdempotencyClaim } from '../../attempts/attempt.repository';
import { principalKey, type Principal } from '../../auth/principal';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/app-config.token';
import { ProblemCode } from '../../http/problem-code';
import { auditUnavailable, refuse, type AttemptRefusal } from '../attempt-refusal';
import type { UnassignRequest } from '../unassign-request';

/** How long a caller should wait before asking again about a request still in flight. */
const IN_PROGRESS_RETRY_AFTER_SECONDS = 2;

export type Opening = { kind: 'opened' } | { kind: 'replay'; original: AttemptRecord };

/**
 * Commits the in-flight row before Graph hears of the request, and with it the two guarantees that hold across
 * replicas: one request per Idempotency-Key (per caller), and one request per device in flight.
 */
@Injectable()
export class AttemptOpening {
  private readonly logger = new Logger(AttemptOpening.name);

  constructor(
    private readonly attempts: AttemptRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async open(
    attempt: AttemptDraft,
    request: UnassignRequest,
    caller: Principal,
    entryPoint: EntryPoint,
  ): Promise<Opening> {
    const claim = request.idempotencyKey === undefined ? undefined : this.claimFor(request, caller, entryPoint);
    let result;
    try {
      result = await this.attempts.open(attempt, claim);
    } catch (error) {
      // Fail closed: if the in-flight row cannot be committed, nothing is sent to Graph.
      this.logger.error({ err: error, attemptId: attempt.id }, 'attempt could not be recorded; nothing forwarded');
      throw auditUnavailable();
    }
    if (result.kind === 'opened') return result;
    if (result.kind === 'device_busy') {
      throw inProgress(
        'Another request for this device is in flight; retry once it has settled. Nothing was forwarded.',
      );
    }
    const holder = result.holder;
    if (holder === null || holder.attempt.outcome === 'in_flight') {
      throw inProgress('The request with this Idempotency-Key is still in flight; retry once it has settled.');
    }
    if (holder.fingerprint !== claim!.fingerprint) {
      throw refuse(
        'request_conflict',
        ProblemCode.IdempotencyConflict,
        'This Idempotency-Key was used for another request; use a new key for a new request.',
        {
          attemptIdOfKey: holder.attempt.id,
        },
      );
    }
    return { kind: 'replay', original: holder.attempt };
  }

  /** A preview holds no key and no device: it never forwards. Fail closed all the same, before its reads. */
  async openPreview(attempt: AttemptDraft): Promise<void> {
    try {
      await this.attempts.open(attempt);
    } catch (error) {
      this.logger.error({ err: error, attemptId: attempt.id }, 'attempt could not be recorded; nothing read');
      throw auditUnavailable();
    }
  }

  private claimFor(request: UnassignRequest, caller: Principal, entryPoint: EntryPoint): IdempotencyClaim {
    // Keys are the caller's own: the same key from another caller is another key.
    const keyId = asUuid(
      createHash('sha256')
        .update(`${principalKey(caller)}\u0000${request.idempotencyKey}`)
        .digest(),
    );
    // The request is what it asks for, wherever it came in: the door, the device, the ticket, the justification.
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([entryPoint, request.target, request.changeTicket ?? null, request.justification]))
      .digest('hex');
    return { keyId, fingerprint, ttlMs: this.config.resilience.idempotencyTtlMs };
  }
}

/** The first 128 bits of a digest, written as a UUID. */
function asUuid(digest: Buffer): string {
  const hex = digest.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function inProgress(detail: string): AttemptRefusal {
  return refuse('request_conflict', ProblemCode.RequestInProgress, detail, {
    retryAfterSeconds: IN_PROGRESS_RETRY_AFTER_SECONDS,
  });
}
