import { ApiProperty } from '@nestjs/swagger';
import { BREAK_KINDS } from './chain-walk';

class ChainBreakDto {
  @ApiProperty({
    enum: BREAK_KINDS,
    description:
      'modified: a record (or the chain up to a signed checkpoint) changed; deleted: a seq, or a checkpoint, is missing; ' +
      'reordered: a record follows another than its predecessor; bad_signature: a checkpoint or retention record does not verify.',
  })
  kind!: string;
  @ApiProperty({ description: 'Where the chain first breaks.' }) seq!: number;
  @ApiProperty({ required: false, format: 'uuid', description: 'The broken attempt, when you may read it.' }) attemptId?: string;
  @ApiProperty() detail!: string;
}

class UnsignedTailDto {
  @ApiProperty() fromSeq!: number;
  @ApiProperty() records!: number;
}

class RetentionCutDto {
  @ApiProperty() cutSeq!: number;
  @ApiProperty({ type: String, format: 'date-time' }) cutBefore!: Date;
}

export class IntegrityReportDto {
  @ApiProperty({ enum: ['ok', 'broken'] }) status!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'First seq walked (null: nothing to walk).' }) fromSeq!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Last seq walked: the last record in the window, or the checkpoint signing it.' })
  toSeq!: number | null;
  @ApiProperty({ description: 'Records verified before the first break (all of them when ok).' }) records!: number;
  @ApiProperty({ description: 'Of those, the ones you may read.' }) recordsInScope!: number;
  @ApiProperty({ description: 'Signed checkpoints verified.' }) checkpoints!: number;
  @ApiProperty({ type: ChainBreakDto, nullable: true }) firstBreak!: ChainBreakDto | null;
  @ApiProperty({ type: UnsignedTailDto, nullable: true, description: 'Verified records after the last checkpoint, not yet signed (at most AUDIT_CHECKPOINT_EVERY, or an hour).' })
  unsigned!: UnsignedTailDto | null;
  @ApiProperty({ type: RetentionCutDto, nullable: true, description: 'The last retention run: the chain left starts after cutSeq.' })
  retention!: RetentionCutDto | null;
  @ApiProperty({ description: 'The key checkpoints are verified with (GET /v1/audit/public-key).' }) keyId!: string;
}

export class AuditPublicKeyDto {
  @ApiProperty({ example: 'Ed25519' }) algorithm!: string;
  @ApiProperty({ description: 'First 16 hex digits of sha256 of the DER public key; checkpoints name it.' }) keyId!: string;
  @ApiProperty({ description: 'SPKI PEM, for `npm run audit:verify -- FILE --public-key KEY.pem`.' }) publicKeyPem!: string;
}
