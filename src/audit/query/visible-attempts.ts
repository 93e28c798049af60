import type { AttemptRecord } from '../../attempts/attempt';
import { attemptAsSeenBy } from '../../attempts/attempt-visibility';
import type { AppAbility } from '../../policy/policy-vocabulary';
import type { WorkNoteState } from '../../tickets/work-notes/work-note';

const CHAIN_MEMBERS = ['seq', 'prevHash', 'hash'] as const;

/**
 * An attempt Postgres rendered (attempt-selects.ts), as this reader may see it: the same rules as GET
 * /v1/attempts/{id} (attemptAsSeenBy). Chain members stay, so an export line still says where it sits in the chain;
 * a line with something withheld no longer hashes to its link, which is why full exports are for auditors.
 */
export function visibleAttempt(ability: AppAbility, renderedJson: string): Record<string, unknown> {
  const rendered = JSON.parse(renderedJson) as Record<string, unknown>;
  const { workNote, ...record } = rendered;
  const chain = Object.fromEntries(
    CHAIN_MEMBERS.filter((member) => member in record).map((member) => [member, record[member]]),
  );
  const shown: Record<string, unknown> = {
    ...attemptAsSeenBy(ability, record as unknown as AttemptRecord, (workNote ?? null) as WorkNoteState | null),
    ...chain,
  };
  // Chained export lines carry no work note (it changes after sealing): none is added.
  if (!('workNote' in rendered)) delete shown.workNote;
  return shown;
}

/** A CSV row of a visible attempt, in the header's member order; a member left out is an empty cell. */
export function csvCellsOf(members: string[], attempt: Record<string, unknown>): string[] {
  return members.map((member) => {
    const value = attempt[member];
    if (value === null || value === undefined) return '';
    return typeof value === 'object' ? JSON.stringify(value) : `${value as string | number | boolean}`;
  });
}
