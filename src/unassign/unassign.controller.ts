import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AuthenticatedByUseCase } from '../auth/public.decorator';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator';
import { ProblemCode } from '../http/problem-code';
import { requestPart } from './command-from-request';
import { UnassignBodyDto, UnassignResultDto } from './unassign-result.dto';
import { UnassignResourceAccountUseCase } from './unassign-resource-account.use-case';
import type { UnassignSucceeded } from './unassign-resource-account.command';

export const UNASSIGN_REFUSALS = [
  ProblemCode.InvalidRequest,
  ProblemCode.Unauthenticated,
  ProblemCode.PolicyDenied,
  ProblemCode.DeviceNotFound,
  ProblemCode.NothingToUnassign,
  ProblemCode.PayloadTooLarge,
  ProblemCode.UnsupportedMediaType,
  ProblemCode.ChangeTicketRejected,
  ProblemCode.RateLimited,
  ProblemCode.GraphError,
  ProblemCode.AuditUnavailable,
  ProblemCode.GraphUnavailable,
  ProblemCode.TicketProviderUnavailable,
  ProblemCode.GraphTimeout,
];

@ApiTags('unassign')
@ApiBearerAuth()
@Controller('v1/autopilot-devices')
export class UnassignController {
  constructor(private readonly unassign: UnassignResourceAccountUseCase) {}

  @Post(':deviceId/unassign-resource-account')
  @HttpCode(200)
  @AuthenticatedByUseCase()
  @ApiOperation({
    summary: 'Unassign the resource account from a Windows Autopilot device',
    description:
      'Authenticates the caller, checks the policy (for any device, then for this device after reading it from Graph), ' +
      'checks the change ticket, records the attempt and only then forwards unassignResourceAccountFromDevice to Graph. ' +
      'Every call, refused ones included, leaves exactly one attempt; its id is in the answer.',
  })
  @ApiBody({ type: UnassignBodyDto })
  @ApiOkResponse({ type: UnassignResultDto, description: 'Graph answered 204: the resource account was unassigned.' })
  @ApiProblemResponses(...UNASSIGN_REFUSALS)
  execute(@Param('deviceId') deviceId: string, @Body() body: unknown, @Req() request: FastifyRequest): Promise<UnassignSucceeded> {
    return this.unassign.execute({
      ...requestPart(request),
      entryPoint: 'v1',
      deviceIds: [deviceId],
      body: { raw: body, contentType: request.headers['content-type'] },
    });
  }
}
