import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidConfigurationError } from '../../config/app-config';
import { GENERATED_KEY_FILE, keyIdOf, loadAuditSigningKey } from './audit-signing-key';

const scratch = () => mkdtempSync(path.join(tmpdir(), 'audit-key-'));
const ed25519Pem = () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const rsaPem = () =>
  generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

describe(loadAuditSigningKey.name, () => {
  it('reads the Ed25519 key of AUDIT_SIGNING_KEY_FILE and names it by its public key', () => {
    const file = path.join(scratch(), 'key.pem');
    writeFileSync(file, ed25519Pem());

    const key = loadAuditSigningKey({ signingKeyFile: file, dataDir: scratch() });

    expect(key.keyId).toBe(keyIdOf(key.publicKey));
    expect(key.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });

  it('generates a key under DATA_DIR once, and keeps using it', () => {
    const dataDir = scratch();

    const first = loadAuditSigningKey({ dataDir });
    const again = loadAuditSigningKey({ dataDir });

    expect(again.keyId).toBe(first.keyId);
    expect(
      loadAuditSigningKey({ signingKeyFile: path.join(dataDir, GENERATED_KEY_FILE), dataDir: scratch() }).keyId,
    ).toBe(first.keyId);
  });

  it.each([
    ['a file that does not exist', () => '/nonexistent/audit-key.pem', /cannot be read/],
    [
      'a key of another type',
      () => {
        const file = path.join(scratch(), 'rsa.pem');
        writeFileSync(file, rsaPem());
        return file;
      },
      /rsa key; the audit checkpoints need Ed25519/,
    ],
    [
      'something that is not a key',
      () => {
        const file = path.join(scratch(), 'junk.pem');
        writeFileSync(file, 'not a key');
        return file;
      },
      /is not a PEM private key/,
    ],
  ])('refuses %s as a configuration error naming it', (_, file, message) => {
    const signingKeyFile = file();

    expect(() => loadAuditSigningKey({ signingKeyFile, dataDir: scratch() })).toThrow(InvalidConfigurationError);
    expect(() => loadAuditSigningKey({ signingKeyFile, dataDir: scratch() })).toThrow(message);
  });
});
