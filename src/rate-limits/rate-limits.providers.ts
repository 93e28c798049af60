import type { Provider } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import type { DatabaseConnection } from '../database/database-connection';
import { DATABASE_CONNECTION } from '../database/database.providers';
import { InboundRateLimiter } from './inbound-rate-limiter';
import { PostgresInboundRateLimiter } from './postgres-inbound-rate-limiter';

export function rateLimitProviders(config: Pick<AppConfig, 'resilience'>): Provider[] {
  return [
    {
      provide: InboundRateLimiter,
      inject: [DATABASE_CONNECTION],
      useFactory: (database: DatabaseConnection) =>
        new PostgresInboundRateLimiter(database.sql, config.resilience.inboundLimits.windowMs),
    },
  ];
}
