import type { ForcedSubject, MongoAbility } from '@casl/ability';

export const POLICY_ACTIONS = ['unassign', 'read', 'bypass', 'write'] as const;
export const POLICY_SUBJECTS = ['AutopilotDevice', 'Attempt', 'ChangeTicket', 'LocalChangeTicket'] as const;

export type PolicyAction = (typeof POLICY_ACTIONS)[number];
export type PolicySubject = (typeof POLICY_SUBJECTS)[number];

/** Caller attributes a rule condition may reference as `${user.<name>}`. */
export const PLACEHOLDER_ATTRIBUTES = ['oid', 'tenantId', 'upn', 'appId'] as const;
export type PlaceholderAttribute = (typeof PLACEHOLDER_ATTRIBUTES)[number];

export type AppAbility = MongoAbility<[PolicyAction, PolicySubject | ForcedSubject<PolicySubject>]>;
