import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GateHarness } from '../helpers/gate-harness';
import { servedOpenApi, type OpenApiDocument } from '../helpers/served-openapi';

const projectRoot = path.join(__dirname, '..', '..');
const DEVICES = '/v1/autopilot-devices';
const FACADE = '/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities';

// A client's code against the generated types. The @ts-expect-error lines fail the compile if the types let a wrong call
// through (an `any` anywhere would), so a clean compile means the types are real.
const CLIENT_CODE = `
import createClient from 'openapi-fetch';
import type { components, paths } from './gate-api';

const gate = createClient<paths>({ baseUrl: 'http://127.0.0.1:3000' });

export async function unassign(deviceId: string): Promise<string> {
  const { data, error } = await gate.POST('${DEVICES}/{deviceId}/unassign-resource-account', {
    params: { path: { deviceId }, header: { 'Idempotency-Key': 'change-42' } },
    body: { changeTicket: 'CHG0001234', justification: 'Room moved to building B.' },
  });
  if (error) {
    const code: string = error.code;
    const fields: { path: string; message: string }[] | undefined = error.errors;
    return \`\${code} \${fields?.length ?? 0} \${error.outcome ?? ''}\`;
  }
  const status: number = data.graph.status;
  return \`\${data.attemptId} \${status}\`;
}

export async function unassignThroughTheFacade(deviceId: string): Promise<string | undefined> {
  const { error, response } = await gate.POST('${FACADE}/{deviceId}/unassignResourceAccountFromDevice', {
    params: { path: { deviceId }, header: { 'X-Change-Ticket': 'CHG0001234', 'X-Justification': 'Room moved to building B.' } },
  });
  if (!error) return response.headers.get('x-attempt-id') ?? undefined;
  // Graph's shape, except Fastify's own 413 before the handler, which is problem+json.
  return 'error' in error ? \`\${error.error.innerError.gateCode} \${error.error.innerError['request-id']}\` : error.code;
}

export async function wrongCalls(): Promise<void> {
  await gate.POST('${DEVICES}/{deviceId}/unassign-resource-account', {
    params: { path: { deviceId: 'x' } },
    // @ts-expect-error the justification is text
    body: { justification: 42 },
  });
  // @ts-expect-error the body has no other field
  const body: components['schemas']['UnassignBodyDto'] = { justification: 'Room moved to building B.', urgent: true };
  void body;
  // @ts-expect-error the attempt id is required
  await gate.GET('/v1/attempts/{attemptId}', { params: { path: {} } });
  const { data } = await gate.GET('/v1/attempts/{attemptId}', { params: { path: { attemptId: 'a' } } });
  // @ts-expect-error outcome is one of the recorded outcomes
  if (data?.outcome === 'done') return;
}
`;

/** Type-checks the files in dir with the project's TypeScript, strict; the diagnostics as text. */
function typeCheck(dir: string, files: string[]): string[] {
  const program = ts.createProgram(
    files.map((file) => path.join(dir, file)),
    {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      types: [],
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    },
  );
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const where = diagnostic.file
      ? `${path.basename(diagnostic.file.fileName)}:${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1}`
      : '';
    return `${where} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
  });
}

describe('OpenAPI client', () => {
  let harness: GateHarness;
  let document: OpenApiDocument;
  let dir: string;
  beforeAll(async () => {
    harness = await GateHarness.start();
    document = await servedOpenApi(harness);
    // Inside the project, so that the client code resolves openapi-fetch from node_modules.
    dir = mkdtempSync(path.join(projectRoot, '.test-dist-openapi-client-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await harness?.close();
  });

  it('generates TypeScript types with openapi-typescript that a typed openapi-fetch call compiles against', async () => {
    const types = astToString(await openapiTS(document as unknown as Parameters<typeof openapiTS>[0]));
    writeFileSync(path.join(dir, 'gate-api.ts'), types);
    writeFileSync(path.join(dir, 'client.ts'), CLIENT_CODE);

    expect(typeCheck(dir, ['gate-api.ts', 'client.ts'])).toEqual([]);
  });
});
