import { loadAppConfig } from '../../config/app-config';
import { loadAuditSigningKey } from './audit-signing-key';

/** `npm run audit:public-key`: the public half of the key the checkpoints are signed with, for audit:verify. */
try {
  const key = loadAuditSigningKey(loadAppConfig(process.env).audit);
  process.stderr.write(`Ed25519 key ${key.keyId}\n`);
  process.stdout.write(key.publicKeyPem);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
