import 'reflect-metadata';
import { createGateApp } from './bootstrap';
import { InvalidConfigurationError, loadAppConfig } from './config/app-config';
import { seedDevelopmentTenant } from './development-seed';
import { InvalidPolicyError } from './policy/policy-file';

async function main(): Promise<void> {
  const config = loadAppConfig(process.env);
  const { app, logger } = await createGateApp(config);
  await app.listen({ host: config.host, port: config.port });
  logger.info(
    { port: config.port, graph: config.graph.mode, tickets: config.tickets.provider, auth: config.auth.mode, database: config.database.url ? 'postgres' : 'pglite' },
    'autopilot-gate listening',
  );
  const curl = await seedDevelopmentTenant(app, config);
  if (curl) {
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
    process.stdout.write(
      `\nDevelopment mode: simulated Graph tenant, local tickets, development token issuer.\n` +
        `Unassign a simulated device (OpenAPI at http://127.0.0.1:${config.port}/docs):\n\n${curl}\n\n`,
    );
  }
}

main().catch((error: unknown) => {
  const known = error instanceof InvalidConfigurationError || error instanceof InvalidPolicyError;
  process.stderr.write(`autopilot-gate did not start: ${known ? (error as Error).message : (error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
