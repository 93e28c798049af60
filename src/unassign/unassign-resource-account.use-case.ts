import { Injectable, Logger } from '@nestjs/common';
import type { AttemptDraft } from '../attempts/attempt-draft';
import type { Principal } from '../auth/principal';
import { hasResourceAccount, type AutopilotDevice } from '../graph/autopilot-device';
import { currentClientRequestId } from '../graph/client-request-id';
import { GraphClient, type GraphResult } from '../graph/graph-client';
import { ProblemCode } from '../http/problem-code';
import { ProblemError } from '../http/problem.error';
import { AbilityFactory } from '../policy/ability.factory';
import { decideUnassign } from '../policy/device-decision';
import type { AppAbility } from '../policy/policy-vocabulary';
import { attemptDraftFor } from './attempt-draft-for';
import { AttemptRefusal, refusalForGraphFailure, refuse } from './attempt-refusal';
import { AttemptClosing } from './steps/attempt-closing.step';
import { AttemptOpening } from './steps/attempt-opening.step';
import { DeviceResolution } from './steps/device-resolution.step';
import { refusedAnswerOf, succeededAnswerOf } from './steps/replayed-answer';
import { RequestAdmission } from './steps/request-admission.step';
import { TicketCheck } from './steps/ticket-check.step';
import type { UnassignAnswer, UnassignResourceAccountCommand } from './unassign-resource-account.command';
import type { UnassignRequest } from './unassign-request';

/**
 * The one place that orders the steps of an unassign:
 * admit (authenticate, count, validate, may unassign at all) -> open the attempt (idempotency key, one per device)
 * -> read the device -> may unassign this one -> anything to unassign -> check the ticket -> forward -> close.
 * Every request ends in exactly one attempt; nothing reaches Graph before its attempt is committed.
 */
@Injectable()
export class UnassignResourceAccountUseCase {
  private readonly logger = new Logger(UnassignResourceAccountUseCase.name);
  private readonly policyVersion: string;

  constructor(
    private readonly admission: RequestAdmission,
    private readonly opening: AttemptOpening,
    private readonly devices: DeviceResolution,
    private readonly tickets: TicketCheck,
    private readonly graph: GraphClient,
    private readonly closing: AttemptClosing,
    abilities: AbilityFactory,
  ) {
    this.policyVersion = abilities.policyVersion;
  }

  async execute(command: UnassignResourceAccountCommand): Promise<UnassignAnswer> {
    const attempt = attemptDraftFor(command, { policyVersion: this.policyVersion, simulated: this.graph.simulated });
    try {
      return await this.decideAndForward(command, attempt);
    } catch (error) {
      // A replayed refusal is the earlier request's answer, already recorded as this request's replay.
      if (error instanceof ProblemError && error.replay) throw error;
      throw await this.closing.refused(attempt, this.asRefusal(error, attempt));
    }
  }

  private async decideAndForward(
    command: UnassignResourceAccountCommand,
    attempt: AttemptDraft,
  ): Promise<UnassignAnswer> {
    const { caller, ability, request, breakGlass } = await this.admission.admit(command, attempt);
    attempt.recordIdempotencyKey(request.idempotencyKey ?? null);
    const opening = await this.opening.open(attempt, request, caller, command.entryPoint);
    if (opening.kind === 'replay') {
      await this.closing.replayed(attempt, opening.original);
      if (opening.original.outcome !== 'succeeded') throw refusedAnswerOf(opening.original);
      return { succeeded: succeededAnswerOf(opening.original), replayed: true };
    }

    const device = await this.devices.resolve(request.target, attempt, { holdDevice: true });
    const deviceId = device.id.toLowerCase();
    this.authorizeDevice(ability, device, attempt);
    if (!hasResourceAccount(device)) throw await this.nothingToUnassign(deviceId);
    await this.checkTicket(request, device, breakGlass, caller, attempt);

    const result = await this.forward(deviceId, attempt);
    await this.closing.succeeded(attempt, command.entryPoint);
    return {
      replayed: false,
      succeeded: {
        attemptId: attempt.id,
        outcome: 'succeeded',
        deviceId,
        changeTicket: request.changeTicket ?? null,
        breakGlass,
        simulated: this.graph.simulated,
        graph: { status: result.status, requestId: result.requestId ?? null, clientRequestId: result.clientRequestId },
      },
    };
  }

  private authorizeDevice(ability: AppAbility, device: AutopilotDevice, attempt: AttemptDraft): void {
    const decision = decideUnassign(ability, device);
    if (!decision.allowed) {
      // The caller learns no attribute of a device outside their scope; the record keeps the rule for auditors.
      throw refuse(
        'policy_denied',
        ProblemCode.PolicyDenied,
        'The policy does not allow you to unassign this device.',
      ).withAuditReason(decision.auditReason);
    }
    attempt.recordDecision('allowed', decision.auditReason);
  }

  /** Names the device's last successful unassign, so a client that lost its answer can tell "already done". */
  private async nothingToUnassign(deviceId: string): Promise<AttemptRefusal> {
    const lastSucceeded = await this.closing.lastSucceededFor(deviceId);
    const detail = `Device ${deviceId} has no resource account; nothing was forwarded.`;
    return refuse('nothing_to_unassign', ProblemCode.NothingToUnassign, detail, lastSucceeded ? { lastSucceeded } : {});
  }

  private async checkTicket(
    request: UnassignRequest,
    device: AutopilotDevice,
    breakGlass: boolean,
    caller: Principal,
    attempt: AttemptDraft,
  ): Promise<void> {
    const verdict = await this.tickets.judge(request.changeTicket, device, breakGlass, caller, attempt);
    if (verdict.kind === 'bypassed') {
      attempt.recordDecision('allowed', `${attempt.facts.decisionReason}; change ticket check bypassed (break-glass)`);
    } else if (verdict.kind === 'unavailable') {
      const detail = `Change ${request.changeTicket} could not be checked: the change ticket system did not answer usably; nothing was forwarded.`;
      throw refuse('ticket_unavailable', ProblemCode.TicketProviderUnavailable, detail).withAuditReason(
        `change ticket system: ${verdict.reason}`,
      );
    } else if (verdict.rejections.length > 0) {
      const detail = `Change ${request.changeTicket} does not allow this action: ${verdict.rejections.map((r) => r.code).join(', ')}.`;
      throw refuse('ticket_rejected', ProblemCode.ChangeTicketRejected, detail, { reasons: verdict.rejections });
    }
  }

  private async forward(deviceId: string, attempt: AttemptDraft): Promise<GraphResult<void> & { kind: 'ok' }> {
    attempt.forwarded = true;
    const result = await this.graph.unassignResourceAccount(deviceId, currentClientRequestId());
    attempt.recordGraph(result);
    if (result.kind !== 'ok') throw refusalForGraphFailure(result, deviceId);
    return result;
  }

  /** An unexpected error is `unknown` only once the POST may have left; before that, nothing can have happened. */
  private asRefusal(error: unknown, attempt: AttemptDraft): AttemptRefusal {
    if (error instanceof AttemptRefusal) return error;
    const outcome = attempt.forwarded ? 'unknown' : 'internal_error';
    if (error instanceof ProblemError && error.code === ProblemCode.AuditUnavailable)
      return new AttemptRefusal(outcome, error);
    this.logger.error({ err: error, attemptId: attempt.id }, 'unexpected error while deciding an unassign');
    return new AttemptRefusal(outcome, new ProblemError(ProblemCode.InternalError, 'An unexpected error occurred.'));
  }
}
