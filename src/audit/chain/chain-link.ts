import type { AttemptRecord } from '../../attempts/attempt';

/** Where a settled attempt sits in the tamper-evident chain: null until the sealer reaches it. */
export interface ChainLink {
  seq: number | null;
  prevHash: string | null;
  hash: string | null;
}

/** The chain's own members, which the NDJSON export adds to an attempt: never part of what a hash covers. */
export const CHAIN_FIELDS = ['seq', 'prevHash', 'hash'] as const satisfies readonly (keyof ChainLink)[];

/** An attempt with its place in the chain, as an NDJSON export line carries it. */
export type ChainedAttempt = AttemptRecord & ChainLink;
