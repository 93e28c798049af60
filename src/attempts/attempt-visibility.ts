import { subject } from '@casl/ability';
import { readableFields } from '../policy/permitted-fields';
import type { AppAbility } from '../policy/policy-vocabulary';
import { ATTEMPT_FIELDS, type AttemptRecord } from './attempt';

export const WITHHELD_DECISION_REASON = 'The policy does not allow you to act on this device.';

/**
 * An attempt as one reader may see it. Graph's and the token endpoint's own error text (on the attempt and on each
 * try), and the device of an attempt
 * the reader may not act on (with the reason naming it), are for those who may `diagnose` it, auditors; then the
 * policy's `fields` leave out what the reader's rules do not list.
 */
export function attemptAsSeenBy(ability: AppAbility, attempt: AttemptRecord): Partial<AttemptRecord> {
  const target = subject('Attempt', { ...attempt });
  const shown: AttemptRecord = { ...attempt };
  if (!ability.can('diagnose', target)) {
    shown.graphErrorMessage = null;
    shown.graphTries = attempt.graphTries?.map(({ reason: _diagnostic, ...visible }) => visible) ?? null;
    if (attempt.deviceSnapshot && !mayActOnDevice(ability, attempt.deviceSnapshot)) {
      shown.deviceSnapshot = null;
      if (attempt.decision === 'denied') shown.decisionReason = WITHHELD_DECISION_REASON;
    }
  }
  return readableFields(ability, 'Attempt', attempt, ATTEMPT_FIELDS, shown);
}

function mayActOnDevice(ability: AppAbility, snapshot: Record<string, unknown>): boolean {
  return ability.can('unassign', subject('AutopilotDevice', { ...snapshot }));
}
