import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { subject } from '@casl/ability';
import { SUCCESS_STATUS, type TerminalOutcome } from '../attempts/attempt';
import { AttemptDraft, type AttemptSettlement } from '../attempts/attempt-draft';
import { AttemptRepository } from '../attempts/attempt.repository';
import { CallerAuthenticator } from '../auth/caller-authenticator.service';
import type { Principal } from '../auth/principal';
import { hasResourceAccount, type AutopilotDevice } from '../graph/autopilot-device';
import { GraphClient, type GraphResult } from '../graph/graph-client';
import { ProblemCode } from '../http/problem-code';
import { ProblemError } from '../http/problem.error';
import { AbilityFactory } from '../policy/ability.factory';
import { bypassesTicketChecks, mayOmitTicket } from '../policy/break-glass';
import type { AppAbility } from '../policy/policy-vocabulary';
import { ChangeTicketChecker } from '../tickets/change-ticket-checker.service';
import { TicketProviderUnavailableError } from '../tickets/ticket-provider';
import { AttemptRefusal, refusalForGraphFailure, refuse } from './attempt-refusal';
import type { UnassignResourceAccountCommand, UnassignSucceeded } from './unassign-resource-account.command';
import { UnassignRequestParser, type UnassignRequest } from './unassign-request';

/** Outcomes where the gate itself said no; the others are Graph's answers to a request the gate allowed. */
const GATE_REFUSALS = new Set<TerminalOutcome>([
  'unauthenticated',
  'invalid_request',
  'policy_denied',
  'nothing_to_unassign',
  'ticket_rejected',
  'ticket_unavailable',
]);

/**
 * The one place that orders the steps of an unassign:
 * authenticate -> validate -> may unassign at all -> record in flight -> read the device -> may unassign this one
 * -> anything to unassign -> check the ticket -> forward -> record the outcome.
 * Every request ends in exactly one attempt; nothing reaches Graph before its attempt is committed.
 */
@Injectable()
export class UnassignResourceAccountUseCase {
  private readonly logger = new Logger(UnassignResourceAccountUseCase.name);

  constructor(
    private readonly authenticator: CallerAuthenticator,
    private readonly abilities: AbilityFactory,
    private readonly requests: UnassignRequestParser,
    private readonly tickets: ChangeTicketChecker,
    private readonly graph: GraphClient,
    private readonly attempts: AttemptRepository,
  ) {}

  async execute(command: UnassignResourceAccountCommand): Promise<UnassignSucceeded> {
    const attempt = new AttemptDraft({
      entryPoint: command.entryPoint,
      correlationId: command.correlationId,
      clientIp: command.clientIp,
      userAgent: command.userAgent,
      deviceId: command.deviceIds.at(-1) ?? null,
      policyVersion: this.abilities.policyVersion,
      simulated: this.graph.simulated,
    });
    try {
      return await this.decideAndForward(command, attempt);
    } catch (error) {
      throw await this.settleRefusal(attempt, this.asRefusal(error, attempt));
    }
  }

  private async decideAndForward(command: UnassignResourceAccountCommand, attempt: AttemptDraft): Promise<UnassignSucceeded> {
    const principal = await this.authenticate(command, attempt);
    const ability = this.abilities.forPrincipal(principal);
    const request = this.validate(command, attempt, ability);
    const breakGlass = bypassesTicketChecks(ability, request.changeTicket);

    if (ability.cannot('unassign', 'AutopilotDevice')) {
      throw refuse('policy_denied', ProblemCode.PolicyDenied, `Roles [${principal.roles.join(', ')}] allow no unassign at all.`);
    }
    await this.open(attempt);

    const device = await this.readDevice(request.deviceId, attempt);
    this.authorizeDevice(ability, device, attempt);
    if (!hasResourceAccount(device)) {
      throw refuse('nothing_to_unassign', ProblemCode.NothingToUnassign, `Device ${request.deviceId} has no resource account; nothing was forwarded.`);
    }
    await this.checkTicket(request, device, breakGlass, principal, attempt);

    const result = await this.forward(request.deviceId, attempt);
    await this.settleQuietly(attempt, { outcome: 'succeeded', httpStatus: SUCCESS_STATUS[command.entryPoint], errorCode: null });
    return {
      attemptId: attempt.id,
      outcome: 'succeeded',
      deviceId: request.deviceId,
      changeTicket: request.changeTicket ?? null,
      breakGlass,
      simulated: this.graph.simulated,
      graph: { status: result.status, requestId: result.requestId ?? null, clientRequestId: result.clientRequestId },
    };
  }

  private async authenticate(command: UnassignResourceAccountCommand, attempt: AttemptDraft): Promise<Principal> {
    try {
      const principal = await this.authenticator.authenticate(command.authorization);
      attempt.recordActor(principal);
      return principal;
    } catch (error) {
      if (error instanceof ProblemError) throw new AttemptRefusal('unauthenticated', error);
      throw error;
    }
  }

  private validate(command: UnassignResourceAccountCommand, attempt: AttemptDraft, ability: AppAbility): UnassignRequest {
    try {
      const request = this.requests.parse(command, !mayOmitTicket(ability));
      attempt.recordRequest(request);
      return request;
    } catch (error) {
      if (error instanceof ProblemError) throw new AttemptRefusal('invalid_request', error);
      throw error;
    }
  }

