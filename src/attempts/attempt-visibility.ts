import { subject } from '@casl/ability';
import { readableFields } from '../policy/permitted-fields';
import type { AppAbility } from '../policy/policy-vocabulary';
import type { WorkNoteState } from '../tickets/work-notes/work-note';
import { ATTEMPT_FIELDS, type AttemptRecord } from './attempt';

export const WITHHELD_DECISION_REASON = 'The policy does not allow you to act on this device.';

/** The attempt as `GET /v1/attempts/{id}` shows it: the record and the state of its work note. */
export type AttemptView = AttemptRecord & { workNote: WorkNoteState | null };

/** Every field of the view: what `fields` of a `read Attempt` rule may list. */
export const ATTEMPT_VIEW_FIELDS = [...ATTEMPT_FIELDS, 'workNote'] as const;

/**
 * An attempt as one reader may see it. Graph's, the token endpoint's and ServiceNow's own error text, and the device
 * of an attempt the reader may not act on (with the reason naming it), are for those who may `diagnose` it, auditors;
 * then the policy's `fields` leave out what the reader's rules do not list.
 */
export function attemptAsSeenBy(
  ability: AppAbility,
  attempt: AttemptRecord,
  workNote: WorkNoteState | null,
): Partial<AttemptView> {
  const shown: AttemptView = { ...attempt, workNote };
  if (!ability.can('diagnose', subject('Attempt', { ...attempt }))) {
    shown.graphErrorMessage = null;
    shown.graphTries = attempt.graphTries?.map(({ reason: _diagnostic, ...visible }) => visible) ?? null;
    shown.workNote = workNote && { ...workNote, lastError: null };
    if (attempt.deviceSnapshot && !mayActOnDevice(ability, attempt.deviceSnapshot)) {
      shown.deviceSnapshot = null;
      if (attempt.decision === 'denied') shown.decisionReason = WITHHELD_DECISION_REASON;
    }
  }
  return readableFields(ability, 'Attempt', { ...attempt, workNote }, ATTEMPT_VIEW_FIELDS, shown);
}

function mayActOnDevice(ability: AppAbility, snapshot: Record<string, unknown>): boolean {
  return ability.can('unassign', subject('AutopilotDevice', { ...snapshot }));
}
