import type { SqlExecutor } from '../../database/sql-executor';
import type { Checkpoint, RetentionRun } from './signed-statements';

// The chain's own tables, read the same way by the sealer, the export, the integrity walk and retention.
// int8 columns arrive as strings from `pg` and as numbers from PGlite: Number() makes them one thing.

export interface ChainHead {
  seq: number;
  hash: string;
}

type Row = Record<string, unknown>;

export function checkpointFromRow(row: Row): Checkpoint {
  return {
    seq: Number(row.seq),
    hash: row.hash as string,
    signedAt: row.signed_at as Date,
    keyId: row.key_id as string,
    signature: row.signature as string,
    previousSignature: (row.previous_signature as string | null) ?? null,
  };
}

export function retentionRunFromRow(row: Row): RetentionRun {
  return {
    cutSeq: Number(row.cut_seq),
    cutHash: row.cut_hash as string,
    cutBefore: row.cut_before as Date,
    firstSeq: Number(row.first_seq),
    deletedCount: Number(row.deleted_count),
    oldestReceivedAt: row.oldest_received_at as Date,
    newestReceivedAt: row.newest_received_at as Date,
    ranAt: row.ran_at as Date,
    keyId: row.key_id as string,
    signature: row.signature as string,
  };
}

export async function readChainHead(sql: SqlExecutor): Promise<ChainHead> {
  const [row] = await sql.query<Row>('SELECT "seq", "hash" FROM "audit_chain_head"');
  return { seq: Number(row.seq), hash: row.hash as string };
}

export async function readLastCheckpoint(sql: SqlExecutor, atOrBefore?: number): Promise<Checkpoint | null> {
  const rows = await sql.query<Row>(
    atOrBefore === undefined
      ? 'SELECT * FROM "audit_checkpoints" ORDER BY "seq" DESC LIMIT 1'
      : 'SELECT * FROM "audit_checkpoints" WHERE "seq" <= $1 ORDER BY "seq" DESC LIMIT 1',
    atOrBefore === undefined ? [] : [atOrBefore],
  );
  return rows.length > 0 ? checkpointFromRow(rows[0]) : null;
}

/** Checkpoints from `fromSeq` up to and including the first one at or after `toSeq`: what anchors records fromSeq..toSeq. */
export async function readCheckpointsCovering(sql: SqlExecutor, fromSeq: number, toSeq: number): Promise<Checkpoint[]> {
  const rows = await sql.query<Row>(
    `SELECT * FROM "audit_checkpoints"
      WHERE "seq" >= $1 AND "seq" <= coalesce((SELECT min("seq") FROM "audit_checkpoints" WHERE "seq" >= $2), $2)
      ORDER BY "seq"`,
    [fromSeq, toSeq],
  );
  return rows.map(checkpointFromRow);
}

export async function readLatestRetentionRun(sql: SqlExecutor): Promise<RetentionRun | null> {
  const rows = await sql.query<Row>('SELECT * FROM "audit_retention_runs" ORDER BY "cut_seq" DESC LIMIT 1');
  return rows.length > 0 ? retentionRunFromRow(rows[0]) : null;
}
