import { subject } from '@casl/ability';
import { AUTOPILOT_DEVICE_FIELDS, hasResourceAccount, type AutopilotDevice } from '../graph/autopilot-device';
import { mayOmitTicket } from '../policy/break-glass';
import { decideUnassign } from '../policy/device-decision';
import { readableFields } from '../policy/permitted-fields';
import type { AppAbility } from '../policy/policy-vocabulary';

/** What a portal needs to show a device and grey the button out with the reason. */
export interface DeviceView {
  device: Partial<AutopilotDevice>;
  hasResourceAccount: boolean;
  canUnassign: {
    allowed: boolean;
    /** Why not, when not allowed. */
    reason: string | null;
    /** Whether the caller must name a change ticket (false: break-glass may leave it out). */
    ticketRequired: boolean;
  };
}

export function mayReadDevice(ability: AppAbility, device: AutopilotDevice): boolean {
  return ability.can('read', subject('AutopilotDevice', { ...device }));
}

/** The device as this caller may see it (the read rule's `fields`), and whether they could unassign it now. */
export function deviceViewFor(ability: AppAbility, device: AutopilotDevice): DeviceView {
  const decision = decideUnassign(ability, device);
  const assigned = hasResourceAccount(device);
  const reason = !decision.allowed
    ? 'The policy does not allow you to unassign this device.'
    : assigned
      ? null
      : 'The device has no resource account to unassign.';
  return {
    device: readableFields(ability, 'AutopilotDevice', device, AUTOPILOT_DEVICE_FIELDS),
    hasResourceAccount: assigned,
    canUnassign: { allowed: decision.allowed && assigned, reason, ticketRequired: !mayOmitTicket(ability) },
  };
}
