import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');
const BUILD_INPUTS = ['src', 'scripts', 'prisma', 'tsconfig.json', 'tsconfig.build.json', 'prisma.config.ts'];

describe('npm run build (scripts/build.mjs, part of every npm start)', () => {
  it('prints nothing, compiles again only what changed, and removes what a deleted source compiled to', async () => {
    // A copy beside the project's node_modules, so the project's own dist/ and generated client are left alone.
    const copy = mkdtempSync(path.join(tmpdir(), 'gate-build-'));
    try {
      for (const input of BUILD_INPUTS)
        cpSync(path.join(ROOT, input), path.join(copy, input), {
          recursive: true,
          filter: (from) => !from.includes('generated'),
        });
      symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
      const build = () =>
        promisify(execFile)(process.execPath, [path.join(copy, 'scripts', 'build.mjs')], { cwd: copy });
      const compiled = (name: string) => path.join(copy, 'dist', name);
      const written = (name: string) => statSync(compiled(name)).mtimeMs;

      expect(await build()).toEqual({ stdout: '', stderr: '' });
      const mainWritten = written('main.js');

      writeFileSync(path.join(copy, 'src', 'build-probe.ts'), 'export const probe = 1;\n');
      expect(await build()).toEqual({ stdout: '', stderr: '' });
      expect(existsSync(compiled('build-probe.js'))).toBe(true);
      expect(written('main.js')).toBe(mainWritten);

      rmSync(path.join(copy, 'src', 'build-probe.ts'));
      expect(await build()).toEqual({ stdout: '', stderr: '' });
      expect(existsSync(compiled('build-probe.js'))).toBe(false);
      expect(existsSync(compiled('build-probe.js.map'))).toBe(false);
      expect(written('main.js')).toBe(mainWritten);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }, 240_000);
});
