import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SUMMARY_GROUPS } from './audit-summary.repository';

export class SummaryBucketDto {
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'The outcome, the actor object id, the UTC day (YYYY-MM-DD) or the groupTag; null when the attempt has none.',
  })
  key!: string | null;
  @ApiProperty() count!: number;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'groupBy=actor: the UPN or client app id seen with that object id.',
  })
  label?: string | null;
}

export class AuditSummaryDto {
  @ApiProperty({ enum: SUMMARY_GROUPS }) groupBy!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) from!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) to!: Date | null;
  @ApiProperty({ description: 'Attempts counted: the sum of the buckets.' }) total!: number;
  @ApiProperty({ type: [SummaryBucketDto], description: 'Largest first; days in calendar order.' })
  buckets!: SummaryBucketDto[];
}
