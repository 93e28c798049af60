import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Compiles the gate as `npm run build` does, once per test file that needs a real process, into a directory of this
 * worker's own (test files run in parallel) directly below the project root, like dist/, so the compiled gate finds
 * prisma/migrations and config/ as it does. Remove it with removeGateBuild.
 */
export async function buildGate(): Promise<string> {
  const buildDir = path.join(ROOT, `.test-dist-${process.pid}`);
  await promisify(execFile)(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', buildDir], {
    cwd: ROOT,
  });
  return path.join(buildDir, 'main.js');
}

export async function removeGateBuild(mainJs: string | undefined): Promise<void> {
  if (mainJs) await rm(path.dirname(mainJs), { recursive: true, force: true });
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** What a process wrote, each stream apart, and how it ended. */
export interface ProcessRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node main.js args` to its end, as an operator would with `--print-config` or a wrong configuration. */
export async function runGate(mainJs: string, args: string[], env: Record<string, string>, timeoutMs = 20_000): Promise<ProcessRun> {
  const child = spawn(process.execPath, [mainJs, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout: stdout.join(''), stderr: stderr.join('') };
}

/** The gate as its own process, `node main.js` as production starts it, killed by the test as Kubernetes would. */
export class GateProcess {
  readonly output: string[] = [];
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly metricsUrl: string,
  ) {
    this.exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
    child.stdout!.on('data', (chunk: Buffer) => {
      this.output.push(chunk.toString());
      this.stdout.push(chunk.toString());
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.output.push(chunk.toString());
      this.stderr.push(chunk.toString());
    });
  }

  static async start(mainJs: string, env: Record<string, string>, port: number): Promise<GateProcess> {
    const metricsPort = await freePort();
    const child = spawn(process.execPath, [mainJs], {
      cwd: ROOT,
      env: { ...process.env, ...env, HOST: '127.0.0.1', PORT: String(port), METRICS_PORT: String(metricsPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const gate = new GateProcess(child, `http://127.0.0.1:${port}`, `http://127.0.0.1:${metricsPort}/metrics`);
    await gate.waitUntilReady();
    return gate;
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  private async waitUntilReady(): Promise<void> {
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      if (this.child.exitCode !== null) throw new Error(`the gate exited at start:\n${this.output.join('')}`);
      const ready = await fetch(`${this.url}/health/ready`).then((response) => response.ok, () => false);
      if (ready) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the gate was not ready within 30 s:\n${this.output.join('')}`);
  }
}
