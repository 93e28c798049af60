import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { subject } from '@casl/ability';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator';
import { ProblemCode } from '../http/problem-code';
import { ProblemError } from '../http/problem.error';
import { AbilityFactory } from '../policy/ability.factory';
import type { AttemptRecord } from './attempt';
import { AttemptDto } from './attempt.dto';
import { AttemptRepository } from './attempt.repository';

@ApiTags('attempts')
@ApiBearerAuth()
@Controller('v1/attempts')
export class AttemptsController {
  constructor(
    private readonly attempts: AttemptRepository,
    private readonly abilities: AbilityFactory,
  ) {}

  @Get(':attemptId')
  @ApiOperation({ summary: 'An attempt as recorded. Callers read their own (per policy); audit readers read all.' })
  @ApiOkResponse({ type: AttemptDto })
  @ApiProblemResponses(ProblemCode.InvalidRequest, ProblemCode.Unauthenticated, ProblemCode.PolicyDenied, ProblemCode.AttemptNotFound)
  async find(
    @Param('attemptId', new ParseUUIDPipe({ exceptionFactory: () => new ProblemError(ProblemCode.InvalidRequest, 'The attempt id must be a UUID.') }))
    attemptId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<AttemptRecord> {
    const ability = this.abilities.forPrincipal(principal);
    if (ability.cannot('read', 'Attempt')) throw new ProblemError(ProblemCode.PolicyDenied, 'Your roles do not allow reading attempts.');
    const attempt = await this.attempts.findById(attemptId);
    // An attempt the caller may not read is reported as missing, so its existence does not leak.
    if (!attempt || ability.cannot('read', subject('Attempt', { ...attempt }))) {
      throw new ProblemError(ProblemCode.AttemptNotFound, `No attempt ${attemptId} is visible to you.`);
    }
    return attempt;
  }
}
