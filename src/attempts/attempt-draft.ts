import { randomUUID } from 'node:crypto';
import type { Principal } from '../auth/principal';
import type { GraphFailure, GraphResult } from '../graph/graph-client';
import type { AttemptRecord, EntryPoint, TerminalOutcome } from './attempt';

type DraftFacts = Omit<
  AttemptRecord,
  'id' | 'receivedAt' | 'settledAt' | 'outcome' | 'httpStatus' | 'errorCode' | 'durationMs'
>;

export interface AttemptStart {
  entryPoint: EntryPoint;
  correlationId: string;
  clientIp: string | null;
  userAgent: string | null;
  deviceId: string | null;
  serialNumber?: string | null;
  policyVersion: string;
  simulated: boolean;
}

export interface AttemptSettlement {
  outcome: TerminalOutcome;
  httpStatus: number;
  errorCode: string | null;
}

const MAX_TEXT = 1000;
const clip = (value: string | null | undefined, max = MAX_TEXT): string | null =>
  value == null ? null : value.slice(0, max);

/**
 * The attempt while the request is being decided: each step adds what it learned, and the repository writes
 * it at open (before Graph hears of it) and at settle. Nothing here holds a token or a secret.
 */
export class AttemptDraft {
  readonly id = randomUUID();
  readonly receivedAt = new Date();
  private readonly startedAt = performance.now();
  /** True once the in-flight row is committed; settle then updates that row instead of inserting one. */
  opened = false;
  /** True from the moment the unassign POST may have left: only from then on can an outcome be `unknown`. */
  forwarded = false;
  readonly facts: DraftFacts;

  constructor(start: AttemptStart) {
    this.facts = {
      entryPoint: start.entryPoint,
      correlationId: start.correlationId,
      simulated: start.simulated,
      policyVersion: start.policyVersion,
      clientIp: clip(start.clientIp, 100),
      userAgent: clip(start.userAgent, 500),
      deviceId: clip(start.deviceId, 100),
      serialNumber: clip(start.serialNumber, 200),
      actorOid: null,
      actorTenantId: null,
      actorUpn: null,
      actorAppId: null,
      actorKind: null,
      actorRoles: [],
      deviceSnapshot: null,
      changeTicket: null,
      ticketSnapshot: null,
      justification: null,
      breakGlass: false,
      decision: null,
      decisionReason: null,
      graphStatus: null,
      graphErrorCode: null,
      graphErrorMessage: null,
      graphRequestId: null,
      graphClientRequestId: null,
      graphDurationMs: null,
      idempotencyKey: null,
      replayOf: null,
      reconciled: false,
      graphTries: null,
      answer: null,
    };
  }

  elapsedMs(): number {
    return Math.round(performance.now() - this.startedAt);
  }

  recordActor(principal: Principal): void {
    Object.assign(this.facts, {
      actorOid: principal.oid,
      actorTenantId: principal.tenantId,
      actorUpn: clip(principal.upn, 320),
      actorAppId: principal.appId ?? null,
      actorKind: principal.kind,
      actorRoles: principal.roles.slice(0, 50).map((role) => role.slice(0, 200)),
    });
  }

  recordRequest(request: { changeTicket?: string | null; justification?: string | null }): void {
    this.facts.changeTicket = clip(request.changeTicket, 100);
    this.facts.justification = clip(request.justification);
  }

  recordDevice(snapshot: object): void {
    this.facts.deviceSnapshot = { ...snapshot };
  }

  /** The device a serial number resolved to. */
  recordResolvedDevice(deviceId: string): void {
    this.facts.deviceId = deviceId;
  }

  recordTicket(snapshot: object | null, breakGlass: boolean): void {
    this.facts.ticketSnapshot = snapshot ? { ...snapshot } : null;
    this.facts.breakGlass = breakGlass;
  }

  recordDecision(decision: 'allowed' | 'denied', reason: string): void {
    this.facts.decision = decision;
    this.facts.decisionReason = clip(reason);
  }

  recordIdempotencyKey(key: string | null): void {
    this.facts.idempotencyKey = key;
  }

  recordReplay(originalAttemptId: string): void {
    this.facts.replayOf = originalAttemptId;
  }

  /** The detail and extensions of the problem this attempt answered with, for a replay to answer the same. */
  recordAnswer(answer: Record<string, unknown>): void {
    this.facts.answer = answer;
  }

  /** What Graph answered; for an exchange that never got an answer, why (no token, timeout, connection lost). */
  recordGraph(exchange: GraphResult<unknown>): void {
    const failure = exchange.kind === 'ok' ? undefined : exchange;
    Object.assign(this.facts, {
      graphStatus: exchange.status ?? null,
      graphErrorCode: failure?.kind === 'error' ? clip(failure.code, 200) : null,
      graphErrorMessage: failure ? clip(failureText(failure), 2000) : null,
      graphRequestId: exchange.requestId ?? null,
      graphClientRequestId: exchange.clientRequestId,
      graphDurationMs: (this.facts.graphDurationMs ?? 0) + exchange.durationMs,
      graphTries: exchange.tries ? [...(this.facts.graphTries ?? []), ...exchange.tries] : this.facts.graphTries,
      reconciled: exchange.kind === 'ok' && exchange.reconciled === true,
    });
  }
}

function failureText(failure: GraphFailure): string {
  switch (failure.kind) {
    case 'error':
      return failure.message;
    case 'timeout':
      return 'timeout';
    case 'throttled':
      return `paced: the gate's token bucket for Graph would have made this call wait past its deadline`;
    default:
      return failure.reason;
  }
}
