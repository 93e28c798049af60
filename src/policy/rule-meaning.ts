import type { PolicyRule } from './policy-file';
import { ACTIONS_WITH_FIELDS, SUBJECT_FIELDS, type PolicySubject } from './policy-vocabulary';
import { placeholdersIn } from './rule-interpolation';

/** Placeholders that name one caller; each is unique only within a tenant (an app id is shared by every tenant it is installed in). */
const IDENTITY_PLACEHOLDERS = ['oid', 'appId', 'upn'];

/**
 * Refuses rules CASL would accept but the gate could not honour: a condition or `fields` entry naming a field the
 * checked object does not have (it would never match, so an inverted rule would never deny), `fields` on an action
 * that returns nothing to project, and a caller placeholder not pinned to the caller's tenant.
 */
export function checkRulesMeaning(roles: ReadonlyMap<string, PolicyRule[]>): string[] {
  const errors: string[] = [];
  for (const [role, rules] of roles) {
    rules.forEach((rule, index) => errors.push(...problemsOf(rule, `roles.${role}[${index}]`)));
  }
  return errors;
}

function problemsOf(rule: PolicyRule, where: string): string[] {
  const subjects = [rule.subject].flat();
  const actions = [rule.action].flat();
  const problems: string[] = [];
  for (const subject of subjects) {
    const unknownConditions = Object.keys(rule.conditions ?? {}).filter((key) => !isFieldOf(subject, key));
    if (unknownConditions.length > 0) {
      problems.push(
        `${where}.conditions: ${subject} has no field ${unknownConditions.join(', ')} (it has ${SUBJECT_FIELDS[subject].join(', ')})`,
      );
    }
    const unknownFields = [rule.fields ?? []].flat().filter((field) => !isFieldOf(subject, field));
    if (unknownFields.length > 0) {
      problems.push(
        `${where}.fields: ${subject} has no field ${unknownFields.join(', ')} (it has ${SUBJECT_FIELDS[subject].join(', ')})`,
      );
    }
  }
  const fieldless = actions.filter((action) => !ACTIONS_WITH_FIELDS.includes(action));
  if (rule.fields !== undefined && fieldless.length > 0) {
    problems.push(
      `${where}.fields: only ${ACTIONS_WITH_FIELDS.join(', ')} can be limited to fields, not ${fieldless.join(', ')}`,
    );
  }
  const placeholders = placeholdersIn(rule.conditions);
  const identities = placeholders.filter((name) => IDENTITY_PLACEHOLDERS.includes(name));
  if (identities.length > 0 && !placeholders.includes('tenantId')) {
    problems.push(
      `${where}.conditions: \${user.${identities[0]}} names a caller only within a tenant; pin the tenant too (e.g. actorTenantId: "\${user.tenantId}")`,
    );
  }
  return problems;
}

/** A field, or a dotted path into one (`deviceSnapshot.groupTag`): CASL's matcher follows dots into objects. */
function isFieldOf(subject: PolicySubject, key: string): boolean {
  return SUBJECT_FIELDS[subject].includes(key.split('.')[0]);
}
