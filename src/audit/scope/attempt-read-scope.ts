import type { Ability } from '@casl/ability';
import { accessibleBy, createPrismaAbility, type PrismaQueryFactory } from '@casl/prisma/runtime';
import { Prisma } from '../../generated/prisma/client';
import { ProblemCode } from '../../http/problem-code';
import { ProblemError } from '../../http/problem.error';
import type { AppAbility } from '../../policy/policy-vocabulary';
import { mongoConditionsToPrisma } from './mongo-to-prisma';

type AttemptReadAbility = Ability<['read', 'Attempt'], PrismaQueryFactory<Prisma.TypeMap>>;

export const ATTEMPT_FIELDS: ReadonlySet<string> = new Set(Object.values(Prisma.AttemptScalarFieldEnum));

/**
 * The one place an audit read is scoped: the caller's `read Attempt` rules as a Prisma where-clause, built by
 * @casl/prisma's accessibleBy from the rules translated out of the policy's Mongo-style conditions. Every list,
 * export, summary and integrity report ANDs it with the caller's filters, so no filter can widen it.
 * Rules restricted to `fields` still select rows here; which members of a row a caller sees is not decided here.
 */
export function attemptReadScope(ability: AppAbility): Prisma.AttemptWhereInput {
  assertMayReadAttempts(ability);
  const rules = ability.rulesFor('read', 'Attempt').map((rule) => ({
    action: 'read' as const,
    subject: 'Attempt' as const,
    inverted: rule.inverted,
    conditions: rule.conditions
      ? mongoConditionsToPrisma(rule.conditions as Record<string, unknown>, ATTEMPT_FIELDS)
      : undefined,
  }));
  // rulesFor lists the strongest rule first; an ability takes the last-defined one as strongest, so rebuild in reverse.
  rules.reverse();
  return accessibleBy(createPrismaAbility<AttemptReadAbility>(rules), 'read').ofType('Attempt');
}

/** 403 for a caller with no `read Attempt` rule at all. */
export function assertMayReadAttempts(ability: AppAbility): void {
  if (ability.cannot('read', 'Attempt')) {
    throw new ProblemError(ProblemCode.PolicyDenied, 'Your roles do not allow reading attempts.');
  }
}
