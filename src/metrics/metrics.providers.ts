import type { Provider } from '@nestjs/common';
import type { DatabaseConnection } from '../database/database-connection';
import { DATABASE_CONNECTION } from '../database/database.providers';
import { GraphBreaker } from '../graph/resilience/graph-breaker';
import { GateMetrics } from './gate-metrics';
import { MetricsEndpoint } from './metrics-endpoint';

export function metricsProviders(): Provider[] {
  return [
    {
      provide: GateMetrics,
      inject: [GraphBreaker, DATABASE_CONNECTION],
      useFactory: (breaker: GraphBreaker, database: DatabaseConnection) =>
        new GateMetrics({ circuit: () => breaker.status().state, databasePool: () => database.poolUsage() }),
    },
    MetricsEndpoint,
  ];
}
