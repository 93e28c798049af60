import type { ChangeTicketRules } from '../policy/policy-file';
import type { ChangeTicket } from './change-ticket';

export type TicketRejectionCode =
  | 'TICKET_NOT_FOUND'
  | 'TICKET_STATE_NOT_ACCEPTED'
  | 'TICKET_NOT_APPROVED'
  | 'TICKET_WINDOW_MISSING'
  | 'TICKET_BEFORE_WINDOW'
  | 'TICKET_AFTER_WINDOW'
  | 'DEVICE_NOT_IN_TICKET'
  | 'TICKET_WRITTEN_BY_REQUESTER';

export interface TicketRejection {
  code: TicketRejectionCode;
  detail: string;
}

export interface DeviceIdentity {
  serialNumber?: string | null;
  displayName?: string | null;
}

/**
 * Every failed check is reported, not only the first, so a requester can fix the ticket in one go.
 * With `requester` (separation of duties), a ticket that requester has written is refused.
 */
export function checkChangeTicket(
  number: string,
  ticket: ChangeTicket | null,
  device: DeviceIdentity,
  rules: ChangeTicketRules,
  now: Date,
  requester?: string,
): TicketRejection[] {
  if (!ticket) return [{ code: 'TICKET_NOT_FOUND', detail: `Change ${number} does not exist.` }];
  const rejections: TicketRejection[] = [];

  const acceptedStates = rules.acceptStates.map((state) => state.toLowerCase());
  const stateNames = [ticket.state, ticket.stateValue]
    .filter((name): name is string => !!name)
    .map((name) => name.toLowerCase());
  if (!stateNames.some((name) => acceptedStates.includes(name))) {
    rejections.push({
      code: 'TICKET_STATE_NOT_ACCEPTED',
      detail: `Change ${number} is in state ${ticket.state}; accepted: ${rules.acceptStates.join(', ')}.`,
    });
  }
  if (rules.requireApproval && ticket.approval.toLowerCase() !== 'approved') {
    rejections.push({
      code: 'TICKET_NOT_APPROVED',
      detail: `Change ${number} is not approved (approval: ${ticket.approval}).`,
    });
  }
  if (rules.requireWindow) {
    const windowRejection = checkWindow(number, ticket, now);
    if (windowRejection) rejections.push(windowRejection);
  }
  if (rules.requireDeviceInTicket && !deviceIsAffected(ticket, device)) {
    rejections.push({
      code: 'DEVICE_NOT_IN_TICKET',
      detail: `Neither the serial number nor the display name of the device is among the affected CIs of ${number}.`,
    });
  }
  if (requester !== undefined && ticket.writtenBy?.includes(requester)) {
    rejections.push({
      code: 'TICKET_WRITTEN_BY_REQUESTER',
      detail: `You have written ${number}; separation of duties requires someone else's ticket.`,
    });
  }
  return rejections;
}

function checkWindow(number: string, ticket: ChangeTicket, now: Date): TicketRejection | undefined {
  const { plannedStart, plannedEnd } = ticket;
  const usable = (date: Date | null): date is Date => !!date && !Number.isNaN(date.getTime());
  if (!usable(plannedStart) || !usable(plannedEnd)) {
    return { code: 'TICKET_WINDOW_MISSING', detail: `Change ${number} has no planned start and end.` };
  }
  if (now < plannedStart) {
    return { code: 'TICKET_BEFORE_WINDOW', detail: `The window of ${number} opens at ${plannedStart.toISOString()}.` };
  }
  if (now > plannedEnd) {
    return { code: 'TICKET_AFTER_WINDOW', detail: `The window of ${number} closed at ${plannedEnd.toISOString()}.` };
  }
  return undefined;
}

function deviceIsAffected(ticket: ChangeTicket, device: DeviceIdentity): boolean {
  const names = new Set(ticket.affectedCis.map((ci) => ci.trim().toLowerCase()));
  return [device.serialNumber, device.displayName].some((name) => !!name && names.has(name.trim().toLowerCase()));
}
