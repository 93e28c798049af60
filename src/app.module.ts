import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AttemptRepository } from './attempts/attempt.repository';
import { AttemptsController } from './attempts/attempts.controller';
import { auditControllers, auditProviders } from './audit/audit.providers';
import { authProviders } from './auth/auth.providers';
import { MeController } from './auth/me.controller';
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

export interface AppModuleOptions {
  config: AppConfig;
  policy: Policy;
  database: DatabaseConnection;
}

@Module({})
export class AppModule {
  static forRoot({ config, policy, database }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      controllers: [
        UnassignController,
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
        ...authProviders(config.auth),
        ...ticketProviders(config.tickets),
        ...graphProviders(config.graph),
        AbilityFactory,
        AttemptRepository,
        UnassignRequestParser,
        UnassignResourceAccountUseCase,
        ...auditProviders(config.audit),
      ],
    };
  }
}
