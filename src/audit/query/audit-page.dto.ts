import { ApiProperty } from '@nestjs/swagger';
import { AttemptDto } from '../../attempts/attempt.dto';

export class AuditAttemptPageDto {
  @ApiProperty({ type: [AttemptDto], description: 'Newest first (receivedAt, then id), each as GET /v1/attempts/{attemptId} shows it.' })
  items!: AttemptDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Opaque cursor of the next page (pass it as `cursor` with the same filters); null on the last page.' })
  next!: string | null;
}
