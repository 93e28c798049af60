import { Controller, Headers, HttpCode, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthenticatedByUseCase } from '../auth/public.decorator';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator';
import { requestPart } from './command-from-request';
import { graphAnswerIds, setGraphAnswerIds } from './graph-facade-ids';
import { GraphShapedErrorFilter } from './graph-shaped-error.filter';
import { IDEMPOTENCY_KEY_HEADER, UNASSIGN_REFUSALS } from './unassign.controller';
import { IDEMPOTENT_REPLAYED } from '../http/problem-response';
import { UnassignResourceAccountUseCase } from './unassign-resource-account.use-case';

const DEVICES = 'graph/beta/deviceManagement/windowsAutopilotDeviceIdentities';
const ACTION = 'unassignResourceAccountFromDevice';

/** Same gate, same audit, Graph's URL shape: a Graph script points its base URL at the gate and adds two headers. */
@ApiTags('graph facade')
@ApiBearerAuth()
@ApiHeader({ name: 'X-Change-Ticket', required: false, description: 'Change ticket number (required unless break-glass).' })
@ApiHeader({ name: 'X-Justification', required: true, description: "Why (10..1000 characters that show); UTF-8 as RFC 8187 percent-encoding (UTF-8''...) or raw bytes." })
@ApiHeader(IDEMPOTENCY_KEY_HEADER)
@ApiProblemResponses(...UNASSIGN_REFUSALS)
@UseFilters(GraphShapedErrorFilter)
@Controller()
export class GraphFacadeController {
  constructor(private readonly unassign: UnassignResourceAccountUseCase) {}

  @Post([`${DEVICES}/:deviceId/${ACTION}`, `${DEVICES}/:profileDeviceId/deploymentProfile/assignedDevices/:deviceId/${ACTION}`])
  @HttpCode(204)
  @AuthenticatedByUseCase()
  @ApiOperation({
    summary: "Graph-compatible unassignResourceAccountFromDevice, by either path of the Graph documentation (errors in Graph's shape, with attemptId in innerError)",
  })
  @ApiNoContentResponse({ description: 'Unassigned.' })
  async unassignResourceAccountFromDevice(
    @Param('deviceId') deviceId: string,
    @Param('profileDeviceId') profileDeviceId: string | undefined,
    @Headers('x-change-ticket') changeTicket: string | undefined,
    @Headers('x-justification') justification: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    // In the deployment-profile path the last id is the device; both must be GUIDs.
    const deviceIds = profileDeviceId === undefined ? [deviceId] : [profileDeviceId, deviceId];
    await this.execute(deviceIds, { changeTicket, justification }, request, reply);
  }

  private async execute(
    deviceIds: string[],
    headers: { changeTicket?: string; justification?: string },
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    const answer = await this.unassign.execute({ ...requestPart(request), entryPoint: 'graph-facade', deviceIds, headers });
    setGraphAnswerIds(reply, graphAnswerIds(request, answer.succeeded.graph));
    void reply.header('x-attempt-id', answer.succeeded.attemptId);
    if (answer.replayed) void reply.header(IDEMPOTENT_REPLAYED, 'true');
  }
}
