import { Injectable } from '@nestjs/common';
import type { AttemptDraft } from '../../attempts/attempt-draft';
import type { Principal } from '../../auth/principal';
import type { AutopilotDevice } from '../../graph/autopilot-device';
import type { ChangeTicket } from '../../tickets/change-ticket';
import { ChangeTicketChecker } from '../../tickets/change-ticket-checker.service';
import { TicketProviderUnavailableError } from '../../tickets/ticket-provider';
import type { TicketRejection } from '../../tickets/ticket-rules';

export type TicketVerdict =
  | { kind: 'bypassed' }
  | { kind: 'checked'; ticket: ChangeTicket | null; rejections: TicketRejection[] }
  | { kind: 'unavailable'; reason: string };

/** The change ticket, judged now by the policy's rules, or skipped for break-glass; recorded on the attempt either way. */
@Injectable()
export class TicketCheck {
  constructor(private readonly checker: ChangeTicketChecker) {}

  async judge(
    changeTicket: string | undefined,
    device: AutopilotDevice | null,
    breakGlass: boolean,
    caller: Principal,
    attempt: AttemptDraft,
  ): Promise<TicketVerdict> {
    if (breakGlass) {
      attempt.recordTicket(null, true);
      return { kind: 'bypassed' };
    }
    try {
      const check = await this.checker.check(changeTicket!, device ?? {}, caller);
      attempt.recordTicket(check.ticket, false);
      return { kind: 'checked', ...check };
    } catch (error) {
      if (!(error instanceof TicketProviderUnavailableError)) throw error;
      return { kind: 'unavailable', reason: error.message };
    }
  }
}
