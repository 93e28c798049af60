import type { GateHarness } from './gate-harness';

export interface SchemaObject {
  $ref?: string;
  [keyword: string]: unknown;
}

export interface MediaTypeObject {
  schema?: SchemaObject;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}

export interface ResponseObject {
  description: string;
  headers?: Record<string, { required?: boolean; schema: SchemaObject }>;
  content?: Record<string, MediaTypeObject>;
}

export interface OperationObject {
  operationId?: string;
  summary?: string;
  description?: string;
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { content: Record<string, MediaTypeObject> };
  responses: Record<string, ResponseObject>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OperationObject>>;
  components: { schemas: Record<string, SchemaObject> };
}

export interface DocumentedOperation {
  method: string;
  path: string;
  operation: OperationObject;
}

/** GET /openapi.json from a running gate, exactly as a client would get it. */
export async function servedOpenApi(harness: GateHarness): Promise<OpenApiDocument> {
  const response = await harness.http.get('/openapi.json');
  if (response.status !== 200) throw new Error(`/openapi.json answered ${response.status}`);
  return response.body as OpenApiDocument;
}

export function documentedOperations(document: OpenApiDocument): DocumentedOperation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
  );
}

/** Every example a media type carries, named for a failure message. */
export function examplesOf(media: MediaTypeObject): [string, unknown][] {
  const named = Object.entries(media.examples ?? {}).map(
    ([name, example]) => [name, example.value] as [string, unknown],
  );
  return media.example === undefined ? named : [['example', media.example], ...named];
}
