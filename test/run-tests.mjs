// `npm test`: runs vitest with a throwaway TLS certificate for the fake Entra authority and ends with a line per
// skipped test and why, then the line CI reads: `N passed, N failed[, N skipped]`. Extra arguments go to vitest.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { skippedTestLines } from './skipped-tests.mjs';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
// One report per run, so concurrent runs on one machine never read each other's results.
const reportName = `vitest-${process.pid}.json`;
const reportPath = join(projectRoot, '.test-reports', reportName);

const certificateDir = mkdtempSync(join(tmpdir(), 'autopilot-gate-tls-'));
let exitCode = 1;
try {
  const { certPath, keyPath } = createSelfSignedCertificate(certificateDir);
  // A stale report from an earlier run must not pass for this one.
  rmSync(reportPath, { force: true });
  const vitestExitCode = await runVitest({
    ...process.env,
    TEST_TLS_CERT_PATH: certPath,
    TEST_TLS_KEY_PATH: keyPath,
    // Read by Node only at start-up, so it has to be set for the child, not in-process.
    NODE_EXTRA_CA_CERTS: certPath,
  });
  exitCode = summarise(vitestExitCode);
} catch (error) {
  console.error(`run-tests: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  rmSync(certificateDir, { recursive: true, force: true });
  rmSync(reportPath, { force: true });
}
process.exit(exitCode);

function createSelfSignedCertificate(dir) {
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  // CA:TRUE because NODE_EXTRA_CA_CERTS trusts it as its own certificate authority.
  // prettier-ignore
  const args = [
    ...'req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost'.split(' '),
    '-keyout', keyPath, '-out', certPath,
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-addext', 'basicConstraints=critical,CA:TRUE',
  ];
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return { certPath, keyPath };
}

function runVitest(env) {
  const args = [
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile=${join('.test-reports', reportName)}`,
    ...process.argv.slice(2),
  ];
  // npx puts node_modules/.bin first on PATH, so vitest runs on the project's Node 24.
  const child = spawn('npx', args, { cwd: projectRoot, env, stdio: 'inherit' });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function summarise(vitestExitCode) {
  if (!existsSync(reportPath)) {
    console.error(`run-tests: vitest wrote no report at ${reportPath} (exit code ${vitestExitCode}).`);
    return 1;
  }
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  // A file that fails to load has no failing test, yet nothing in it ran: count it as a failure.
  const brokenFiles = report.testResults.filter(
    (file) => file.status === 'failed' && !file.assertionResults.some((test) => test.status === 'failed'),
  );
  const passed = report.numPassedTests;
  const failed = report.numFailedTests + brokenFiles.length;
  const skipped = report.numPendingTests + report.numTodoTests;
  const ran = passed + report.numFailedTests;

  for (const file of brokenFiles) console.error(`run-tests: ${file.name} failed to run: ${file.message}`);
  if (ran === 0) console.error('run-tests: no tests ran.');
  if (vitestExitCode !== 0 && failed === 0) console.error(`run-tests: vitest exited with code ${vitestExitCode}.`);
  for (const line of skippedTestLines(report, projectRoot)) console.log(line);
  console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
  return failed > 0 || ran === 0 || vitestExitCode !== 0 ? 1 : 0;
}
