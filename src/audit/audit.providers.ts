import type { Provider, Type } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { Policy } from '../policy/policy-file';
import { AUDIT_SIGNING_KEY } from './chain/audit-chain.tokens';
import { AuditCheckpointsRepository } from './chain/audit-checkpoints.repository';
import { loadAuditSigningKey } from './chain/audit-signing-key';
import { ChainSealer } from './chain/chain-sealer';
import { AuditIntegrityController } from './integrity/audit-integrity.controller';
import { IntegrityService } from './integrity/integrity.service';
import { AuditAttemptsController } from './query/audit-attempts.controller';
import { AuditAttemptsRepository } from './query/audit-attempts.repository';
import { AuditRetention } from './retention/audit-retention';
import { checkAttemptReadRulesTranslate } from './scope/read-rules-check';
import { AuditSummaryController } from './summary/audit-summary.controller';
import { AuditSummaryRepository } from './summary/audit-summary.repository';

const READ_RULES_CHECKED = Symbol('READ_RULES_CHECKED');

export const auditControllers: Type[] = [AuditAttemptsController, AuditSummaryController, AuditIntegrityController];

export function auditProviders(audit: AppConfig['audit']): Provider[] {
  return [
    { provide: AUDIT_SIGNING_KEY, useFactory: () => loadAuditSigningKey(audit) },
    {
      provide: READ_RULES_CHECKED,
      useFactory: (policy: Policy) => checkAttemptReadRulesTranslate(policy),
      inject: [Policy],
    },
    AuditAttemptsRepository,
    AuditCheckpointsRepository,
    AuditSummaryRepository,
    IntegrityService,
    ChainSealer,
    AuditRetention,
  ];
}
