import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidConfigurationError } from '../../config/app-config';

/** Where zero-config mode keeps the key it generated (never in production: AUDIT_SIGNING_KEY_FILE is required). */
export const GENERATED_KEY_FILE = 'audit-signing-key.pem';

/** The Ed25519 key that signs checkpoints and retention records. Only its public half ever leaves the process. */
export interface AuditSigningKey {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyPem: string;
}

/** Stops start-up with a message naming the file, like any other configuration error. */
export class InvalidSigningKeyError extends InvalidConfigurationError {}

export function loadAuditSigningKey(options: { signingKeyFile?: string; dataDir: string }): AuditSigningKey {
  if (options.signingKeyFile) return fromPem(readKeyFile(options.signingKeyFile), options.signingKeyFile);
  const generated = join(options.dataDir, GENERATED_KEY_FILE);
  try {
    return fromPem(readFileSync(generated, 'utf8'), generated);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  mkdirSync(options.dataDir, { recursive: true });
  try {
    writeFileSync(generated, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another replica created it first: use theirs, so every checkpoint verifies with one public key.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return fromPem(readFileSync(generated, 'utf8'), generated);
}

/** First 16 hex digits of the sha256 of the public key (DER SubjectPublicKeyInfo), like an SSH fingerprint. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

/** A public key as `GET /v1/audit/public-key` and `npm run audit:public-key` print it (PEM, SPKI). */
export function readPublicKey(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519')
    throw new InvalidSigningKeyError(`the public key is ${key.asymmetricKeyType}, not Ed25519`);
  return key;
}

function readKeyFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new InvalidSigningKeyError(`AUDIT_SIGNING_KEY_FILE ${file} cannot be read: ${(error as Error).message}`);
  }
}

function fromPem(pem: string, source: string): AuditSigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new InvalidSigningKeyError(`${source} is not a PEM private key`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new InvalidSigningKeyError(
      `${source} holds a ${privateKey.asymmetricKeyType} key; the audit checkpoints need Ed25519`,
    );
  }
  const publicKey = createPublicKey(privateKey);
  return {
    keyId: keyIdOf(publicKey),
    privateKey,
    publicKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
