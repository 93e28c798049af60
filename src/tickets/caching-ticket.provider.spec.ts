import { afterEach, describe, expect, it, vi } from 'vitest';
import { CachingTicketProvider } from './caching-ticket.provider';
import type { ChangeTicket } from './change-ticket';
import { TicketProvider, TicketProviderUnavailableError } from './ticket-provider';

/** A ticket system at the port: answers from a table and counts the lookups it served. */
class CountingTickets extends TicketProvider {
  lookups = 0;
  failing = false;
  constructor(readonly tickets: Map<string, ChangeTicket>) {
    super();
  }
  async findChange(number: string): Promise<ChangeTicket | null> {
    this.lookups += 1;
    if (this.failing) throw new TicketProviderUnavailableError('down');
    return this.tickets.get(number) ?? null;
  }
}

const ticket = (state: string): ChangeTicket => ({
  number: 'CHG0000042',
  source: 'servicenow',
  state,
  approval: 'approved',
  plannedStart: null,
  plannedEnd: null,
  affectedCis: [],
});

describe(CachingTicketProvider.name, () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers a found ticket from memory until its TTL has passed, then asks again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const inner = new CountingTickets(new Map([['CHG0000042', ticket('Implement')]]));
    const cache = new CachingTicketProvider(inner, 5_000);

    expect((await cache.findChange('CHG0000042'))?.state).toBe('Implement');
    inner.tickets.set('CHG0000042', ticket('Closed'));
    vi.advanceTimersByTime(4_999);
    expect((await cache.findChange('CHG0000042'))?.state).toBe('Implement');
    expect(inner.lookups).toBe(1);

    vi.advanceTimersByTime(2);
    expect((await cache.findChange('CHG0000042'))?.state).toBe('Closed');
    expect(inner.lookups).toBe(2);
  });

  it('never remembers an unknown ticket or a failed lookup', async () => {
    const inner = new CountingTickets(new Map());
    const cache = new CachingTicketProvider(inner, 60_000);

    expect(await cache.findChange('CHG0000042')).toBeNull();
    inner.tickets.set('CHG0000042', ticket('Implement'));
    expect((await cache.findChange('CHG0000042'))?.state).toBe('Implement');

    const failing = new CountingTickets(new Map());
    failing.failing = true;
    const cacheOfFailing = new CachingTicketProvider(failing, 60_000);
    await expect(cacheOfFailing.findChange('CHG0000042')).rejects.toBeInstanceOf(TicketProviderUnavailableError);
    await expect(cacheOfFailing.findChange('CHG0000042')).rejects.toBeInstanceOf(TicketProviderUnavailableError);
    expect(failing.lookups).toBe(2);
  });
});
