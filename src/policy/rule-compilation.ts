import { createMongoAbility, subject, type RawRuleOf } from '@casl/ability';
import type { PolicyRule } from './policy-file';
import type { AppAbility } from './policy-vocabulary';
import { interpolateConditions, unknownPlaceholders } from './rule-interpolation';

const SAMPLE_CALLER = { oid: 'sample', tenantId: 'sample', upn: 'sample', appId: 'sample' };

/** CASL compiles conditions lazily; check each rule now so a bad operator stops start-up, not a request. */
export function checkRulesCompile(roles: Record<string, PolicyRule[]>): string[] {
  const errors: string[] = [];
  for (const [role, rules] of Object.entries(roles)) {
    rules.forEach((rule, index) => {
      const where = `roles.${role}[${index}].conditions`;
      const unknown = unknownPlaceholders(rule.conditions);
      if (unknown.length > 0) {
        errors.push(`${where}: unknown placeholder(s) ${unknown.map((name) => `\${user.${name}}`).join(', ')}`);
        return;
      }
      const raw = { ...rule, conditions: interpolateConditions(rule.conditions, SAMPLE_CALLER) } as RawRuleOf<AppAbility>;
      try {
        const ability = createMongoAbility<AppAbility>([raw]);
        for (const action of [rule.action].flat()) {
          for (const subjectType of [rule.subject].flat()) ability.can(action, subject(subjectType, {}));
        }
      } catch (error) {
        errors.push(`${where}: ${(error as Error).message}`);
      }
    });
  }
  return errors;
}
