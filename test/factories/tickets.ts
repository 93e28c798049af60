const HOUR_MS = 60 * 60 * 1000;
let sequence = 1_000_000;

export function aTicketNumber(): string {
  sequence += 1;
  return `CHG${sequence}${Math.floor(Math.random() * 10)}`;
}

/** A local change ticket body (PUT /v1/change-tickets/{number}) that passes every default check. */
export function anOpenChange(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Date.now();
  return {
    state: 'Implement',
    approval: 'approved',
    plannedStart: new Date(now - HOUR_MS).toISOString(),
    plannedEnd: new Date(now + HOUR_MS).toISOString(),
    affectedCis: [],
    shortDescription: 'Unassign Teams Room resource accounts',
    ...overrides,
  };
}