  /** Fail closed: if the in-flight row cannot be committed, nothing is sent to Graph. */
  private async open(attempt: AttemptDraft): Promise<void> {
    try {
      await this.attempts.open(attempt);
    } catch (error) {
      this.logger.error({ err: error, attemptId: attempt.id }, 'attempt could not be recorded; nothing forwarded');
      throw auditUnavailable();
    }
  }

  private async readDevice(deviceId: string, attempt: AttemptDraft): Promise<AutopilotDevice> {
    const result = await this.graph.getAutopilotDevice(deviceId, randomUUID());
    attempt.recordGraph(result);
    if (result.kind !== 'ok') throw refusalForGraphFailure(result, deviceId);
    attempt.recordDevice(result.value);
    // The action goes to the id the caller asked for (a validated GUID), never to one Graph's answer supplies.
    if (result.value.id.toLowerCase() !== deviceId) {
      throw refuse('graph_failed', ProblemCode.GraphError, 'Microsoft Graph answered with another device than the one asked for; nothing was forwarded.');
    }
    return result.value;
  }

  private authorizeDevice(ability: AppAbility, device: AutopilotDevice, attempt: AttemptDraft): void {
    const target = subject('AutopilotDevice', { ...device });
    const rule = ability.relevantRuleFor('unassign', target);
    if (!rule || rule.inverted) {
      // The caller learns no attribute of a device outside their scope; the record keeps the rule for auditors.
      throw refuse('policy_denied', ProblemCode.PolicyDenied, 'The policy does not allow you to unassign this device.').withAuditReason(
        rule?.reason ? `denied by ${rule.reason}` : `no rule allows unassign on a device with groupTag ${device.groupTag ?? '(none)'}`,
      );
    }
    attempt.recordDecision('allowed', rule.reason ?? 'allowed by policy');
  }

  private async checkTicket(request: UnassignRequest, device: AutopilotDevice, breakGlass: boolean, caller: Principal, attempt: AttemptDraft): Promise<void> {
    if (breakGlass) {
      attempt.recordTicket(null, true);
      attempt.recordDecision('allowed', `${attempt.facts.decisionReason}; change ticket check bypassed (break-glass)`);
      return;
    }
    let check;
    try {
      check = await this.tickets.check(request.changeTicket!, device, caller);
    } catch (error) {
      if (!(error instanceof TicketProviderUnavailableError)) throw error;
      const detail = `Change ${request.changeTicket} could not be checked: the change ticket system did not answer usably; nothing was forwarded.`;
      throw refuse('ticket_unavailable', ProblemCode.TicketProviderUnavailable, detail).withAuditReason(`change ticket system: ${error.message}`);
    }
    attempt.recordTicket(check.ticket, false);
    if (check.rejections.length > 0) {
      const detail = `Change ${request.changeTicket} does not allow this action: ${check.rejections.map((r) => r.code).join(', ')}.`;
      throw refuse('ticket_rejected', ProblemCode.ChangeTicketRejected, detail, { reasons: check.rejections });
    }
  }

  private async forward(deviceId: string, attempt: AttemptDraft): Promise<GraphResult<void> & { kind: 'ok' }> {
    attempt.forwarded = true;
    const result = await this.graph.unassignResourceAccount(deviceId, randomUUID());
    attempt.recordGraph(result);
    if (result.kind !== 'ok') throw refusalForGraphFailure(result, deviceId);
    return result;
  }

  /** An unexpected error is `unknown` only once the POST may have left; before that, nothing can have happened. */
  private asRefusal(error: unknown, attempt: AttemptDraft): AttemptRefusal {
    if (error instanceof AttemptRefusal) return error;
    const outcome = attempt.forwarded ? 'unknown' : 'internal_error';
    if (error instanceof ProblemError && error.code === ProblemCode.AuditUnavailable) return new AttemptRefusal(outcome, error);
    this.logger.error({ err: error, attemptId: attempt.id }, 'unexpected error while deciding an unassign');
    return new AttemptRefusal(outcome, new ProblemError(ProblemCode.InternalError, 'An unexpected error occurred.'));
  }

  /** Records how a refused attempt ended and returns the problem to answer with, carrying the attempt id. */
  private async settleRefusal(attempt: AttemptDraft, refusal: AttemptRefusal): Promise<ProblemError> {
    const { problem, outcome } = refusal;
    if (problem.code === ProblemCode.AuditUnavailable) return problem;
    if (GATE_REFUSALS.has(outcome)) attempt.recordDecision('denied', refusal.auditReason ?? problem.detail);
    const settlement = { outcome, httpStatus: problem.status, errorCode: problem.code };
    if (!attempt.opened) {
      try {
        await this.attempts.settle(attempt, settlement);
      } catch (error) {
        this.logger.error({ err: error, attemptId: attempt.id }, 'refused attempt could not be recorded');
        return auditUnavailable();
      }
    } else {
      await this.settleQuietly(attempt, settlement);
    }
    return problem.withExtensions({ attemptId: attempt.id, outcome });
  }

  /**
   * After Graph has been called the caller must learn what happened even if the final write fails;
   * the row then stays in flight for the sweeper to settle.
   */
  private async settleQuietly(attempt: AttemptDraft, settlement: AttemptSettlement): Promise<void> {
    try {
      await this.attempts.settle(attempt, settlement);
    } catch (error) {
      this.logger.error({ err: error, attemptId: attempt.id, outcome: settlement.outcome }, 'attempt outcome could not be recorded');
    }
  }
}

function auditUnavailable(): ProblemError {
  return new ProblemError(ProblemCode.AuditUnavailable, 'The attempt could not be recorded, so nothing was forwarded to Microsoft Graph.');
}
