import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentPrincipal } from '../../auth/current-principal.decorator';
import type { Principal } from '../../auth/principal';
import { ApiProblemResponses } from '../../http/api-problem-responses.decorator';
import { ProblemCode } from '../../http/problem-code';
import { AbilityFactory } from '../../policy/ability.factory';
import { ApiAuditFilters } from '../query/api-audit-filters.decorator';
import { auditFilterShape, auditFiltersToWhere, parseAuditQuery } from '../query/audit-filters';
import { attemptReadScope } from '../scope/attempt-read-scope';
import { assertMayFilterOnDevices } from '../scope/attempt-visibility-scope';
import { AuditSummaryRepository, SUMMARY_GROUPS, type SummaryBucket } from './audit-summary.repository';
import { AuditSummaryDto } from './audit-summary.dto';

const summaryQuery = z.object({ ...auditFilterShape, groupBy: z.enum(SUMMARY_GROUPS).default('outcome') }).strict();

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit/summary')
export class AuditSummaryController {
  constructor(
    private readonly summaries: AuditSummaryRepository,
    private readonly abilities: AbilityFactory,
  ) {}

  @Get()
  @ApiOperation({
    operationId: 'summariseAuditAttempts',
    summary: 'Counts of attempts by outcome, actor, UTC day or device groupTag',
    description: 'For dashboards and monthly reports: the attempts you may read that match the filters, counted.',
  })
  @ApiAuditFilters()
  @ApiQuery({ name: 'groupBy', required: false, enum: SUMMARY_GROUPS, schema: { default: 'outcome' } })
  @ApiOkResponse({
    type: AuditSummaryDto,
    description: 'The buckets and their total.',
    example: {
      groupBy: 'outcome',
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-12-01T00:00:00.000Z',
      total: 42,
      buckets: [
        { key: 'succeeded', count: 31 },
        { key: 'ticket_rejected', count: 8 },
        { key: 'policy_denied', count: 3 },
      ],
    },
  })
  @ApiProblemResponses(ProblemCode.InvalidRequest, ProblemCode.Unauthenticated, ProblemCode.PolicyDenied)
  async summarise(
    @Query() query: unknown,
    @CurrentPrincipal() principal: Principal,
  ): Promise<{ groupBy: string; from: Date | null; to: Date | null; total: number; buckets: SummaryBucket[] }> {
    const { groupBy, ...filters } = parseAuditQuery(summaryQuery, query);
    const ability = this.abilities.forPrincipal(principal);
    assertMayFilterOnDevices(ability, { ...filters, groupBy });
    const scope = attemptReadScope(ability);
    const buckets = await this.summaries.summarise({ AND: [scope, auditFiltersToWhere(filters)] }, groupBy);
    const total = buckets.reduce((sum, bucket) => sum + bucket.count, 0);
    return { groupBy, from: filters.from ?? null, to: filters.to ?? null, total, buckets };
  }
}
