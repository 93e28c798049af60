import type { GateMetrics, TicketLookupResult } from '../metrics/gate-metrics';
import type { GateTracer } from '../tracing/gate-tracer';
import type { ChangeTicket } from './change-ticket';
import { TicketProvider, TicketProviderUnavailableError } from './ticket-provider';

/** Times each look-up in the ticket system (a span, and the latency by provider and result). Sits inside the cache. */
export class MeasuredTicketProvider extends TicketProvider {
  constructor(
    private readonly inner: TicketProvider,
    private readonly provider: string,
    private readonly metrics: GateMetrics,
    private readonly tracer: GateTracer,
  ) {
    super();
  }

  findChange(number: string): Promise<ChangeTicket | null> {
    return this.tracer.inSpan('ticket lookup', { 'autopilot_gate.ticket.provider': this.provider }, async (span) => {
      const started = performance.now();
      const observe = (result: TicketLookupResult) => {
        this.metrics.ticketLookedUp(this.provider, result, (performance.now() - started) / 1000);
        span.setAttributes({ 'autopilot_gate.ticket.result': result });
      };
      try {
        const ticket = await this.inner.findChange(number);
        observe(ticket ? 'found' : 'not_found');
        return ticket;
      } catch (error) {
        if (error instanceof TicketProviderUnavailableError) observe('unavailable');
        throw error;
      }
    });
  }
}
