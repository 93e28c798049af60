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
    operationId: 'checkAuditIntegrity',
    summary: 'Walk the hash chain and say whether it is intact',
    description:
      'Recomputes every record hash received in [from, to) (the whole chain without them), checks each link and every signed ' +
      'checkpoint up to the one that signs the last record, and reports ok or the first broken link and its kind.',
  })
  @ApiQuery({ name: 'from', required: false, schema: instant, description: 'Records received at or after (ISO 8601).' })
  @ApiQuery({ name: 'to', required: false, schema: instant, description: 'Records received before (ISO 8601).' })
  @ApiOkResponse({
    type: IntegrityReportDto,
    description: 'Also 200 when the chain is broken: `status` says which.',
    examples: {
      ok: {
        summary: 'Intact',
        value: {
          status: 'ok',
          fromSeq: 1,
          toSeq: 1200,
          records: 1200,
          recordsInScope: 1200,
          checkpoints: 12,
          firstBreak: null,
          unsigned: { fromSeq: 1201, records: 37 },
          retention: null,
          keyId: '9f86d081884c7d65',
        },
      },
      broken: {
        summary: 'A record was modified',
        value: {
          status: 'broken',
          fromSeq: 1,
          toSeq: 1200,
          records: 411,
          recordsInScope: 411,
          checkpoints: 4,
          firstBreak: {
            kind: 'modified',
            seq: 412,
            attemptId: '3f2b8c1e-6d4a-4e7b-9a10-2c5d7e9f0a11',
            detail: 'The record at seq 412 does not hash to its chain link.',
          },
          unsigned: null,
          retention: null,
          keyId: '9f86d081884c7d65',
        },
      },
    },
  })
  @ApiProblemResponses(ProblemCode.InvalidRequest, ProblemCode.Unauthenticated, ProblemCode.PolicyDenied)
  async check(@Query() query: unknown, @CurrentPrincipal() principal: Principal): Promise<IntegrityReport> {
    const window = parseAuditQuery(integrityQuery, query);
    return this.integrity.walk(attemptReadScope(this.abilities.forPrincipal(principal)), window);
  }

  @Get('public-key')
  @ApiOperation({
    operationId: 'getAuditPublicKey',
    summary: 'The Ed25519 public key the audit checkpoints verify with',
    description: 'For offline verification of an NDJSON export.',
  })
  @ApiOkResponse({
    type: AuditPublicKeyDto,
    description: 'The key and its id.',
    example: {
      algorithm: 'Ed25519',
      keyId: '9f86d081884c7d65',
      publicKeyPem:
        '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n',
    },
  })
  @ApiProblemResponses(ProblemCode.Unauthenticated, ProblemCode.PolicyDenied)
  publicKey(@CurrentPrincipal() principal: Principal): AuditPublicKeyDto {
    assertMayReadAttempts(this.abilities.forPrincipal(principal));
    return { algorithm: 'Ed25519', keyId: this.key.keyId, publicKeyPem: this.key.publicKeyPem };
  }
}
