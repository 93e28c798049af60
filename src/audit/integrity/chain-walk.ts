import type { KeyObject } from 'node:crypto';
import type { ChainLink } from '../chain/chain-link';
import { chainHash } from '../chain/canonical-record';
import { checkpointStatement, verifyStatement, type Checkpoint } from '../chain/signed-statements';

export const BREAK_KINDS = ['modified', 'deleted', 'reordered', 'bad_signature'] as const;
export type BreakKind = (typeof BREAK_KINDS)[number];

export interface ChainBreak {
  kind: BreakKind;
  seq: number;
  attemptId?: string;
  detail: string;
}

export interface WalkStart {
  /** The first seq the walk expects. */
  seq: number;
  /** The hash that record must name as prevHash; null when nothing trustworthy precedes it. */
  prevHash: string | null;
  /** The last checkpoint before the walk (null: there is none), which the first checkpoint met must name; undefined: unknown. */
  previousCheckpoint: Checkpoint | null | undefined;
}

type WalkedRecord = ChainLink & { id: string };

/**
 * Checks records in seq order against each other and against the signed checkpoints, and says how the chain first
 * breaks. Shared by the integrity endpoint (records from the database) and the offline verifier (from an export).
 * `findSeqByHash` tells a reordered record (its predecessor exists elsewhere) from one whose predecessor changed.
 */
export class ChainWalk {
  records = 0;
  checkpointsVerified = 0;
  lastAnchoredSeq: number | null = null;
  private expectedSeq: number;
  private expectedPrevHash: string | null;
  private previousCheckpoint: Checkpoint | null | undefined;

  constructor(
    start: WalkStart,
    private readonly checkpoints: ReadonlyMap<number, Checkpoint>,
    private readonly publicKeys: ReadonlyMap<string, KeyObject>,
    private readonly findSeqByHash: (hash: string) => Promise<number | null>,
  ) {
    this.expectedSeq = start.seq;
    this.expectedPrevHash = start.prevHash;
    this.previousCheckpoint = start.previousCheckpoint;
  }

  async visit(record: WalkedRecord): Promise<ChainBreak | null> {
    const seq = record.seq!;
    if (seq > this.expectedSeq) {
      const missing =
        seq - 1 === this.expectedSeq ? `seq ${this.expectedSeq} is` : `seq ${this.expectedSeq} to ${seq - 1} are`;
      return { kind: 'deleted', seq: this.expectedSeq, detail: `${missing} missing from the chain.` };
    }
    if (chainHash(record.prevHash!, record) !== record.hash) {
      return {
        kind: 'modified',
        seq,
        attemptId: record.id,
        detail: `The record at seq ${seq} no longer matches its hash.`,
      };
    }
    if (this.expectedPrevHash !== null && record.prevHash !== this.expectedPrevHash) {
      return this.brokenLink(record, seq);
    }
    const checkpoint = this.checkpoints.get(seq);
    if (checkpoint) {
      const broken = this.checkCheckpoint(checkpoint, record);
      if (broken) return broken;
    }
    this.records += 1;
    this.expectedSeq = seq + 1;
    this.expectedPrevHash = record.hash;
    return null;
  }

  /** After the last record: the chain must reach `lastSeq` (the head, or a checkpoint that signed it). */
  finish(lastSeq: number): ChainBreak | null {
    if (this.expectedSeq > lastSeq) return null;
    const missing = lastSeq === this.expectedSeq ? `seq ${lastSeq} is` : `seq ${this.expectedSeq} to ${lastSeq} are`;
    return { kind: 'deleted', seq: this.expectedSeq, detail: `${missing} missing from the end of the chain.` };
  }

  private async brokenLink(record: WalkedRecord, seq: number): Promise<ChainBreak> {
    const named = await this.findSeqByHash(record.prevHash!);
    if (named !== null) {
      return {
        kind: 'reordered',
        seq,
        attemptId: record.id,
        detail: `The record at seq ${seq} follows seq ${named}, not seq ${seq - 1}.`,
      };
    }
    return {
      kind: 'modified',
      seq: seq - 1,
      detail: `The record at seq ${seq - 1} is not the one seq ${seq} was chained to: it was changed and re-hashed (or removed and the chain renumbered).`,
    };
  }

  private checkCheckpoint(checkpoint: Checkpoint, record: WalkedRecord): ChainBreak | null {
    const seq = checkpoint.seq;
    const publicKey = this.publicKeys.get(checkpoint.keyId);
    if (!publicKey)
      return {
        kind: 'bad_signature',
        seq,
        detail: `The checkpoint at seq ${seq} is signed with key ${checkpoint.keyId}, which is not trusted here.`,
      };
    if (!verifyStatement(checkpointStatement(checkpoint), checkpoint.signature, publicKey)) {
      return { kind: 'bad_signature', seq, detail: `The signature of the checkpoint at seq ${seq} does not verify.` };
    }
    if (
      this.previousCheckpoint !== undefined &&
      checkpoint.previousSignature !== (this.previousCheckpoint?.signature ?? null)
    ) {
      return { kind: 'deleted', seq, detail: `A checkpoint before the one at seq ${seq} is missing.` };
    }
    if (checkpoint.hash !== record.hash) {
      return {
        kind: 'modified',
        seq,
        attemptId: record.id,
        detail: `The chain up to seq ${seq} differs from what the checkpoint signed: it was rebuilt.`,
      };
    }
    this.previousCheckpoint = checkpoint;
    this.checkpointsVerified += 1;
    this.lastAnchoredSeq = seq;
    return null;
  }
}
