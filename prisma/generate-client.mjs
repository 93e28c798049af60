// `npm run db:generate`: `prisma generate`, silent unless it fails, and skipped when the schema, the Prisma config and
// the versions of Prisma and its client are those the client under src/generated was made from (its stamp,
// src/generated/prisma/.generated-from; every `npm start`, `npm run build` and `npm test` runs this).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const prismaPackage = require.resolve('prisma/package.json');
const versionOf = (packageJson) => JSON.parse(readFileSync(packageJson, 'utf8')).version;
const outputDir = join(root, 'src', 'generated', 'prisma');
const stamp = join(outputDir, '.generated-from');

const digest = createHash('sha256')
  .update(readFileSync(join(root, 'prisma', 'schema.prisma')))
  .update(readFileSync(join(root, 'prisma.config.ts')))
  .update(versionOf(prismaPackage))
  .update(versionOf(require.resolve('@prisma/client/package.json')))
  .digest('hex');

const upToDate =
  existsSync(join(outputDir, 'client.ts')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === digest;
if (!upToDate) {
  // The CLI downloads its schema engine at start unless told where one is; generating needs none.
  const result = spawnSync(process.execPath, [join(dirname(prismaPackage), 'build', 'index.js'), 'generate'], {
    cwd: root,
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: '/bin/false', PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    process.stderr.write(
      `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? `${result.error.message}\n` : ''}`,
    );
    process.exit(result.status ?? 1);
  }
  writeFileSync(stamp, digest);
}
