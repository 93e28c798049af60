import { ProblemCode } from '../../http/problem-code';
import { ProblemError } from '../../http/problem.error';
import type { AppAbility } from '../../policy/policy-vocabulary';

/**
 * Whether this reader sees every attempt they may read in full, as an auditor: no `fields` limit on any `read
 * Attempt` rule, and `diagnose` on every attempt (one unconditional rule, no inverted one). Such a reader gets the
 * reports Postgres renders; anyone else gets each attempt through `attemptAsSeenBy`, as GET /v1/attempts/{id} shows it
 * to them: without Graph's own error text, the device of an attempt they may not act on, or fields their rules leave out.
 */
export function readsEveryAttemptInFull(ability: AppAbility): boolean {
  const reads = ability.rulesFor('read', 'Attempt');
  const diagnoses = ability.rulesFor('diagnose', 'Attempt');
  const unlimitedReads = reads.every((rule) => rule.fields === undefined);
  const diagnosesAll =
    diagnoses.some((rule) => !rule.inverted && rule.conditions === undefined) &&
    diagnoses.every((rule) => !rule.inverted);
  return unlimitedReads && diagnosesAll;
}

/**
 * Filtering on a device's recorded attributes (serialNumber) or counting by them (groupBy=groupTag) would tell a reader
 * about devices withheld from them: only a reader who reads every attempt in full may.
 */
export function assertMayFilterOnDevices(
  ability: AppAbility,
  query: { serialNumber?: unknown; groupBy?: string },
): void {
  const onDevices = query.serialNumber !== undefined || query.groupBy === 'groupTag';
  if (onDevices && !readsEveryAttemptInFull(ability)) {
    throw new ProblemError(
      ProblemCode.PolicyDenied,
      'Filtering or counting by device attributes (serialNumber, groupTag) needs the right to diagnose every attempt; filter by deviceId instead.',
    );
  }
}
