import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '..', '..');
// At the project root, like dist/, so the compiled gate finds prisma/migrations and config/ as it does; one per test
// worker, so two files building at once never write into each other's output.
const BUILD_DIR = path.join(ROOT, `.test-dist-${process.pid}`);

/** Compiles the gate as `npm run build` does, once per test file that needs a real process. */
export async function buildGate(): Promise<string> {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  // Its own build record: the project's dist/.tsbuildinfo would make tsc think this output is already there.
  const buildRecord = path.join(BUILD_DIR, '.tsbuildinfo');
  await promisify(execFile)(
    process.execPath,
    [tsc, '-p', 'tsconfig.build.json', '--outDir', BUILD_DIR, '--tsBuildInfoFile', buildRecord],
    { cwd: ROOT },
  );
  return path.join(BUILD_DIR, 'main.js');
}

export function removeBuild(): void {
  rmSync(BUILD_DIR, { recursive: true, force: true });
}

/** What a process wrote, each stream apart, and how it ended. */
export interface ProcessRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node main.js args` to its end, as an operator would with `--print-config` or a wrong configuration. */
export async function runGate(
  mainJs: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<ProcessRun> {
  const child = spawn(process.execPath, [mainJs, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
    this.exited = once(child, 'exit').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
    for (const [stream, own] of [
      [child.stdout!, this.stdout],
      [child.stderr!, this.stderr],
    ] as const) {
      stream.on('data', (chunk: Buffer) => {
        this.output.push(chunk.toString());
        own.push(chunk.toString());
      });
    }
  }

  /** Listens on `port`, and for /metrics on a free port of its own (never the default 9464: test files run in parallel). */
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
      const ready = await fetch(`${this.url}/health/ready`).then(
        (response) => response.ok,
        () => false,
      );
      if (ready) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the gate was not ready within 30 s:\n${this.output.join('')}`);
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls `probe` until it answers something, or fails naming what it waited for. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
