import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { InvalidConfigurationError, loadAppConfig } from './config/app-config';
import { describeConfiguration, renderConfigurationReport } from './config/configuration-report';
import { DatabaseUnreachableError } from './database/database-unreachable.error';
import { InvalidPolicyError } from './policy/policy-file';

async function main(): Promise<void> {
  if (process.argv.includes('--print-config')) return printConfiguration();
  const config = loadAppConfig(process.env);
  // Loaded once the configuration is known to be valid: a wrong variable is reported without first loading Nest,
  // Prisma and PGlite (most of a start's second).
  const [{ createGateApp }, { MetricsEndpoint }, { seedDevelopmentTenant }] = await Promise.all([
    import('./bootstrap.js'),
    import('./metrics/metrics-endpoint.js'),
    import('./development-seed.js'),
  ]);
  const { app, logger } = await createGateApp(config);
  drainOnSignals(app, logger, config.resilience.shutdownDrainMs);
  await app.listen({ host: config.host, port: config.port });
  const metricsPort = await app.get(MetricsEndpoint).listen(config.host, config.metrics.port);
  logger.info(
    {
      host: config.host,
      port: config.port,
      metricsPort,
      tracing: config.tracing.otlpEndpoint ? 'otlp' : 'off',
      graph: config.graph.mode,
      tickets: config.tickets.provider,
      auth: config.auth.mode,
      database: config.database.url ? 'postgres' : 'pglite',
    },
    'autopilot-gate listening',
  );
  const curl = await seedDevelopmentTenant(app, config);
  if (curl) {
    // Standard output carries JSON lines only; the help for a developer at a terminal goes to standard error.
    process.stderr.write(
      `\nDevelopment mode: simulated Graph tenant, local tickets, development token issuer.\n` +
        `Unassign a simulated device (OpenAPI at http://127.0.0.1:${config.port}/docs):\n\n${curl}\n\n`,
    );
  }
}

/** `--print-config`: the effective configuration, secrets masked; exits without opening the database. */
function printConfiguration(): void {
  const report = describeConfiguration(process.env);
  process.stdout.write(renderConfigurationReport(report));
  if (report.problems.length > 0) {
    process.stderr.write(`Invalid configuration:\n${report.problems.map((line) => `  ${line}`).join('\n')}\n`);
    process.exitCode = 1;
  }
}

/**
 * SIGTERM (Kubernetes) or SIGINT: stop accepting, let the calls in flight finish and record their outcomes, then
 * exit 0. A call still running after SHUTDOWN_DRAIN_MS is abandoned (its attempt stays in flight for the sweeper) and
 * the exit code is 1.
 */
function drainOnSignals(app: NestFastifyApplication, logger: Logger, drainMs: number): void {
  const drain = (signal: NodeJS.Signals) => {
    logger.info({ signal, drainMs }, 'draining: no new requests, waiting for the calls in flight');
    setTimeout(() => {
      logger.warn({ drainMs }, 'drain time is over; exiting with calls still in flight');
      process.exit(1);
    }, drainMs).unref();
    // A keep-alive connection whose call finishes during the drain would otherwise hold the server open.
    const server = app.getHttpServer();
    setInterval(() => server.closeIdleConnections(), 100).unref();
    app.close().then(
      () => {
        logger.info('drained; exiting');
        logger.flush(() => process.exit(0));
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', drain);
  process.once('SIGINT', drain);
}

main().catch((error: unknown) => {
  const known =
    error instanceof InvalidConfigurationError ||
    error instanceof InvalidPolicyError ||
    error instanceof DatabaseUnreachableError;
  process.stderr.write(
    `autopilot-gate did not start: ${known ? error.message : ((error as Error).stack ?? String(error))}\n`,
  );
  process.exit(1);
});
