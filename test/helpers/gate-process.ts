import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '..', '..');
// Two levels below the project root, like dist/, so the compiled gate finds prisma/migrations and config/ as it does.
const BUILD_DIR = path.join(ROOT, '.test-dist');

/** Compiles the gate as `npm run build` does, into .test-dist/, once per test file that needs a real process. */
export async function buildGate(): Promise<string> {
  await promisify(execFile)(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', BUILD_DIR], {
    cwd: ROOT,
  });
  return path.join(BUILD_DIR, 'main.js');
}

/** The gate as its own process, `node main.js` as production starts it, killed by the test as Kubernetes would. */
export class GateProcess {
  readonly output: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {
    this.exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
    for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
  }

  static async start(mainJs: string, env: Record<string, string>, port: number): Promise<GateProcess> {
    const child = spawn(process.execPath, [mainJs], { cwd: ROOT, env: { ...process.env, ...env, HOST: '127.0.0.1', PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    const gate = new GateProcess(child, `http://127.0.0.1:${port}`);
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
