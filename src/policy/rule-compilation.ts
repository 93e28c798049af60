import { createMongoAbility, subject, type RawRuleOf } from '@casl/ability';
import type { PolicyRule } from './policy-file';
import type { AppAbility } from './policy-vocabulary';
import { interpolateConditions, unknownPlaceholders } from './rule-interpolation';

const SAMPLE_CALLER = { oid: 'sample', tenantId: 'sample', upn: 'sample', appId: 'sample' };

/**
 * The operators CASL's default matcher knows. It treats any other `$key` as a literal value to compare, so a
 * typo (or `$or`, which it lacks) would make a rule silently never match: an inverted rule would stop denying.
 */
const SUPPORTED_OPERATORS = new Set([
  '$eq',
  '$ne',
  '$lt',
  '$lte',
  '$gt',
  '$gte',
  '$in',
  '$nin',
  '$all',
  '$size',
  '$regex',
  '$options',
  '$elemMatch',
  '$exists',
]);

function unsupportedOperators(value: unknown, path: string): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => unsupportedOperators(item, `${path}[${index}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => {
    const here = `${path}.${key}`;
    const own = key.startsWith('$') && !SUPPORTED_OPERATORS.has(key) ? [`${path}: unsupported operator ${key}`] : [];
    return [...own, ...unsupportedOperators(inner, here)];
  });
}

/** CASL compiles conditions lazily; check each rule now so a bad operator stops start-up, not a request. */
export function checkRulesCompile(roles: ReadonlyMap<string, PolicyRule[]>): string[] {
  const errors: string[] = [];
  for (const [role, rules] of roles) {
    rules.forEach((rule, index) => {
      const where = `roles.${role}[${index}].conditions`;
      const unknown = unknownPlaceholders(rule.conditions);
      if (unknown.length > 0) {
        errors.push(`${where}: unknown placeholder(s) ${unknown.map((name) => `\${user.${name}}`).join(', ')}`);
        return;
      }
      const badOperators = unsupportedOperators(rule.conditions, where);
      if (badOperators.length > 0) {
        errors.push(...badOperators);
        return;
      }
      const raw = {
        ...rule,
        conditions: interpolateConditions(rule.conditions, SAMPLE_CALLER),
      } as RawRuleOf<AppAbility>;
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
