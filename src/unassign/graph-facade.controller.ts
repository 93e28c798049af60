import { Controller, Headers, HttpCode, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiHeader, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthenticatedByUseCase } from '../auth/public.decorator';
import { ApiRefusals, PROBLEM_SHAPE, type RefusalShape } from '../http/api-problem-responses.decorator';
import { ProblemCode } from '../http/problem-code';
import { IDEMPOTENT_REPLAYED, problemBody } from '../http/problem-response';
import { ProblemError } from '../http/problem.error';
import { IDEMPOTENT_REPLAYED_HEADER } from '../http/response-headers';
import { EXAMPLE_ATTEMPT_ID, EXAMPLE_REQUEST_ID } from '../openapi/problem-examples';
import { requestPart } from './command-from-request';
import { GRAPH_ANSWER_ID_HEADERS, GRAPH_ERROR_SHAPE, GraphErrorDto } from './graph-error.dto';
import { graphAnswerIds, setGraphAnswerIds } from './graph-facade-ids';
import { GraphShapedErrorFilter } from './graph-shaped-error.filter';
import { IDEMPOTENCY_KEY_HEADER, UNASSIGN_REFUSALS } from './unassign.controller';
import { UnassignResourceAccountUseCase } from './unassign-resource-account.use-case';

const DEVICES = 'graph/beta/deviceManagement/windowsAutopilotDeviceIdentities';
const ACTION = 'unassignResourceAccountFromDevice';
const ATTEMPT_ID_HEADER = 'x-attempt-id';

// The facade never reads a body: only Fastify's own limit refuses one, before the handler, in problem+json, unrecorded.
const FACADE_REFUSALS = UNASSIGN_REFUSALS.filter(
  (code) => code !== ProblemCode.PayloadTooLarge && code !== ProblemCode.UnsupportedMediaType,
);
const FRAMEWORK_PAYLOAD_TOO_LARGE: RefusalShape = {
  ...PROBLEM_SHAPE,
  example: () =>
    problemBody(
      new ProblemError(ProblemCode.PayloadTooLarge, 'The request body exceeds the size limit.'),
      EXAMPLE_REQUEST_ID,
    ),
};

const DESCRIPTION =
  "Same checks, same audit as the v1 route; the change ticket and justification come in headers. Errors are in Graph's shape " +
  '`{error: {code, message, innerError}}` with `innerError.gateCode` (the v1 problem code) and `attemptId`. Every answer carries ' +
  "Graph's `request-id` and `client-request-id` headers; the gate's own id is in `x-request-id`.";

// On each handler: @HttpCode(204) there would replace a class-level one.
const ApiUnassigned = () =>
  ApiNoContentResponse({
    description: 'Unassigned.',
    headers: {
      ...GRAPH_ANSWER_ID_HEADERS,
      ...IDEMPOTENT_REPLAYED_HEADER,
      [ATTEMPT_ID_HEADER]: {
        description: 'The attempt recorded for this request.',
        required: true,
        schema: { type: 'string', format: 'uuid', example: EXAMPLE_ATTEMPT_ID },
      },
    },
  });

/** Same gate, same audit, Graph's URL shape: a Graph script points its base URL at the gate and adds two headers. */
@ApiTags('graph facade')
@ApiBearerAuth()
@ApiExtraModels(GraphErrorDto)
@ApiHeader({
  name: 'X-Change-Ticket',
  required: false,
  description: 'Change ticket number (required unless break-glass).',
})
@ApiHeader({
  name: 'X-Justification',
  required: true,
  description: "Why (10..1000 characters that show); UTF-8 as RFC 8187 percent-encoding (UTF-8''...) or raw bytes.",
})
@ApiHeader(IDEMPOTENCY_KEY_HEADER)
@ApiRefusals(GRAPH_ERROR_SHAPE, FACADE_REFUSALS)
@ApiRefusals(FRAMEWORK_PAYLOAD_TOO_LARGE, [ProblemCode.PayloadTooLarge])
@UseFilters(GraphShapedErrorFilter)
@Controller()
export class GraphFacadeController {
  constructor(private readonly unassign: UnassignResourceAccountUseCase) {}

  @Post(`${DEVICES}/:deviceId/${ACTION}`)
  @HttpCode(204)
  @AuthenticatedByUseCase()
  @ApiUnassigned()
  @ApiOperation({
    operationId: 'unassignResourceAccountFromDevice',
    summary: 'Graph-compatible unassignResourceAccountFromDevice',
    description: DESCRIPTION,
  })
  async byDevice(
    @Param('deviceId') deviceId: string,
    @Headers('x-change-ticket') changeTicket: string | undefined,
    @Headers('x-justification') justification: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.execute([deviceId], { changeTicket, justification }, request, reply);
  }

  @Post(`${DEVICES}/:profileDeviceId/deploymentProfile/assignedDevices/:deviceId/${ACTION}`)
  @HttpCode(204)
  @AuthenticatedByUseCase()
  @ApiUnassigned()
  @ApiOperation({
    operationId: 'unassignResourceAccountFromAssignedDevice',
    summary: "Graph-compatible unassignResourceAccountFromDevice, by the Graph documentation's deployment-profile path",
    description: `The last id is the device; both must be GUIDs. ${DESCRIPTION}`,
  })
  async byDeploymentProfile(
    @Param('profileDeviceId') profileDeviceId: string,
    @Param('deviceId') deviceId: string,
    @Headers('x-change-ticket') changeTicket: string | undefined,
    @Headers('x-justification') justification: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.execute([profileDeviceId, deviceId], { changeTicket, justification }, request, reply);
  }

  private async execute(
    deviceIds: string[],
    headers: { changeTicket?: string; justification?: string },
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    const answer = await this.unassign.execute({
      ...requestPart(request),
      entryPoint: 'graph-facade',
      deviceIds,
      headers,
    });
    setGraphAnswerIds(reply, graphAnswerIds(request, answer.succeeded.graph));
    void reply.header(ATTEMPT_ID_HEADER, answer.succeeded.attemptId);
    if (answer.replayed) void reply.header(IDEMPOTENT_REPLAYED, 'true');
  }
}
