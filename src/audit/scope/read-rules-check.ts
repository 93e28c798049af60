import { InvalidPolicyError, type Policy } from '../../policy/policy-file';
import { interpolateConditions } from '../../policy/rule-interpolation';
import { ATTEMPT_FIELDS } from './attempt-read-scope';
import { mongoConditionsToPrisma, UntranslatableConditionError } from './mongo-to-prisma';

const SAMPLE_CALLER = { oid: 'sample', tenantId: 'sample', upn: 'sample', appId: 'sample' };

/**
 * Refuses, at start-up, a policy whose `read Attempt` conditions the audit reports could not apply exactly (a
 * `$regex`, `$lt`, an unknown field...): better no service than a report that shows what the policy forbids.
 */
export function checkAttemptReadRulesTranslate(policy: Policy): void {
  const errors: string[] = [];
  for (const [role, rules] of policy.roles) {
    rules.forEach((rule, index) => {
      const readsAttempts = [rule.action].flat().includes('read') && [rule.subject].flat().includes('Attempt');
      if (!readsAttempts || rule.conditions === undefined) return;
      try {
        mongoConditionsToPrisma(
          interpolateConditions(rule.conditions, SAMPLE_CALLER) as Record<string, unknown>,
          ATTEMPT_FIELDS,
        );
      } catch (error) {
        if (!(error instanceof UntranslatableConditionError)) throw error;
        errors.push(`  at roles.${role}[${index}].conditions: the audit reports cannot apply ${error.message}`);
      }
    });
  }
  if (errors.length > 0) throw new InvalidPolicyError(`Policy file ${policy.source} is invalid:\n${errors.join('\n')}`);
}
