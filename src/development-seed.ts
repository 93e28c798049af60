import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Principal } from './auth/principal';
import { DEVELOPMENT_TENANT } from './auth/dev-issuer/development-issuer';
import type { AppConfig } from './config/app-config';
import { GraphClient } from './graph/graph-client';
import { SimulatedGraphClient } from './graph/simulated/simulated-graph.client';
import { LocalTicketRepository } from './tickets/local/local-ticket.repository';

export const DEVELOPMENT_TICKET = 'CHG0000001';
const DAY_MS = 24 * 60 * 60 * 1000;
const SEED_WRITER = {
  kind: 'app',
  oid: 'development-seed',
  tenantId: DEVELOPMENT_TENANT,
  roles: [],
} as const satisfies Principal;

/**
 * Zero-config mode: a change ticket in its window for the simulated devices, so the printed curl succeeds.
 * Returns the curl, or undefined when the gate runs against real systems.
 */
export async function seedDevelopmentTenant(
  app: NestFastifyApplication,
  config: AppConfig,
): Promise<string | undefined> {
  const graph = app.get(GraphClient);
  if (
    !(graph instanceof SimulatedGraphClient) ||
    config.tickets.provider !== 'local' ||
    config.auth.mode !== 'development'
  )
    return undefined;
  const devices = graph.listDevices();
  const now = Date.now();
  await app.get(LocalTicketRepository).save(
    DEVELOPMENT_TICKET,
    {
      state: 'Implement',
      approval: 'approved',
      plannedStart: new Date(now - DAY_MS),
      plannedEnd: new Date(now + 30 * DAY_MS),
      affectedCis: devices.map((device) => device.serialNumber ?? ''),
      shortDescription: 'Development ticket for the simulated tenant',
    },
    { principal: SEED_WRITER, correlationId: 'development-seed' },
  );
  const target = devices.find((device) => device.groupTag === 'MTR-EU' && device.resourceName)!;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  return [
    `curl -sS -X POST http://${host}:${config.port}/v1/autopilot-devices/${target.id}/unassign-resource-account \\`,
    `  -H "Authorization: Bearer $(npm run --silent token -- --role Autopilot.ResourceAccount.Unassign)" \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d '{"changeTicket":"${DEVELOPMENT_TICKET}","justification":"Trying the gate against the simulated tenant"}'`,
  ].join('\n');
}
