import type { Provider } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { ChangeTicketChecker } from './change-ticket-checker.service';
import { LocalTicketProvider } from './local/local-ticket.provider';
import { LocalTicketRepository } from './local/local-ticket.repository';
import { ServiceNowTicketProvider } from './servicenow/servicenow-ticket.provider';
import { TicketProvider } from './ticket-provider';

export function ticketProviders(tickets: AppConfig['tickets']): Provider[] {
  const serviceNow = tickets.serviceNow;
  const provider: Provider =
    tickets.provider === 'servicenow' && serviceNow
      ? { provide: TicketProvider, useValue: new ServiceNowTicketProvider(serviceNow.instanceUrl, serviceNow.credentials, serviceNow.timeoutMs) }
      : { provide: TicketProvider, useClass: LocalTicketProvider };
  return [provider, LocalTicketRepository, ChangeTicketChecker];
}
