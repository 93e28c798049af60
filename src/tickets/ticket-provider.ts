import type { ChangeTicket } from './change-ticket';

/** Port: where change tickets are looked up. Bound to ServiceNow or to the gate's own table by configuration. */
export abstract class TicketProvider {
  /** Null when no such ticket exists; throws TicketProviderUnavailableError when the lookup itself failed. */
  abstract findChange(number: string): Promise<ChangeTicket | null>;
}

export class TicketProviderUnavailableError extends Error {}
