import { subject } from '@casl/ability';
import type { AutopilotDevice } from '../graph/autopilot-device';
import type { AppAbility } from './policy-vocabulary';

export interface UnassignDecision {
  allowed: boolean;
  /** For the record and auditors: the rule that decided, or the attribute no rule allowed. It may name the device. */
  auditReason: string;
}

/** May this caller unassign this device: the relevant rule, an inverted one winning. */
export function decideUnassign(ability: AppAbility, device: AutopilotDevice): UnassignDecision {
  const rule = ability.relevantRuleFor('unassign', subject('AutopilotDevice', { ...device }));
  if (!rule || rule.inverted) {
    return {
      allowed: false,
      auditReason: rule?.reason
        ? `denied by ${rule.reason}`
        : `no rule allows unassign on a device with groupTag ${device.groupTag ?? '(none)'}`,
    };
  }
  return { allowed: true, auditReason: rule.reason ?? 'allowed by policy' };
}
