import type { Provider } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { GateMetrics } from '../metrics/gate-metrics';
import { GateTracer } from '../tracing/gate-tracer';
import { CachingTicketProvider } from './caching-ticket.provider';
import { ChangeTicketChecker } from './change-ticket-checker.service';
import { LocalTicketProvider } from './local/local-ticket.provider';
import { LocalTicketRepository } from './local/local-ticket.repository';
import { MeasuredTicketProvider } from './measured-ticket.provider';
import { ServiceNowTicketProvider } from './servicenow/servicenow-ticket.provider';
import { TicketProvider } from './ticket-provider';

export function ticketProviders(tickets: AppConfig['tickets']): Provider[] {
  const cached = (provider: TicketProvider) => (tickets.cacheSeconds > 0 ? new CachingTicketProvider(provider, tickets.cacheSeconds * 1000) : provider);
  const serviceNow = tickets.serviceNow;
  const provider: Provider = {
    provide: TicketProvider,
    inject: [LocalTicketRepository, GateMetrics, GateTracer],
    useFactory: (repository: LocalTicketRepository, metrics: GateMetrics, tracer: GateTracer) => {
      const source =
        tickets.provider === 'servicenow' && serviceNow
          ? new ServiceNowTicketProvider(serviceNow.instanceUrl, serviceNow.credentials, serviceNow.timeoutMs)
          : new LocalTicketProvider(repository);
      return cached(new MeasuredTicketProvider(source, tickets.provider, metrics, tracer));
    },
  };
  return [provider, LocalTicketRepository, ChangeTicketChecker];
}
