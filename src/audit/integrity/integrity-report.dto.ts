import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import { BREAK_KINDS } from './chain-walk';

// Inline rather than $ref'd classes: in OpenAPI 3.0 `nullable` beside a $ref (allOf) does not let null through.
const CHAIN_BREAK: ApiPropertyOptions = {
  nullable: true,
  type: 'object',
  required: ['kind', 'seq', 'detail'],
  properties: {
    kind: {
      type: 'string',
      enum: [...BREAK_KINDS],
      description:
        'modified: a record (or the chain up to a signed checkpoint) changed; deleted: a seq, or a checkpoint, is missing; ' +
        'reordered: a record follows another than its predecessor; bad_signature: a checkpoint or retention record does not verify.',
    },
    seq: { type: 'integer', description: 'Where the chain first breaks.' },
    attemptId: { type: 'string', format: 'uuid', description: 'The broken attempt, when you may read it.' },
    detail: { type: 'string' },
  },
};

const UNSIGNED_TAIL: ApiPropertyOptions = {
  nullable: true,
  type: 'object',
  required: ['fromSeq', 'records'],
  properties: { fromSeq: { type: 'integer' }, records: { type: 'integer' } },
};

const RETENTION_CUT: ApiPropertyOptions = {
  nullable: true,
  type: 'object',
  required: ['cutSeq', 'cutBefore'],
  properties: { cutSeq: { type: 'integer' }, cutBefore: { type: 'string', format: 'date-time' } },
};

export class IntegrityReportDto {
  @ApiProperty({ enum: ['ok', 'broken'] }) status!: string;
  @ApiProperty({ type: 'integer', nullable: true, description: 'First seq walked (null: nothing to walk).' }) fromSeq!:
    number | null;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'Last seq walked: the last record in the window, or the checkpoint signing it.',
  })
  toSeq!: number | null;
  @ApiProperty({ type: 'integer', description: 'Records verified before the first break (all of them when ok).' })
  records!: number;
  @ApiProperty({ type: 'integer', description: 'Of those, the ones you may read.' }) recordsInScope!: number;
  @ApiProperty({ type: 'integer', description: 'Signed checkpoints verified.' }) checkpoints!: number;
  @ApiProperty(CHAIN_BREAK) firstBreak!: object | null;
  @ApiProperty({
    ...UNSIGNED_TAIL,
    description:
      'Verified records after the last checkpoint, not yet signed (at most AUDIT_CHECKPOINT_EVERY, or an hour).',
  })
  unsigned!: object | null;
  @ApiProperty({ ...RETENTION_CUT, description: 'The last retention run: the chain left starts after cutSeq.' })
  retention!: object | null;
  @ApiProperty({ description: 'The key checkpoints are verified with (GET /v1/audit/public-key).' }) keyId!: string;
}

export class AuditPublicKeyDto {
  @ApiProperty({ example: 'Ed25519' }) algorithm!: string;
  @ApiProperty({ description: 'First 16 hex digits of sha256 of the DER public key; checkpoints name it.' })
  keyId!: string;
  @ApiProperty({ description: 'SPKI PEM, for `npm run audit:verify -- FILE --public-key KEY.pem`.' })
  publicKeyPem!: string;
}
