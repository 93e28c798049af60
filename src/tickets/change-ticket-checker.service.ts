import { Inject, Injectable } from '@nestjs/common';
import { principalKey, type Principal } from '../auth/principal';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/app-config.token';
import { Policy } from '../policy/policy-file';
import type { ChangeTicket } from './change-ticket';
import { TicketProvider } from './ticket-provider';
import { checkChangeTicket, type DeviceIdentity, type TicketRejection } from './ticket-rules';

export interface TicketCheck {
  ticket: ChangeTicket | null;
  rejections: TicketRejection[];
}

/** Looks the change up and applies the policy's ticket rules to it, now. */
@Injectable()
export class ChangeTicketChecker {
  constructor(
    private readonly provider: TicketProvider,
    private readonly policy: Policy,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Throws TicketProviderUnavailableError when the ticket system cannot answer. */
  async check(number: string, device: DeviceIdentity, requester: Principal): Promise<TicketCheck> {
    const ticket = await this.provider.findChange(number);
    const separated = this.config.tickets.separationOfDuties ? principalKey(requester) : undefined;
    return {
      ticket,
      rejections: checkChangeTicket(number, ticket, device, this.policy.changeTickets, new Date(), separated),
    };
  }
}
