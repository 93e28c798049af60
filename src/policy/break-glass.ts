import { subject } from '@casl/ability';
import type { AppAbility } from './policy-vocabulary';

/**
 * Break-glass is `bypass ChangeTicket`, checked against the ticket the caller names (its number), so a rule such as
 * `conditions: { number: { $regex: "^CHG9" } }` bypasses the checks for those tickets only.
 * Leaving the ticket out is checked against no ticket at all: only an unconditional bypass allows it.
 */
export function mayOmitTicket(ability: AppAbility): boolean {
  return ability.can('bypass', subject('ChangeTicket', {}));
}

export function bypassesTicketChecks(ability: AppAbility, ticketNumber: string | undefined): boolean {
  if (ticketNumber === undefined) return mayOmitTicket(ability);
  return ability.can('bypass', subject('ChangeTicket', { number: ticketNumber }));
}
