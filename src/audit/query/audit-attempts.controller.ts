import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { CurrentPrincipal } from '../../auth/current-principal.decorator';
import type { Principal } from '../../auth/principal';
import { ApiProblemResponses } from '../../http/api-problem-responses.decorator';
import { ProblemCode } from '../../http/problem-code';
import { AbilityFactory } from '../../policy/ability.factory';
import { AuditCheckpointsRepository } from '../chain/audit-checkpoints.repository';
import { EXPORT_CONTENT_TYPES, EXPORT_FORMATS, csvExport, ndjsonExport } from '../export/attempt-export';
import { exportFileName } from '../export/export-file-name';
import { attemptReadScope } from '../scope/attempt-read-scope';
import { ApiAuditFilters } from './api-audit-filters.decorator';
import { AuditAttemptsRepository, type RenderedAttempt } from './audit-attempts.repository';
import { assertMayFilterOnDevices, readsEveryAttemptInFull } from '../scope/attempt-visibility-scope';
import { csvCellsOf, visibleAttempt } from './visible-attempts';
import {
  auditFilterShape,
  auditFiltersToWhere,
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  parseAuditQuery,
} from './audit-filters';
import { decodeCursor, encodeCursor } from './attempt-cursor';
import { AUDIT_PAGE_EXAMPLE, AuditAttemptPageDto, EXPORT_EXAMPLES } from './audit-page.dto';

// Small batches keep what survives a young-generation collection small: at 1000 the heap grew twice as large (bench/README.md).
const EXPORT_BATCH_SIZE = 250;

const listQuery = z
  .object({
    ...auditFilterShape,
    limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
    cursor: z.string().min(1).max(400).optional(),
  })
  .strict();

const exportQuery = z.object({ ...auditFilterShape, format: z.enum(EXPORT_FORMATS) }).strict();

const READ_REFUSALS = [ProblemCode.InvalidRequest, ProblemCode.Unauthenticated, ProblemCode.PolicyDenied];

/** Export batches as a reader who does not read every attempt in full may see them. */
async function* visibleBatches<T>(
  batches: AsyncIterable<RenderedAttempt<string>[]>,
  visible: (json: string) => T,
): AsyncGenerator<RenderedAttempt<T>[]> {
  for await (const batch of batches) yield batch.map((attempt) => ({ ...attempt, value: visible(attempt.value) }));
}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit/attempts')
export class AuditAttemptsController {
  constructor(
    private readonly attempts: AuditAttemptsRepository,
    private readonly checkpoints: AuditCheckpointsRepository,
    private readonly abilities: AbilityFactory,
  ) {}

  @Get()
  @ApiOperation({
    operationId: 'listAuditAttempts',
    summary: 'Attempts matching the filters, newest first, a page at a time',
    description:
      'Only the attempts your policy lets you read (an operator: their own; Audit.Reader: all); the filters narrow that further. ' +
      'Follow `next` until it is null. Pages stay stable while attempts are recorded: new ones are newer than any cursor.',
  })
  @ApiAuditFilters()
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
  })
  @ApiQuery({
    name: 'cursor',
    required: false,
    schema: { type: 'string' },
    description: '`next` of the previous page.',
  })
  @ApiOkResponse({
    type: AuditAttemptPageDto,
    description: 'A page of attempts and the cursor of the next.',
    example: AUDIT_PAGE_EXAMPLE,
  })
  @ApiProblemResponses(...READ_REFUSALS)
  async list(
    @Query() query: unknown,
    @CurrentPrincipal() principal: Principal,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { limit, cursor, ...filters } = parseAuditQuery(listQuery, query);
    const ability = this.abilities.forPrincipal(principal);
    assertMayFilterOnDevices(ability, filters);
    const scope = attemptReadScope(ability);
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    // One more than asked tells whether another page exists without a count.
    const rows = await this.attempts.page({ AND: [scope, auditFiltersToWhere(filters)] }, limit + 1, after);
    const items = rows.slice(0, limit);
    const next = rows.length > limit ? encodeCursor(items[items.length - 1]) : null;
    // Each item is already the JSON Postgres rendered (attempt-selects.ts): for an auditor the page is assembled, not
    // re-serialised; anyone else sees each attempt as GET /v1/attempts/{id} shows it to them.
    const full = readsEveryAttemptInFull(ability);
    const texts = items.map((item) => (full ? item.value : JSON.stringify(visibleAttempt(ability, item.value))));
    await reply
      .type('application/json; charset=utf-8')
      .send(`{"items":[${texts.join(',')}],"next":${JSON.stringify(next)}}`);
  }

  @Get('export')
  @ApiOperation({
    operationId: 'exportAuditAttempts',
    summary: 'Every attempt matching the filters, streamed as CSV or NDJSON',
    description:
      'Scoped and filtered like the list, streamed in constant memory. CSV: RFC 4180 with a header row; cells that a ' +
      "spreadsheet would run as a formula start with '. NDJSON: one attempt per line as the API shows it, chain members " +
      'included, then `{"checkpoint": ...}` lines with the signed checkpoints; verify it offline with `npm run audit:verify`.',
  })
  @ApiAuditFilters()
  @ApiQuery({ name: 'format', required: true, enum: EXPORT_FORMATS })
  @ApiOkResponse({
    description: 'The export, as an attachment named after what and when.',
    headers: {
      'Content-Disposition': {
        required: true,
        schema: {
          type: 'string',
          example: 'attachment; filename="autopilot-gate-attempts_20261101T000000Z-now_exported-20261203T144000Z.csv"',
        },
      },
    },
    content: Object.fromEntries(
      EXPORT_FORMATS.map((format) => [
        EXPORT_CONTENT_TYPES[format],
        { schema: { type: 'string' }, example: EXPORT_EXAMPLES[format] },
      ]),
    ),
  })
  @ApiProblemResponses(...READ_REFUSALS)
  async export(
    @Query() query: unknown,
    @CurrentPrincipal() principal: Principal,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { format, ...filters } = parseAuditQuery(exportQuery, query);
    const ability = this.abilities.forPrincipal(principal);
    assertMayFilterOnDevices(ability, filters);
    const where = { AND: [attemptReadScope(ability), auditFiltersToWhere(filters)] };
    const full = readsEveryAttemptInFull(ability);
    const columns = await this.attempts.columns();
    const body =
      format === 'csv'
        ? csvExport(
            columns,
            full
              ? this.attempts.csvBatches(where, EXPORT_BATCH_SIZE)
              : visibleBatches(this.attempts.jsonBatches(where, EXPORT_BATCH_SIZE), (json) =>
                  csvCellsOf(columns, visibleAttempt(ability, json)),
                ),
          )
        : ndjsonExport(
            full
              ? this.attempts.chainedBatches(where, EXPORT_BATCH_SIZE)
              : visibleBatches(this.attempts.chainedBatches(where, EXPORT_BATCH_SIZE), (json) =>
                  JSON.stringify(visibleAttempt(ability, json)),
                ),
            (from, to) => this.checkpoints.covering(from, to),
          );
    await reply
      .type(EXPORT_CONTENT_TYPES[format])
      .header('content-disposition', `attachment; filename="${exportFileName(filters, format, new Date())}"`)
      .header('cache-control', 'no-store')
      .send(body);
  }
}
