import type { ChainBreak } from './chain-walk';

/** What `GET /v1/audit/integrity` answers. */
export interface IntegrityReport {
  status: 'ok' | 'broken';
  /** The seq range walked: the records received in [from, to), up to the checkpoint that signs the last of them. */
  fromSeq: number | null;
  toSeq: number | null;
  /** Records verified before the first break (or all of them). */
  records: number;
  /** Of those, the ones the caller may read. */
  recordsInScope: number;
  checkpoints: number;
  firstBreak: ChainBreak | null;
  /** Verified records after the last checkpoint: consistent, but not yet under a signature. */
  unsigned: { fromSeq: number; records: number } | null;
  /** The last retention run, where the walk of the remaining chain starts. */
  retention: { cutSeq: number; cutBefore: Date } | null;
  keyId: string;
}
