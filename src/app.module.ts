import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AttemptRepository } from './attempts/attempt.repository';
import { AttemptSweeper } from './attempts/sweeper/attempt-sweeper';
import { AttemptsController } from './attempts/attempts.controller';
import { auditControllers, auditProviders } from './audit/audit.providers';
import { authProviders } from './auth/auth.providers';
import { MeController } from './auth/me.controller';
import { DeviceLookup } from './devices/device-lookup.service';
import { DevicesController } from './devices/devices.controller';
import type { AppConfig } from './config/app-config';
import { APP_CONFIG } from './config/app-config.token';
import type { DatabaseConnection } from './database/database-connection';
import { databaseProviders } from './database/database.providers';
import { graphProviders } from './graph/graph.providers';
import { HealthController } from './health/health.controller';
import { ProblemFilter } from './http/problem.filter';
import { AbilityFactory } from './policy/ability.factory';
import { Policy } from './policy/policy-file';
import { LocalTicketsController } from './tickets/local/local-tickets.controller';
import { ticketProviders } from './tickets/tickets.providers';
import { GraphFacadeController } from './unassign/graph-facade.controller';
import { UnassignController } from './unassign/unassign.controller';
import { UnassignRequestParser } from './unassign/unassign-request';
import { UnassignResourceAccountUseCase } from './unassign/unassign-resource-account.use-case';
import { PreviewController } from './unassign/preview/preview.controller';
import { PreviewUnassignUseCase } from './unassign/preview/preview-unassign.use-case';
import { AttemptClosing } from './unassign/steps/attempt-closing.step';
import { AttemptOpening } from './unassign/steps/attempt-opening.step';
import { DeviceResolution } from './unassign/steps/device-resolution.step';
import { TicketCheck } from './unassign/steps/ticket-check.step';
import { RequestAdmission } from './unassign/steps/request-admission.step';
import { rateLimitProviders } from './rate-limits/rate-limits.providers';
import { metricsProviders } from './metrics/metrics.providers';
import type { GateTracer } from './tracing/gate-tracer';
import { tracingProviders } from './tracing/tracing.providers';

export interface AppModuleOptions {
  config: AppConfig;
  policy: Policy;
  database: DatabaseConnection;
  tracer: GateTracer;
}

@Module({})
export class AppModule {
  static forRoot({ config, policy, database, tracer }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      controllers: [
        UnassignController,
        DevicesController,
        PreviewController,
        GraphFacadeController,
        AttemptsController,
        MeController,
        HealthController,
        ...(config.tickets.provider === 'local' ? [LocalTicketsController] : []),
        ...auditControllers,
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: Policy, useValue: policy },
        { provide: APP_FILTER, useClass: ProblemFilter },
        ...databaseProviders(database),
        ...tracingProviders(tracer),
        ...metricsProviders(),
        ...authProviders(config.auth),
        ...ticketProviders(config.tickets),
        ...graphProviders(config),
        AbilityFactory,
        AttemptRepository,
        AttemptSweeper,
        DeviceLookup,
        ...rateLimitProviders(config),
        UnassignRequestParser,
        RequestAdmission,
        AttemptOpening,
        DeviceResolution,
        TicketCheck,
        AttemptClosing,
        UnassignResourceAccountUseCase,
        PreviewUnassignUseCase,
        ...auditProviders(config.audit),
      ],
    };
  }
}
