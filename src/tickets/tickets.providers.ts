import type { Provider } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { CachingTicketProvider } from './caching-ticket.provider';
import { ChangeTicketChecker } from './change-ticket-checker.service';
import { LocalTicketProvider } from './local/local-ticket.provider';
import { LocalTicketRepository } from './local/local-ticket.repository';
import { ServiceNowTableClient } from './servicenow/servicenow-table-client';
import { ServiceNowTicketProvider } from './servicenow/servicenow-ticket.provider';
import { TicketProvider } from './ticket-provider';
import { workNoteProviders } from './work-notes/work-notes.providers';

export function ticketProviders(tickets: AppConfig['tickets']): Provider[] {
  const cached = (provider: TicketProvider) => (tickets.cacheSeconds > 0 ? new CachingTicketProvider(provider, tickets.cacheSeconds * 1000) : provider);
  const serviceNow = tickets.serviceNow;
  const providers: Provider[] =
    tickets.provider === 'servicenow' && serviceNow
      ? [
          { provide: ServiceNowTableClient, useValue: new ServiceNowTableClient(serviceNow.instanceUrl, serviceNow.credentials, serviceNow.timeoutMs) },
          { provide: TicketProvider, inject: [ServiceNowTableClient], useFactory: (client: ServiceNowTableClient) => cached(new ServiceNowTicketProvider(client)) },
        ]
      : [{ provide: TicketProvider, useFactory: (repository: LocalTicketRepository) => cached(new LocalTicketProvider(repository)), inject: [LocalTicketRepository] }];
  return [...providers, LocalTicketRepository, ChangeTicketChecker, ...workNoteProviders(tickets)];
}
