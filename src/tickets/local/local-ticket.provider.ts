import { Injectable } from '@nestjs/common';
import type { ChangeTicket } from '../change-ticket';
import { TicketProvider, TicketProviderUnavailableError } from '../ticket-provider';
import { LocalTicketRepository } from './local-ticket.repository';

/** Tickets kept in the gate's own database (TICKET_PROVIDER=local), managed through /v1/change-tickets. */
@Injectable()
export class LocalTicketProvider extends TicketProvider {
  constructor(private readonly repository: LocalTicketRepository) {
    super();
  }

  async findChange(number: string): Promise<ChangeTicket | null> {
    try {
      return await this.repository.find(number);
    } catch {
      throw new TicketProviderUnavailableError('The local ticket table could not be read');
    }
  }
}
