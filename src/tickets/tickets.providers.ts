import type { Provider } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { GateMetrics } from '../metrics/gate-metrics';
import { GateTracer } from '../tracing/gate-tracer';
import { CachingTicketProvider } from './caching-ticket.provider';
import { ChangeTicketChecker } from './change-ticket-checker.service';
import { LocalTicketProvider } from './local/local-ticket.provider';
import { LocalTicketRepository } from './local/local-ticket.repository';
import { MeasuredTicketProvider } from './measured-ticket.provider';
import { ServiceNowTableClient } from './servicenow/servicenow-table-client';
import { ServiceNowTicketProvider } from './servicenow/servicenow-ticket.provider';
import { TicketProvider } from './ticket-provider';
import { workNoteProviders } from './work-notes/work-notes.providers';

export function ticketProviders(tickets: AppConfig['tickets']): Provider[] {
  const cached = (provider: TicketProvider) =>
    tickets.cacheSeconds > 0 ? new CachingTicketProvider(provider, tickets.cacheSeconds * 1000) : provider;
  const serviceNow = tickets.serviceNow;
  const measured = (provider: TicketProvider, metrics: GateMetrics, tracer: GateTracer) =>
    cached(new MeasuredTicketProvider(provider, tickets.provider, metrics, tracer));
  const providers: Provider[] =
    tickets.provider === 'servicenow' && serviceNow
      ? [
          {
            provide: ServiceNowTableClient,
            useValue: new ServiceNowTableClient(serviceNow.instanceUrl, serviceNow.credentials, serviceNow.timeoutMs),
          },
          {
            provide: TicketProvider,
            inject: [ServiceNowTableClient, GateMetrics, GateTracer],
            useFactory: (client: ServiceNowTableClient, metrics: GateMetrics, tracer: GateTracer) =>
              measured(new ServiceNowTicketProvider(client), metrics, tracer),
          },
        ]
      : [
          {
            provide: TicketProvider,
            inject: [LocalTicketRepository, GateMetrics, GateTracer],
            useFactory: (repository: LocalTicketRepository, metrics: GateMetrics, tracer: GateTracer) =>
              measured(new LocalTicketProvider(repository), metrics, tracer),
          },
        ];
  return [...providers, LocalTicketRepository, ChangeTicketChecker, ...workNoteProviders(tickets)];
}
