import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AuthenticatedByUseCase } from '../../auth/public.decorator';
import { ApiProblemResponses } from '../../http/api-problem-responses.decorator';
import { ProblemCode } from '../../http/problem-code';
import { requestPart } from '../command-from-request';
import type { UnassignResourceAccountCommand } from '../unassign-resource-account.command';
import { UnassignBodyDto } from '../unassign-result.dto';
import { PreviewUnassignUseCase, type PreviewAnswer } from './preview-unassign.use-case';

class PreviewCheckDto {
  @ApiProperty({ enum: ['policy.anyDevice', 'device', 'policy.device', 'resourceAccount', 'changeTicket'] }) check!: string;
  @ApiProperty() passed!: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'The code the real call would answer with (a problem or ticket rejection code); NOT_CHECKED when a check it needs failed.' })
  code!: string | null;
  @ApiProperty() detail!: string;
}

class PreviewAnswerDto {
  @ApiProperty({ format: 'uuid' }) attemptId!: string;
  @ApiProperty() wouldSucceed!: boolean;
  @ApiProperty({ type: [PreviewCheckDto] }) checks!: PreviewCheckDto[];
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true, description: 'The device as GET /v1/autopilot-devices/{id} shows it; null when not readable.' })
  device!: object | null;
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true, description: 'The change ticket as read.' }) ticket!: object | null;
  @ApiProperty() breakGlass!: boolean;
}

const PREVIEW_REFUSALS = [ProblemCode.InvalidRequest, ProblemCode.Unauthenticated, ProblemCode.UnsupportedMediaType, ProblemCode.PayloadTooLarge, ProblemCode.RateLimited, ProblemCode.AuditUnavailable];
const DESCRIPTION =
  'Runs every check the unassign would run (policy for any device, the device, policy for this device, the resource ' +
  'account, the change ticket with all its rules) without stopping at the first failure, and sends Graph nothing but ' +
  'reads. A failed check is a 200 with wouldSucceed false; only a token or input failure answers with its problem. ' +
  'Recorded as an attempt with the outcome `previewed`.';

@ApiTags('unassign')
@ApiBearerAuth()
@Controller('v1/autopilot-devices')
export class PreviewController {
  constructor(private readonly preview: PreviewUnassignUseCase) {}

  @Post(':deviceId/unassign-resource-account/preview')
  @HttpCode(200)
  @AuthenticatedByUseCase()
  @ApiOperation({ summary: 'What an unassign of this device would do now, every check at once', description: DESCRIPTION })
  @ApiBody({ type: UnassignBodyDto })
  @ApiOkResponse({ type: PreviewAnswerDto })
  @ApiProblemResponses(...PREVIEW_REFUSALS)
  byId(@Param('deviceId') deviceId: string, @Body() body: unknown, @Req() request: FastifyRequest): Promise<PreviewAnswer> {
    return this.run({ entryPoint: 'preview', deviceIds: [deviceId] }, body, request);
  }

  @Post('by-serial/:serialNumber/unassign-resource-account/preview')
  @HttpCode(200)
  @AuthenticatedByUseCase()
  @ApiOperation({ summary: 'What an unassign of the device with this serial number would do now, every check at once', description: DESCRIPTION })
  @ApiBody({ type: UnassignBodyDto })
  @ApiOkResponse({ type: PreviewAnswerDto })
  @ApiProblemResponses(...PREVIEW_REFUSALS)
  bySerial(@Param('serialNumber') serialNumber: string, @Body() body: unknown, @Req() request: FastifyRequest): Promise<PreviewAnswer> {
    return this.run({ entryPoint: 'preview-by-serial', serialNumber }, body, request);
  }

  private run(target: Pick<UnassignResourceAccountCommand, 'entryPoint' | 'deviceIds' | 'serialNumber'>, body: unknown, request: FastifyRequest): Promise<PreviewAnswer> {
    return this.preview.execute({ ...requestPart(request), ...target, body: { raw: body, contentType: request.headers['content-type'] } });
  }
}
