import { ApiProperty } from '@nestjs/swagger';
import { ATTEMPT_EXAMPLE, AttemptDto } from '../../attempts/attempt.dto';

export class AuditAttemptPageDto {
  @ApiProperty({
    type: [AttemptDto],
    description: 'Newest first (receivedAt, then id), each as GET /v1/attempts/{attemptId} shows it.',
  })
  items!: AttemptDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Opaque cursor of the next page (pass it as `cursor` with the same filters); null on the last page.',
  })
  next!: string | null;
}

export const AUDIT_PAGE_EXAMPLE: AuditAttemptPageDto = {
  items: [ATTEMPT_EXAMPLE],
  next: 'eyJyIjoiMjAyNi0xMi0wM1QxNDozMjo0OC4xMjBaIiwiaSI6IjNmMmI4YzFlIn0',
};

const CHECKPOINT_EXAMPLE = {
  seq: 1,
  hash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  signedAt: '2026-12-03T14:40:00.000Z',
  keyId: '9f86d081884c7d65',
  signature: 'MEUCIQDx5Yd0PVY2R8oHn1Vq3w1c9xjX9bq3Qe1oHqJ8l2X6RQ',
  previousSignature: null,
};

/** An export of one attempt in either format (the CSV header row is the attempts table's columns). */
export const EXPORT_EXAMPLES = {
  csv: 'id,received_at,settled_at,outcome,http_status,error_code,entry_point\r\n3f2b8c1e-6d4a-4e7b-9a10-2c5d7e9f0a11,2026-12-03T14:32:48.120Z,2026-12-03T14:32:48.871Z,succeeded,200,,v1\r\n',
  ndjson: `${JSON.stringify({ ...ATTEMPT_EXAMPLE, seq: 1, prevHash: '0'.repeat(64), hash: CHECKPOINT_EXAMPLE.hash })}\n${JSON.stringify({ checkpoint: CHECKPOINT_EXAMPLE })}\n`,
};
