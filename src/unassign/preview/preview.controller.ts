import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AuthenticatedByUseCase } from '../../auth/public.decorator';
import { DEVICE_VIEW_EXAMPLE } from '../../devices/devices.controller';
import { ApiProblemResponses } from '../../http/api-problem-responses.decorator';
import { ProblemCode } from '../../http/problem-code';
import { requestPart } from '../command-from-request';
import type { UnassignResourceAccountCommand } from '../unassign-resource-account.command';
import { ApiUnassignBody } from '../api-unassign-body.decorator';
import { PreviewUnassignUseCase, type PreviewAnswer } from './preview-unassign.use-case';

class PreviewCheckDto {
  @ApiProperty({ enum: ['policy.anyDevice', 'device', 'policy.device', 'resourceAccount', 'changeTicket'] })
  check!: string;
  @ApiProperty() passed!: boolean;
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'The code the real call would answer with (a problem or ticket rejection code); NOT_CHECKED when a check it needs failed.',
  })
  code!: string | null;
  @ApiProperty() detail!: string;
}

class PreviewAnswerDto {
  @ApiProperty({ format: 'uuid' }) attemptId!: string;
  @ApiProperty() wouldSucceed!: boolean;
  @ApiProperty({ type: [PreviewCheckDto] }) checks!: PreviewCheckDto[];
  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: true,
    description: 'The device as GET /v1/autopilot-devices/{id} shows it; null when not readable.',
  })
  device!: object | null;
  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: true,
    description: 'The change ticket as read.',
  })
  ticket!: object | null;
  @ApiProperty() breakGlass!: boolean;
}

const PREVIEW_EXAMPLE: PreviewAnswerDto = {
  attemptId: '3f2b8c1e-6d4a-4e7b-9a10-2c5d7e9f0a11',
  wouldSucceed: false,
  checks: [
    { check: 'policy.anyDevice', passed: true, code: null, detail: 'A rule allows unassign on some devices.' },
    { check: 'device', passed: true, code: null, detail: 'Read from Microsoft Graph.' },
    { check: 'policy.device', passed: true, code: null, detail: 'A rule allows unassign on this device.' },
    { check: 'resourceAccount', passed: true, code: null, detail: 'The device has a resource account.' },
    {
      check: 'changeTicket',
      passed: false,
      code: 'TICKET_NOT_APPROVED',
      detail: 'The change ticket CHG0001234 is not approved.',
    },
  ],
  device: DEVICE_VIEW_EXAMPLE,
  ticket: {
    number: 'CHG0001234',
    source: 'servicenow',
    state: 'Implement',
    stateValue: '-1',
    approval: 'requested',
    plannedStart: '2026-12-03T08:00:00.000Z',
    plannedEnd: '2026-12-03T18:00:00.000Z',
    affectedCis: ['SIM-MTR-0001'],
  },
  breakGlass: false,
};

const PREVIEW_REFUSALS = [
  ProblemCode.InvalidRequest,
  ProblemCode.Unauthenticated,
  ProblemCode.UnsupportedMediaType,
  ProblemCode.PayloadTooLarge,
  ProblemCode.RateLimited,
  ProblemCode.AuditUnavailable,
];
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
  @ApiOperation({
    operationId: 'previewUnassign',
    summary: 'What an unassign of this device would do now, every check at once',
    description: DESCRIPTION,
  })
  @ApiUnassignBody()
  @ApiOkResponse({ type: PreviewAnswerDto, description: 'Every check and its result.', example: PREVIEW_EXAMPLE })
  @ApiProblemResponses(...PREVIEW_REFUSALS)
  byId(
    @Param('deviceId') deviceId: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
  ): Promise<PreviewAnswer> {
    return this.run({ entryPoint: 'preview', deviceIds: [deviceId] }, body, request);
  }

  @Post('by-serial/:serialNumber/unassign-resource-account/preview')
  @HttpCode(200)
  @AuthenticatedByUseCase()
  @ApiOperation({
    operationId: 'previewUnassignBySerial',
    summary: 'What an unassign of the device with this serial number would do now, every check at once',
    description: DESCRIPTION,
  })
  @ApiUnassignBody()
  @ApiOkResponse({ type: PreviewAnswerDto, description: 'Every check and its result.', example: PREVIEW_EXAMPLE })
  @ApiProblemResponses(...PREVIEW_REFUSALS)
  bySerial(
    @Param('serialNumber') serialNumber: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
  ): Promise<PreviewAnswer> {
    return this.run({ entryPoint: 'preview-by-serial', serialNumber }, body, request);
  }

  private run(
    target: Pick<UnassignResourceAccountCommand, 'entryPoint' | 'deviceIds' | 'serialNumber'>,
    body: unknown,
    request: FastifyRequest,
  ): Promise<PreviewAnswer> {
    return this.preview.execute({
      ...requestPart(request),
      ...target,
      body: { raw: body, contentType: request.headers['content-type'] },
    });
  }
}
