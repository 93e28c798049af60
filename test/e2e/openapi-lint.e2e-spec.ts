import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GateHarness } from '../helpers/gate-harness';
import { servedOpenApi, type OpenApiDocument } from '../helpers/served-openapi';

const projectRoot = path.join(__dirname, '..', '..');
const REDOCLY_CLI = path.join(projectRoot, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
}

/** `redocly lint` as a developer would run it, on the document the gate serves; its JSON report. */
async function redoclyLint(document: OpenApiDocument): Promise<LintReport> {
  const dir = mkdtempSync(path.join(tmpdir(), 'autopilot-gate-openapi-lint-'));
  try {
    writeFileSync(path.join(dir, 'openapi.json'), JSON.stringify(document));
    copyFileSync(path.join(projectRoot, 'test', 'openapi', 'redocly.yaml'), path.join(dir, 'redocly.yaml'));
    copyFileSync(
      path.join(projectRoot, 'test', 'openapi', 'redocly-lint-ignore.yaml'),
      path.join(dir, '.redocly.lint-ignore.yaml'),
    );
    const args = [REDOCLY_CLI, 'lint', 'openapi.json', '--config', 'redocly.yaml', '--format=json'];
    // No telemetry and no update check: the tests run offline.
    const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
    const stdout = await new Promise<string>((resolve, reject) => {
      // A failed lint exits 1 with its report on standard output all the same.
      execFile(process.execPath, args, { cwd: dir, env, maxBuffer: 16 * 1024 * 1024 }, (error, out, err) => {
        if (out.trim().startsWith('{')) resolve(out);
        else reject(new Error(`redocly lint printed no report (${error?.message ?? 'no error'}): ${err}`));
      });
    });
    return JSON.parse(stdout) as LintReport;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('OpenAPI lint', () => {
  let harness: GateHarness;
  let report: LintReport;
  beforeAll(async () => {
    harness = await GateHarness.start();
    report = await redoclyLint(await servedOpenApi(harness));
  });
  afterAll(() => harness?.close());

  it("passes redocly's recommended rules with no error and no warning", () => {
    const problems = report.problems.map(
      (problem) => `${problem.severity} ${problem.ruleId} at ${problem.location[0]?.pointer}: ${problem.message}`,
    );

    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it("ignores nothing but the health probes' missing 4xx", () => {
    expect(report.totals.ignored).toBe(2);
  });
});
