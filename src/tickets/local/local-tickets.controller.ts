import { Body, Controller, Get, Headers, Inject, Param, Put, Req } from '@nestjs/common';
import { subject } from '@casl/ability';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../../auth/current-principal.decorator';
import type { Principal } from '../../auth/principal';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/app-config.token';
import { ApiProblemResponses } from '../../http/api-problem-responses.decorator';
import { parseWithSchema, readJsonBody } from '../../http/json-body';
import { ProblemCode } from '../../http/problem-code';
import { ProblemError } from '../../http/problem.error';
import { AbilityFactory } from '../../policy/ability.factory';
import { readableFields } from '../../policy/permitted-fields';
import type { ChangeTicket } from '../change-ticket';
import { LOCAL_TICKET_FIELDS } from './local-ticket-fields';
import {
  LOCAL_TICKET_EXAMPLE,
  LOCAL_TICKET_INPUT_EXAMPLE,
  LOCAL_TICKET_SAVED_EXAMPLE,
  LocalChangeTicketDto,
  LocalChangeTicketInputDto,
  localTicketInputSchema,
} from './local-ticket.dto';
import { LocalTicketRepository } from './local-ticket.repository';

@ApiTags('change tickets (local provider)')
@ApiBearerAuth()
@Controller('v1/change-tickets')
export class LocalTicketsController {
  constructor(
    private readonly tickets: LocalTicketRepository,
    private readonly abilities: AbilityFactory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Put(':number')
  @ApiOperation({
    operationId: 'putChangeTicket',
    summary:
      'Create or replace a change ticket kept by the gate (TICKET_PROVIDER=local). Needs write on LocalChangeTicket.',
    description:
      'The rule is checked against the ticket as it was and as it will be. Every write is recorded: who, when, before and after.',
  })
  @ApiBody({
    type: LocalChangeTicketInputDto,
    required: true,
    examples: { approved: { summary: 'An approved change for one room', value: LOCAL_TICKET_INPUT_EXAMPLE } },
  })
  @ApiOkResponse({
    type: LocalChangeTicketDto,
    description: 'The ticket as stored.',
    example: LOCAL_TICKET_SAVED_EXAMPLE,
  })
  @ApiProblemResponses(
    ProblemCode.InvalidRequest,
    ProblemCode.Unauthenticated,
    ProblemCode.PolicyDenied,
    ProblemCode.PayloadTooLarge,
    ProblemCode.UnsupportedMediaType,
  )
  async save(
    @Param('number') number: string,
    @Body() body: unknown,
    @Headers('content-type') contentType: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<ChangeTicket> {
    const ability = this.abilities.forPrincipal(principal);
    if (ability.cannot('write', 'LocalChangeTicket')) throw denied('write');
    this.validateNumber(number);
    const input = parseWithSchema(localTicketInputSchema, readJsonBody(body, contentType));
    const before = await this.tickets.find(number);
    const changes = [before, { number, ...input }].filter((ticket) => ticket !== null);
    if (changes.some((ticket) => ability.cannot('write', subject('LocalChangeTicket', { ...ticket }))))
      throw denied('write', number);
    return this.tickets.save(number, input, { principal, correlationId: request.id });
  }

  @Get(':number')
  @ApiOperation({
    operationId: 'getChangeTicket',
    summary:
      'Read a change ticket kept by the gate. Needs read on LocalChangeTicket; `fields` of the rule limit the answer.',
    description:
      'With its work notes: one per forwarded attempt checked against the ticket. A ticket the caller may not read is a 404.',
  })
  @ApiOkResponse({
    type: LocalChangeTicketDto,
    description: 'The ticket and its work notes.',
    example: LOCAL_TICKET_EXAMPLE,
  })
  @ApiProblemResponses(
    ProblemCode.InvalidRequest,
    ProblemCode.Unauthenticated,
    ProblemCode.PolicyDenied,
    ProblemCode.ChangeTicketNotFound,
  )
  async find(
    @Param('number') number: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Partial<ChangeTicket & { workNotes: unknown[] }>> {
    const ability = this.abilities.forPrincipal(principal);
    if (ability.cannot('read', 'LocalChangeTicket')) throw denied('read');
    this.validateNumber(number);
    const ticket = await this.tickets.find(number);
    // A ticket the caller may not read is reported as missing, so its existence does not leak.
    if (!ticket || ability.cannot('read', subject('LocalChangeTicket', { ...ticket }))) {
      throw new ProblemError(ProblemCode.ChangeTicketNotFound, `No local change ticket ${number} is visible to you.`);
    }
    const shown = { ...ticket, workNotes: await this.tickets.notesOf(number) };
    return readableFields(ability, 'LocalChangeTicket', shown, [
      ...LOCAL_TICKET_FIELDS,
      'source',
      'writtenBy',
      'workNotes',
    ]);
  }

  private validateNumber(number: string): void {
    const pattern = this.config.tickets.pattern;
    if (!pattern.test(number)) {
      throw new ProblemError(ProblemCode.InvalidRequest, `The ticket number must match ${pattern.source}.`, {
        errors: [{ path: 'number', message: `must match ${pattern.source}` }],
      });
    }
  }
}

function denied(action: 'read' | 'write', number?: string): ProblemError {
  const which = number === undefined ? 'local change tickets' : `local change ticket ${number}`;
  return new ProblemError(ProblemCode.PolicyDenied, `Your roles do not allow ${action} on ${which}.`);
}
