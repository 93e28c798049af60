import { Inject, Injectable, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { PrismaClient } from '../generated/prisma/client';
import type { DatabaseConnection } from './database-connection';

export const DATABASE_CONNECTION = Symbol('DATABASE_CONNECTION');

/** Closes the pool (or PGlite) when the app shuts down. */
@Injectable()
export class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(@Inject(DATABASE_CONNECTION) private readonly connection: DatabaseConnection) {}

  async onApplicationShutdown(): Promise<void> {
    await this.connection.close();
  }
}

export function databaseProviders(connection: DatabaseConnection): Provider[] {
  return [
    { provide: DATABASE_CONNECTION, useValue: connection },
    { provide: PrismaClient, useValue: connection.prisma },
    DatabaseLifecycle,
  ];
}
