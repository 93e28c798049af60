import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentPrincipal } from '../../auth/current-principal.decorator';
import type { Principal } from '../../auth/principal';
import { ApiProblemResponses } from '../../http/api-problem-responses.decorator';
import { ProblemCode } from '../../http/problem-code';
import { AbilityFactory } from '../../policy/ability.factory';
import { AUDIT_SIGNING_KEY } from '../chain/audit-chain.tokens';
import type { AuditSigningKey } from '../chain/audit-signing-key';
import { auditFilterShape, parseAuditQuery } from '../query/audit-filters';
import { assertMayReadAttempts, attemptReadScope } from '../scope/attempt-read-scope';
import type { IntegrityReport } from './integrity-report';
import { AuditPublicKeyDto, IntegrityReportDto } from './integrity-report.dto';
import { IntegrityService } from './integrity.service';

const integrityQuery = z.object({ from: auditFilterShape.from, to: auditFilterShape.to }).strict();
const instant = { type: 'string', example: '2026-11-01T00:00:00Z' };

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit')
export class AuditIntegrityController {
  constructor(
    private readonly integrity: IntegrityService,
    private readonly abilities: AbilityFactory,
    @Inject(AUDIT_SIGNING_KEY) private readonly key: AuditSigningKey,
  ) {}

  @Get('integrity')
  @ApiOperation({
    summary: 'Walk the hash chain and say whether it is intact',
    description:
      'Recomputes every record hash received in [from, to) (the whole chain without them), checks each link and every signed ' +
      'checkpoint up to the one that signs the last record, and reports ok or the first broken link and its kind.',
  })
  @ApiQuery({ name: 'from', required: false, schema: instant, description: 'Records received at or after (ISO 8601).' })
  @ApiQuery({ name: 'to', required: false, schema: instant, description: 'Records received before (ISO 8601).' })
  @ApiOkResponse({ type: IntegrityReportDto, description: 'Also 200 when the chain is broken: `status` says which.' })
  @ApiProblemResponses(ProblemCode.InvalidRequest, ProblemCode.Unauthenticated, ProblemCode.PolicyDenied)
  async check(@Query() query: unknown, @CurrentPrincipal() principal: Principal): Promise<IntegrityReport> {
    const window = parseAuditQuery(integrityQuery, query);
    return this.integrity.walk(attemptReadScope(this.abilities.forPrincipal(principal)), window);
  }

  @Get('public-key')
  @ApiOperation({ summary: 'The Ed25519 public key the audit checkpoints verify with', description: 'For offline verification of an NDJSON export.' })
  @ApiOkResponse({ type: AuditPublicKeyDto })
  @ApiProblemResponses(ProblemCode.Unauthenticated, ProblemCode.PolicyDenied)
  publicKey(@CurrentPrincipal() principal: Principal): AuditPublicKeyDto {
    assertMayReadAttempts(this.abilities.forPrincipal(principal));
    return { algorithm: 'Ed25519', keyId: this.key.keyId, publicKeyPem: this.key.publicKeyPem };
  }
}
