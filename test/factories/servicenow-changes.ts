import type { FakeChangeInput } from '../fakes/fake-servicenow.server';
import { aTicketNumber } from './tickets';

const HOUR_MS = 60 * 60 * 1000;

/** Whole seconds, as ServiceNow stores date-times, so snapshots compare exactly. */
export function hoursFromNow(hours: number): Date {
  return new Date(Math.floor((Date.now() + hours * HOUR_MS) / 1000) * 1000);
}

/** A ServiceNow change that passes every default check: Implement (-1), approved, inside its window. */
export function anImplementingChange(overrides: Partial<FakeChangeInput> = {}): FakeChangeInput {
  return {
    number: aTicketNumber(),
    state: '-1',
    approval: 'approved',
    startDate: hoursFromNow(-1),
    endDate: hoursFromNow(1),
    affectedCis: [],
    ...overrides,
  };
}
