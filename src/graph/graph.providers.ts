import type { Provider } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import type { DatabaseConnection } from '../database/database-connection';
import { DATABASE_CONNECTION } from '../database/database.providers';
import { GateMetrics } from '../metrics/gate-metrics';
import { GateTracer } from '../tracing/gate-tracer';
import { GraphClient } from './graph-client';
import { createGraphCredential } from './graph-credential.factory';
import { HttpGraphClient } from './http-graph.client';
import { GraphBreaker } from './resilience/graph-breaker';
import { PostgresGraphPacer } from './resilience/postgres-graph-pacer';
import { ResilientGraphClient } from './resilience/resilient-graph.client';
import { SimulatedGraphClient } from './simulated/simulated-graph.client';

export function graphProviders(config: Pick<AppConfig, 'graph' | 'resilience'>): Provider[] {
  const { graph, resilience } = config;
  const breaker = new GraphBreaker(resilience.graphBreaker.failures, resilience.graphBreaker.cooldownMs);
  const client: Provider =
    graph.mode === 'live'
      ? {
          provide: GraphClient,
          inject: [DATABASE_CONNECTION, GateMetrics, GateTracer],
          useFactory: (database: DatabaseConnection, metrics: GateMetrics, tracer: GateTracer) => {
            const tenant = graph.credential.tenantId ?? 'default';
            const pacer = new PostgresGraphPacer(
              database.sql,
              tenant,
              resilience.graphPacing.ratePerSecond,
              resilience.graphPacing.burst,
            );
            const options = { baseUrl: graph.baseUrl, scope: graph.scope, timeoutMs: graph.timeoutMs };
            const http = new HttpGraphClient(createGraphCredential(graph.credential), options, pacer);
            return new ResilientGraphClient(http, breaker, resilience.graphRetry, { tracer, observer: metrics });
          },
        }
      : { provide: GraphClient, useValue: new SimulatedGraphClient() };
  return [client, { provide: GraphBreaker, useValue: breaker }];
}
