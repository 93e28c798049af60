import { parseArgs } from 'node:util';
import { loadAppConfig } from '../../config/app-config';
import { signDevelopmentToken } from './development-issuer';

/** `npm run token -- --role Autopilot.ResourceAccount.Unassign [--role ...] [--app] [--oid ...] [--upn ...]` */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      role: { type: 'string', multiple: true, default: [] },
      app: { type: 'boolean', default: false },
      oid: { type: 'string', default: '11111111-1111-4111-8111-111111111111' },
      upn: { type: 'string', default: 'developer@autopilot-gate.local' },
      ttl: { type: 'string', default: '3600' },
    },
  });
  const config = loadAppConfig(process.env);
  if (config.auth.mode !== 'development') {
    throw new Error('AUTH_ISSUER is set: tokens come from that issuer, not from the development issuer.');
  }
  const token = await signDevelopmentToken(config.database.dataDir, {
    roles: values.role,
    kind: values.app ? 'app' : 'user',
    oid: values.oid,
    upn: values.app ? undefined : values.upn,
    expiresInSeconds: Number(values.ttl),
  });
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
