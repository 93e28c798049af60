import { Body, Controller, Get, Headers, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../../auth/current-principal.decorator';
import type { Principal } from '../../auth/principal';
import { ApiProblemResponses } from '../../http/api-problem-responses.decorator';
import { parseWithSchema, readJsonBody } from '../../http/json-body';
import { ProblemCode } from '../../http/problem-code';
import { ProblemError } from '../../http/problem.error';
import { AbilityFactory } from '../../policy/ability.factory';
import type { PolicyAction } from '../../policy/policy-vocabulary';
import type { ChangeTicket } from '../change-ticket';
import { LocalChangeTicketDto, LocalChangeTicketInputDto, localTicketInputSchema } from './local-ticket.dto';
import { LocalTicketRepository } from './local-ticket.repository';

@ApiTags('change tickets (local provider)')
@ApiBearerAuth()
@Controller('v1/change-tickets')
export class LocalTicketsController {
  constructor(
    private readonly tickets: LocalTicketRepository,
    private readonly abilities: AbilityFactory,
  ) {}

  @Put(':number')
  @ApiOperation({ summary: 'Create or replace a change ticket kept by the gate (TICKET_PROVIDER=local). Needs write on LocalChangeTicket.' })
  @ApiBody({ type: LocalChangeTicketInputDto })
  @ApiOkResponse({ type: LocalChangeTicketDto })
  @ApiProblemResponses(ProblemCode.InvalidRequest, ProblemCode.Unauthenticated, ProblemCode.PolicyDenied, ProblemCode.UnsupportedMediaType)
  async save(
    @Param('number') number: string,
    @Body() body: unknown,
    @Headers('content-type') contentType: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ChangeTicket> {
    this.authorize(principal, 'write');
    const input = parseWithSchema(localTicketInputSchema, readJsonBody(body, contentType));
    return this.tickets.save(number, input);
  }

  @Get(':number')
  @ApiOperation({ summary: 'Read a change ticket kept by the gate. Needs read on LocalChangeTicket.' })
  @ApiOkResponse({ type: LocalChangeTicketDto })
  @ApiProblemResponses(ProblemCode.Unauthenticated, ProblemCode.PolicyDenied, ProblemCode.ChangeTicketNotFound)
  async find(@Param('number') number: string, @CurrentPrincipal() principal: Principal): Promise<ChangeTicket> {
    this.authorize(principal, 'read');
    const ticket = await this.tickets.find(number);
    if (!ticket) throw new ProblemError(ProblemCode.ChangeTicketNotFound, `No local change ticket ${number}.`);
    return ticket;
  }

  private authorize(principal: Principal, action: PolicyAction): void {
    if (this.abilities.forPrincipal(principal).cannot(action, 'LocalChangeTicket')) {
      throw new ProblemError(ProblemCode.PolicyDenied, `Your roles do not allow ${action} on local change tickets.`);
    }
  }
}
