import { Injectable } from '@nestjs/common';
import type { AttemptDraft } from '../../attempts/attempt-draft';
import { deviceViewFor, mayReadDevice, type DeviceView } from '../../devices/device-view';
import { hasResourceAccount, type AutopilotDevice } from '../../graph/autopilot-device';
import { GraphClient } from '../../graph/graph-client';
import { ProblemCode } from '../../http/problem-code';
import { ProblemError } from '../../http/problem.error';
import { AbilityFactory } from '../../policy/ability.factory';
import { decideUnassign } from '../../policy/device-decision';
import type { ChangeTicket } from '../../tickets/change-ticket';
import { attemptDraftFor } from '../attempt-draft-for';
import { AttemptRefusal } from '../attempt-refusal';
import { AttemptClosing } from '../steps/attempt-closing.step';
import { AttemptOpening } from '../steps/attempt-opening.step';
import { DeviceResolution } from '../steps/device-resolution.step';
import { mayUnassignAnyDevice, RequestAdmission, type AdmittedRequest } from '../steps/request-admission.step';
import { TicketCheck, type TicketVerdict } from '../steps/ticket-check.step';
import type { UnassignResourceAccountCommand } from '../unassign-resource-account.command';
import { failed, notChecked, passed, type PreviewCheck } from './preview-check';

export interface PreviewAnswer {
  attemptId: string;
  wouldSucceed: boolean;
  checks: PreviewCheck[];
  /** The device as the caller may see it; null when they may not read it, or it was not found. */
  device: DeviceView | null;
  ticket: ChangeTicket | null;
  breakGlass: boolean;
}

/**
 * Every check a real unassign would run, all of them even after one fails, with only reads sent to Graph: for a
 * portal that greys out a button with every reason at once. Recorded as an attempt whose outcome is `previewed`.
 * Only a token or input failure answers with its problem, as the real call would.
 */
@Injectable()
export class PreviewUnassignUseCase {
  constructor(
    private readonly admission: RequestAdmission,
    private readonly opening: AttemptOpening,
    private readonly devices: DeviceResolution,
    private readonly tickets: TicketCheck,
    private readonly closing: AttemptClosing,
    private readonly graph: GraphClient,
    private readonly abilities: AbilityFactory,
  ) {}

  async execute(command: UnassignResourceAccountCommand): Promise<PreviewAnswer> {
    const attempt = attemptDraftFor(command, {
      policyVersion: this.abilities.policyVersion,
      simulated: this.graph.simulated,
    });
    try {
      const admitted = await this.admission.identify(command, attempt);
      await this.opening.openPreview(attempt);
      return await this.runChecks(admitted, attempt);
    } catch (error) {
      if (error instanceof AttemptRefusal) throw await this.closing.refused(attempt, error);
      const refusal =
        error instanceof ProblemError
          ? error
          : new ProblemError(ProblemCode.InternalError, 'An unexpected error occurred.');
      throw await this.closing.refused(attempt, new AttemptRefusal('internal_error', refusal));
    }
  }

  private async runChecks(admitted: AdmittedRequest, attempt: AttemptDraft): Promise<PreviewAnswer> {
    const { ability, request, breakGlass, caller } = admitted;
    const checks: PreviewCheck[] = [];
    checks.push(
      mayUnassignAnyDevice(admitted)
        ? passed('policy.anyDevice', 'Your roles allow unassigning some devices.')
        : failed(
            'policy.anyDevice',
            ProblemCode.PolicyDenied,
            `Roles [${caller.roles.join(', ')}] allow no unassign at all.`,
          ),
    );
    const device = await this.findDevice(admitted, attempt, checks);
    checks.push(...deviceChecks(admitted, device));
    const verdict = await this.tickets.judge(request.changeTicket, device, breakGlass, caller, attempt);
    checks.push(...ticketChecks(verdict, request.changeTicket));

    const wouldSucceed = checks.every((check) => check.passed);
    const answer: PreviewAnswer = {
      attemptId: attempt.id,
      wouldSucceed,
      checks,
      device: device && mayReadDevice(ability, device) ? deviceViewFor(ability, device) : null,
      ticket: verdict.kind === 'checked' ? verdict.ticket : null,
      breakGlass,
    };
    await this.closing.previewed(attempt, wouldSucceed, { wouldSucceed, checks });
    return answer;
  }

  private async findDevice(
    { request }: AdmittedRequest,
    attempt: AttemptDraft,
    checks: PreviewCheck[],
  ): Promise<AutopilotDevice | null> {
    try {
      const device = await this.devices.resolve(request.target, attempt, { holdDevice: false });
      checks.push(passed('device', 'The device was found.'));
      return device;
    } catch (error) {
      if (!(error instanceof AttemptRefusal)) throw error;
      checks.push(failed('device', error.problem.code, error.problem.detail));
      return null;
    }
  }
}

function deviceChecks({ ability }: AdmittedRequest, device: AutopilotDevice | null): PreviewCheck[] {
  if (!device) return [notChecked('policy.device', 'the device'), notChecked('resourceAccount', 'the device')];
  const decision = decideUnassign(ability, device);
  return [
    // As in the real call, a denial names nothing about the device.
    decision.allowed
      ? passed('policy.device', 'The policy allows you to unassign this device.')
      : failed('policy.device', ProblemCode.PolicyDenied, 'The policy does not allow you to unassign this device.'),
    !decision.allowed
      ? notChecked('resourceAccount', 'a device you may unassign')
      : hasResourceAccount(device)
        ? passed('resourceAccount', 'The device has a resource account to unassign.')
        : failed(
            'resourceAccount',
            ProblemCode.NothingToUnassign,
            'The device has no resource account; there is nothing to unassign.',
          ),
  ];
}

function ticketChecks(verdict: TicketVerdict, changeTicket: string | undefined): PreviewCheck[] {
  switch (verdict.kind) {
    case 'bypassed':
      return [passed('changeTicket', 'Break-glass: the change ticket checks are bypassed.')];
    case 'unavailable':
      return [
        failed(
          'changeTicket',
          ProblemCode.TicketProviderUnavailable,
          `Change ${changeTicket} could not be checked: the change ticket system did not answer usably.`,
        ),
      ];
    case 'checked':
      if (verdict.rejections.length === 0)
        return [passed('changeTicket', `Change ${changeTicket} allows this action now.`)];
      return verdict.rejections.map((rejection) => failed('changeTicket', rejection.code, rejection.detail));
  }
}
