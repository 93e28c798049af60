import { applyDecorators, Body, Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthenticatedByUseCase } from '../auth/public.decorator';
import { ApiRefusals, PROBLEM_SHAPE, type RefusalShape } from '../http/api-problem-responses.decorator';
import { ProblemCode } from '../http/problem-code';
import { IDEMPOTENT_REPLAYED } from '../http/problem-response';
import { IDEMPOTENT_REPLAYED_HEADER } from '../http/response-headers';
import { ApiUnassignBody } from './api-unassign-body.decorator';
import { requestPart } from './command-from-request';
import { UNASSIGN_RESULT_EXAMPLE, UnassignResultDto } from './unassign-result.dto';
import { UnassignResourceAccountUseCase } from './unassign-resource-account.use-case';
import type { UnassignResourceAccountCommand, UnassignSucceeded } from './unassign-resource-account.command';

export const UNASSIGN_REFUSALS = [
  ProblemCode.InvalidRequest,
  ProblemCode.Unauthenticated,
  ProblemCode.PolicyDenied,
  ProblemCode.DeviceNotFound,
  ProblemCode.NothingToUnassign,
  ProblemCode.IdempotencyConflict,
  ProblemCode.RequestInProgress,
  ProblemCode.PayloadTooLarge,
  ProblemCode.UnsupportedMediaType,
  ProblemCode.ChangeTicketRejected,
  ProblemCode.RateLimited,
  ProblemCode.GraphError,
  ProblemCode.AuditUnavailable,
  ProblemCode.GraphUnavailable,
  ProblemCode.TicketProviderUnavailable,
  ProblemCode.GraphTimeout,
  ProblemCode.InternalError,
];

export const IDEMPOTENCY_KEY_HEADER = {
  name: 'Idempotency-Key',
  required: false,
  description:
    '1..255 visible ASCII characters, chosen by the caller per request. A repeat with the same key and the same request gets the ' +
    'first answer again (Idempotent-Replayed: true) without calling Graph; the same key with another request is 409 IDEMPOTENCY_CONFLICT; ' +
    'a repeat while the first runs is 409 REQUEST_IN_PROGRESS. Keys are per caller and kept IDEMPOTENCY_TTL_HOURS.',
};

/** A refusal may be the replay of an earlier answer. */
const REPLAYABLE_PROBLEM_SHAPE: RefusalShape = { ...PROBLEM_SHAPE, headers: IDEMPOTENT_REPLAYED_HEADER };

const SUCCEEDED = 'Graph answered 204: the resource account was unassigned (or a reconciling read found it gone).';

/** What both unassign routes take and answer when they succeed: the body, the Idempotency-Key, the result. */
const ApiUnassignExchange = () =>
  applyDecorators(
    ApiUnassignBody(),
    ApiHeader(IDEMPOTENCY_KEY_HEADER),
    ApiOkResponse({
      type: UnassignResultDto,
      description: SUCCEEDED,
      headers: IDEMPOTENT_REPLAYED_HEADER,
      example: UNASSIGN_RESULT_EXAMPLE,
    }),
  );

@ApiTags('unassign')
@ApiBearerAuth()
@Controller('v1/autopilot-devices')
export class UnassignController {
  constructor(private readonly unassign: UnassignResourceAccountUseCase) {}

  @Post(':deviceId/unassign-resource-account')
  @HttpCode(200)
  @AuthenticatedByUseCase()
  @ApiOperation({
    operationId: 'unassignResourceAccount',
    summary: 'Unassign the resource account from a Windows Autopilot device',
    description:
      'Authenticates the caller, checks the policy (for any device, then for this device after reading it from Graph), ' +
      'checks the change ticket, records the attempt and only then forwards unassignResourceAccountFromDevice to Graph. ' +
      'Every call, refused ones included, leaves exactly one attempt; its id is in the answer.',
  })
  @ApiUnassignExchange()
  @ApiRefusals(REPLAYABLE_PROBLEM_SHAPE, UNASSIGN_REFUSALS)
  execute(
    @Param('deviceId') deviceId: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UnassignSucceeded> {
    return this.run({ entryPoint: 'v1', deviceIds: [deviceId] }, body, request, reply);
  }

  @Post('by-serial/:serialNumber/unassign-resource-account')
  @HttpCode(200)
  @AuthenticatedByUseCase()
  @ApiOperation({
    operationId: 'unassignResourceAccountBySerial',
    summary: 'Unassign the resource account from the Windows Autopilot device with this serial number',
    description:
      'The serial is looked up in Graph (contains, then exact matches only, ignoring case and surrounding blanks): exactly one ' +
      'device goes on exactly as by id (the attempt records the serial and the device it resolved to); none is 404 ' +
      'DEVICE_NOT_FOUND; several is 409 AMBIGUOUS_DEVICE with the candidate ids, and nothing is forwarded.',
  })
  @ApiUnassignExchange()
  @ApiRefusals(REPLAYABLE_PROBLEM_SHAPE, [...UNASSIGN_REFUSALS, ProblemCode.AmbiguousDevice])
  executeBySerial(
    @Param('serialNumber') serialNumber: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UnassignSucceeded> {
    return this.run({ entryPoint: 'v1-by-serial', serialNumber }, body, request, reply);
  }

  private async run(
    target: Pick<UnassignResourceAccountCommand, 'entryPoint' | 'deviceIds' | 'serialNumber'>,
    body: unknown,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<UnassignSucceeded> {
    const answer = await this.unassign.execute({
      ...requestPart(request),
      ...target,
      body: { raw: body, contentType: request.headers['content-type'] },
    });
    if (answer.replayed) void reply.header(IDEMPOTENT_REPLAYED, 'true');
    return answer.succeeded;
  }
}
