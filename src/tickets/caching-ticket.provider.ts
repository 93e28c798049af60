import type { ChangeTicket } from './change-ticket';
import { TicketProvider } from './ticket-provider';

const MAX_ENTRIES = 10_000;

/**
 * Remembers tickets that were found, for a few seconds: a campaign sends many devices under one ticket, and
 * ServiceNow rate-limits its Table API per user and hour. The rules (window included) are still applied to the
 * remembered ticket on every request; only a change of state or approval takes up to the TTL to be seen.
 * Unknown tickets and failed lookups are never remembered.
 */
export class CachingTicketProvider extends TicketProvider {
  private readonly entries = new Map<string, { ticket: ChangeTicket; expiresAt: number }>();

  constructor(
    private readonly inner: TicketProvider,
    private readonly ttlMs: number,
  ) {
    super();
  }

  async findChange(number: string): Promise<ChangeTicket | null> {
    const entry = this.entries.get(number);
    if (entry && entry.expiresAt > Date.now()) return entry.ticket;
    this.entries.delete(number);
    const ticket = await this.inner.findChange(number);
    if (ticket) this.remember(number, ticket);
    return ticket;
  }

  private remember(number: string, ticket: ChangeTicket): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(number, { ticket, expiresAt: Date.now() + this.ttlMs });
  }
}
