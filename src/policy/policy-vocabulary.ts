import type { ForcedSubject, MongoAbility } from '@casl/ability';
import { ATTEMPT_VIEW_FIELDS } from '../attempts/attempt-visibility';
import { AUTOPILOT_DEVICE_FIELDS } from '../graph/autopilot-device';
import { LOCAL_TICKET_FIELDS } from '../tickets/local/local-ticket-fields';

export const POLICY_ACTIONS = ['unassign', 'read', 'bypass', 'write', 'diagnose'] as const;
export const POLICY_SUBJECTS = ['AutopilotDevice', 'Attempt', 'ChangeTicket', 'LocalChangeTicket'] as const;

export type PolicyAction = (typeof POLICY_ACTIONS)[number];
export type PolicySubject = (typeof POLICY_SUBJECTS)[number];

/**
 * The fields of each subject as the gate checks it: the object it hands CASL when it asks `can(action, instance)`.
 * A condition or a `fields` entry naming anything else could never match, so the policy file refuses it.
 * A change ticket is judged by its number alone, before it is looked up (break-glass decides whether to look).
 */
export const SUBJECT_FIELDS: Record<PolicySubject, readonly string[]> = {
  AutopilotDevice: AUTOPILOT_DEVICE_FIELDS,
  Attempt: ATTEMPT_VIEW_FIELDS,
  ChangeTicket: ['number'],
  LocalChangeTicket: LOCAL_TICKET_FIELDS,
};

/** Only a read has something to leave out: `fields` on any other action would be accepted and mean nothing. */
export const ACTIONS_WITH_FIELDS: readonly PolicyAction[] = ['read'];

/** Caller attributes a rule condition may reference as `${user.<name>}`. */
export const PLACEHOLDER_ATTRIBUTES = ['oid', 'tenantId', 'upn', 'appId'] as const;
export type PlaceholderAttribute = (typeof PLACEHOLDER_ATTRIBUTES)[number];

export type AppAbility = MongoAbility<[PolicyAction, PolicySubject | ForcedSubject<PolicySubject>]>;
