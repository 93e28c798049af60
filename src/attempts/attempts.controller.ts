import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { subject } from '@casl/ability';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator';
import { ProblemCode } from '../http/problem-code';
import { ProblemError } from '../http/problem.error';
import { AbilityFactory } from '../policy/ability.factory';
import { ATTEMPT_EXAMPLE, AttemptDto } from './attempt.dto';
import { attemptAsSeenBy, type AttemptView } from './attempt-visibility';
import { WorkNoteRepository } from '../tickets/work-notes/work-note.repository';
import { AttemptRepository } from './attempt.repository';

@ApiTags('attempts')
@ApiBearerAuth()
@Controller('v1/attempts')
export class AttemptsController {
  constructor(
    private readonly attempts: AttemptRepository,
    private readonly workNotes: WorkNoteRepository,
    private readonly abilities: AbilityFactory,
  ) {}

  @Get(':attemptId')
  @ApiOperation({
    operationId: 'getAttempt',
    summary: 'An attempt as recorded. Callers read their own (per policy); audit readers read all.',
    description:
      "Fields a `read Attempt` rule does not list are left out. Graph's own error text, and the device of an attempt the " +
      'reader may not unassign, are shown only to readers who may `diagnose` the attempt. `workNote` is the state of the ' +
      "note on the attempt's ServiceNow change (pending, sending, sent, failed), null when there is none.",
  })
  @ApiOkResponse({
    type: AttemptDto,
    description: 'The attempt, with the fields the reader may see.',
    example: ATTEMPT_EXAMPLE,
  })
  @ApiProblemResponses(
    ProblemCode.InvalidRequest,
    ProblemCode.Unauthenticated,
    ProblemCode.PolicyDenied,
    ProblemCode.AttemptNotFound,
  )
  async find(
    @Param(
      'attemptId',
      new ParseUUIDPipe({
        exceptionFactory: () => new ProblemError(ProblemCode.InvalidRequest, 'The attempt id must be a UUID.'),
      }),
    )
    attemptId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Partial<AttemptView>> {
    const ability = this.abilities.forPrincipal(principal);
    if (ability.cannot('read', 'Attempt'))
      throw new ProblemError(ProblemCode.PolicyDenied, 'Your roles do not allow reading attempts.');
    const attempt = await this.attempts.findById(attemptId);
    // An attempt the caller may not read is reported as missing, so its existence does not leak.
    if (!attempt || ability.cannot('read', subject('Attempt', { ...attempt }))) {
      throw new ProblemError(ProblemCode.AttemptNotFound, `No attempt ${attemptId} is visible to you.`);
    }
    return attemptAsSeenBy(ability, attempt, await this.workNotes.stateOf(attemptId));
  }
}
