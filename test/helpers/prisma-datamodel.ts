import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { DMMF } from '@prisma/client/runtime/client';

// The generated client keeps only a pruned data model; the full DMMF (nullability, lists, defaults, indexes,
// enum values) comes from get_dmmf in the prisma CLI's schema wasm, the call `prisma generate` builds from.

// Only lib.dom declares the WebAssembly global, and this project compiles without it.
interface WasmRuntime {
  Module: { new (bytes: Uint8Array): object; imports(module: object): { name: string }[] };
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}

interface SchemaWasm {
  memory: { buffer: ArrayBuffer };
  __wbindgen_externrefs: { grow(delta: number): number; set(index: number, value: unknown): void };
  __wbindgen_start(): void;
  __wbindgen_malloc(size: number, align: number): number;
  __wbindgen_free(pointer: number, size: number, align: number): void;
  get_dmmf(pointer: number, length: number): [number, number, number, number];
}

/** Calls get_dmmf of prisma's schema wasm with the few wasm-bindgen imports it declares. */
export function loadDatamodel(prismaSchema: string): DMMF.Datamodel {
  const { WebAssembly } = globalThis as unknown as { WebAssembly: WasmRuntime };
  const prismaPackage = createRequire(__filename).resolve('prisma/package.json');
  const wasmModule = new WebAssembly.Module(
    readFileSync(path.join(path.dirname(prismaPackage), 'build', 'prisma_schema_build_bg.wasm')),
  );
  // eslint-disable-next-line prefer-const -- the import functions below close over it before the instance exists.
  let wasm: SchemaWasm | undefined;
  const memory = () => new Uint8Array(wasm!.memory.buffer);
  const readString = (pointer: number, length: number) =>
    new TextDecoder().decode(memory().subarray(pointer >>> 0, (pointer >>> 0) + length));
  const imports: Record<string, (...args: number[]) => unknown> = {};
  for (const { name } of WebAssembly.Module.imports(wasmModule)) {
    imports[name] = name.includes('init_externref_table')
      ? () => {
          const table = wasm!.__wbindgen_externrefs;
          const base = table.grow(4);
          table.set(0, undefined);
          [undefined, null, true, false].forEach((value, offset) => table.set(base + offset, value));
        }
      : (pointer = 0, length = 0) => {
          throw new Error(`prisma schema wasm: ${name} ${readString(pointer, length)}`);
        };
  }
  wasm = new WebAssembly.Instance(wasmModule, { __wbindgen_placeholder__: imports }).exports as SchemaWasm;
  wasm.__wbindgen_start();

  const input = new TextEncoder().encode(JSON.stringify({ prismaSchema }));
  const inputPointer = wasm.__wbindgen_malloc(input.length, 1);
  memory().set(input, inputPointer);
  const [outputPointer, outputLength, , failed] = wasm.get_dmmf(inputPointer, input.length);
  if (failed) {
    throw new Error('get_dmmf rejected schema.prisma: run `npm run db:generate` to see why');
  }
  const output = readString(outputPointer, outputLength);
  wasm.__wbindgen_free(outputPointer, outputLength, 1);
  return (JSON.parse(output) as DMMF.Document).datamodel;
}
