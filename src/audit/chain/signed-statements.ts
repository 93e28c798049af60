import { sign, verify, type KeyObject } from 'node:crypto';

/** The chain head at seq, as signed. */
export interface Checkpoint {
  seq: number;
  hash: string;
  signedAt: Date;
  keyId: string;
  signature: string;
  /** The signature of the checkpoint before this one, so removing a checkpoint breaks the next one's signature. */
  previousSignature: string | null;
}

/** What a retention run deleted: the chain prefix firstSeq..cutSeq, every record of it received before cutBefore. */
export interface RetentionRun {
  cutSeq: number;
  cutHash: string;
  cutBefore: Date;
  firstSeq: number;
  deletedCount: number;
  oldestReceivedAt: Date;
  newestReceivedAt: Date;
  ranAt: Date;
  keyId: string;
  signature: string;
}

// The exact text each signature covers: one `name=value` per line, fixed order, dates in ISO 8601 UTC.
export function checkpointStatement(checkpoint: Omit<Checkpoint, 'signature'>): string {
  return [
    'autopilot-gate audit checkpoint v1',
    `seq=${checkpoint.seq}`,
    `hash=${checkpoint.hash}`,
    `signedAt=${checkpoint.signedAt.toISOString()}`,
    `keyId=${checkpoint.keyId}`,
    `previousSignature=${checkpoint.previousSignature ?? '-'}`,
  ].join('\n');
}

export function retentionStatement(run: Omit<RetentionRun, 'signature'>): string {
  return [
    'autopilot-gate audit retention v1',
    `firstSeq=${run.firstSeq}`,
    `cutSeq=${run.cutSeq}`,
    `cutHash=${run.cutHash}`,
    `cutBefore=${run.cutBefore.toISOString()}`,
    `deletedCount=${run.deletedCount}`,
    `oldestReceivedAt=${run.oldestReceivedAt.toISOString()}`,
    `newestReceivedAt=${run.newestReceivedAt.toISOString()}`,
    `ranAt=${run.ranAt.toISOString()}`,
    `keyId=${run.keyId}`,
  ].join('\n');
}

/** Ed25519 over the statement's UTF-8 bytes, base64. */
export function signStatement(statement: string, privateKey: KeyObject): string {
  return sign(null, Buffer.from(statement, 'utf8'), privateKey).toString('base64');
}

export function verifyStatement(statement: string, signature: string, publicKey: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(statement, 'utf8'), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
