import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import type { AppConfig } from './config/app-config';
import { openDatabase, type DatabaseConnection } from './database/database-connection';
import { DEFAULT_MIGRATIONS_DIR } from './database/migrations-dir';
import { configureFastify, correlationIdFor } from './http/fastify-setup';
import { RAW_BODY_LIMIT_BYTES } from './http/json-body';
import { createRootLogger, PinoLoggerService } from './http/pino-logger.service';
import { GateMetrics } from './metrics/gate-metrics';
import { createOpenApiDocument } from './openapi/openapi-document';
import { loadPolicyFile } from './policy/policy-file';
import { createTracer } from './tracing/create-tracer';

export interface GateApp {
  app: NestFastifyApplication;
  database: DatabaseConnection;
  logger: Logger;
}

/** Builds the whole gate (not listening yet): shared by main.ts and the end-to-end tests. */
export async function createGateApp(
  config: AppConfig,
  logger: Logger = createRootLogger(config.logLevel),
): Promise<GateApp> {
  const policy = loadPolicyFile(config.policyFile);
  const database = await openDatabase({
    databaseUrl: config.database.url,
    dataDir: config.database.dataDir,
    poolMax: config.database.poolMax,
    statementTimeoutMs: config.database.statementTimeoutMs,
    lockTimeoutMs: config.database.lockTimeoutMs,
    migrationsDir: DEFAULT_MIGRATIONS_DIR,
    onPoolError: (error) => logger.warn({ error: error.message }, 'idle database connection failed'),
  });
  const tracer = await createTracer(config.tracing);
  try {
    const adapter = new FastifyAdapter({
      bodyLimit: RAW_BODY_LIMIT_BYTES,
      // Fastify refuses a longer path parameter itself (414, not problem+json, not recorded); ours are validated and recorded.
      // Inside routerOptions: as a top-level option Fastify 5 prints a deprecation warning (FSTDEP022) at every start.
      routerOptions: { maxParamLength: 1024 },
      trustProxy: config.trustProxy,
      genReqId: correlationIdFor,
      logger: false,
    });
    const app = await NestFactory.create<NestFastifyApplication>(
      AppModule.forRoot({ config, policy, database, tracer }),
      adapter,
      {
        bodyParser: false,
        logger: new PinoLoggerService(logger),
      },
    );
    configureFastify(app.getHttpAdapter().getInstance(), { logger, metrics: app.get(GateMetrics), tracer });
    if (config.openApiEnabled) setUpOpenApi(app, config);
    for (const allowance of config.allowances)
      logger.warn({ allowance }, 'production refusal relaxed by configuration');
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    return { app, database, logger };
  } catch (error) {
    await database.close();
    await tracer.shutdown();
    throw error;
  }
}

function setUpOpenApi(app: NestFastifyApplication, config: AppConfig): void {
  SwaggerModule.setup('docs', app, createOpenApiDocument(app, config), {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
  });
}
