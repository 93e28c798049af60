import { Inject, Injectable } from '@nestjs/common';
import type { DatabaseConnection } from '../../database/database-connection';
import { DATABASE_CONNECTION } from '../../database/database.providers';
import { readCheckpointsCovering } from './chain-records';
import type { Checkpoint } from './signed-statements';

/** Reads the signed checkpoints for exports; only the sealer writes them. */
@Injectable()
export class AuditCheckpointsRepository {
  constructor(@Inject(DATABASE_CONNECTION) private readonly database: DatabaseConnection) {}

  covering(fromSeq: number, toSeq: number): Promise<Checkpoint[]> {
    return readCheckpointsCovering(this.database.sql, fromSeq, toSeq);
  }
}
