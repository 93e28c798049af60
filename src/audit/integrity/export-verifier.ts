import type { KeyObject } from 'node:crypto';
import type { ChainedAttempt } from '../chain/chain-link';
import { checkpointStatement, verifyStatement, type Checkpoint } from '../chain/signed-statements';
import { ChainWalk, type ChainBreak } from './chain-walk';

/** What `npm run audit:verify` found in an NDJSON export. */
export interface ExportVerification {
  attempts: number;
  /** Sealed attempts whose hash chains, without a gap, up to a signed checkpoint in the file. */
  anchored: number;
  /** Sealed and consistent, but no signed checkpoint reachable in the file (a filtered export, or not yet signed). */
  unanchored: number;
  /** Not on the chain yet (in flight, or settled after the last seal). */
  unsealed: number;
  checkpoints: number;
  problems: ChainBreak[];
}

type ExportedCheckpoint = Omit<Checkpoint, 'signedAt'> & { signedAt: string };

/**
 * Checks an export offline: every sealed attempt against its own hash, consecutive attempts against each other,
 * every checkpoint against the public keys and the checkpoint before it, and which attempts a signature covers.
 * An export filtered by anything but time has gaps by design: a gap is not a problem, it only ends what a later
 * checkpoint can vouch for.
 */
export async function verifyExport(
  lines: AsyncIterable<string>,
  publicKeys: ReadonlyMap<string, KeyObject>,
): Promise<ExportVerification> {
  const attempts: ChainedAttempt[] = [];
  const checkpoints: Checkpoint[] = [];
  const problems: ChainBreak[] = [];
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber += 1;
    if (line.trim() === '') continue;
    try {
      const parsed = JSON.parse(line) as { checkpoint?: ExportedCheckpoint } & ChainedAttempt;
      if (parsed.checkpoint) checkpoints.push({ ...parsed.checkpoint, signedAt: new Date(parsed.checkpoint.signedAt) });
      else attempts.push(parsed);
    } catch {
      problems.push({ kind: 'modified', seq: 0, detail: `Line ${lineNumber} is not JSON.` });
    }
  }
  const sealed = attempts.filter((attempt) => attempt.seq !== null).sort((a, b) => a.seq! - b.seq!);
  checkpoints.sort((a, b) => a.seq - b.seq);
  problems.push(...checkCheckpoints(checkpoints, publicKeys));

  const bySeq = new Map(sealed.map((attempt) => [attempt.hash!, attempt.seq!]));
  const checkpointsBySeq = new Map(checkpoints.map((checkpoint) => [checkpoint.seq, checkpoint]));
  let anchored = 0;
  for (const run of consecutiveRuns(sealed)) {
    const walk = new ChainWalk(
      { seq: run[0].seq!, prevHash: null, previousCheckpoint: undefined },
      checkpointsBySeq,
      publicKeys,
      (hash) => Promise.resolve(bySeq.get(hash) ?? null),
    );
    for (const attempt of run) {
      const broken = await walk.visit(attempt);
      if (broken) {
        problems.push(broken);
        break;
      }
    }
    if (walk.lastAnchoredSeq !== null) anchored += walk.lastAnchoredSeq - run[0].seq! + 1;
  }
  return {
    attempts: attempts.length,
    anchored,
    unanchored: sealed.length - anchored,
    unsealed: attempts.length - sealed.length,
    checkpoints: checkpoints.length,
    // A checkpoint problem can be met twice: once on its own, once by the walk through its record.
    problems: [...new Map(problems.map((problem) => [`${problem.kind}@${problem.seq}`, problem])).values()],
  };
}

function checkCheckpoints(checkpoints: Checkpoint[], publicKeys: ReadonlyMap<string, KeyObject>): ChainBreak[] {
  const problems: ChainBreak[] = [];
  checkpoints.forEach((checkpoint, index) => {
    const key = publicKeys.get(checkpoint.keyId);
    if (!key || !verifyStatement(checkpointStatement(checkpoint), checkpoint.signature, key)) {
      const why = key
        ? 'its signature does not verify'
        : `it is signed with key ${checkpoint.keyId}, which was not given`;
      problems.push({
        kind: 'bad_signature',
        seq: checkpoint.seq,
        detail: `The checkpoint at seq ${checkpoint.seq}: ${why}.`,
      });
    } else if (index > 0 && checkpoint.previousSignature !== checkpoints[index - 1].signature) {
      problems.push({
        kind: 'deleted',
        seq: checkpoint.seq,
        detail: `A checkpoint before the one at seq ${checkpoint.seq} is missing.`,
      });
    }
  });
  return problems;
}

/** Sealed attempts split where seq jumps; a repeated seq stays in its run, so the walk reports it. */
function consecutiveRuns(sealed: ChainedAttempt[]): ChainedAttempt[][] {
  const runs: ChainedAttempt[][] = [];
  for (const attempt of sealed) {
    const run = runs.at(-1);
    if (run && attempt.seq! <= run.at(-1)!.seq! + 1) run.push(attempt);
    else runs.push([attempt]);
  }
  return runs;
}
