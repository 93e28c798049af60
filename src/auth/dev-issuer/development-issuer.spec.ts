import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  DEVELOPMENT_AUDIENCE,
  DEVELOPMENT_ISSUER,
  DevelopmentSigningKeys,
  signDevelopmentToken,
} from './development-issuer';

describe(DevelopmentSigningKeys.name, () => {
  it('reads its key from disk once, not on every request', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'dev-issuer-'));
    const token = await signDevelopmentToken(dataDir, { roles: [], kind: 'app', oid: 'o', expiresInSeconds: 60 });
    const keys = new DevelopmentSigningKeys(dataDir);
    await keys.keyResolver();
    rmSync(dataDir, { recursive: true, force: true });

    const { payload } = await jwtVerify(token, await keys.keyResolver(), {
      issuer: DEVELOPMENT_ISSUER,
      audience: DEVELOPMENT_AUDIENCE,
    });

    expect(payload.oid).toBe('o');
  });
});
