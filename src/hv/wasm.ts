// The few WebAssembly JS-API entry points the hypervisor uses, typed here: the project compiles
// against lib es2023 without DOM, whose types do not include the WebAssembly namespace.

export interface WasmModule {
  readonly __wasmModule?: never;
}

export interface WasmGlobal {
  value: number | bigint;
}

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

export interface WasmTable {
  readonly length: number;
  set(index: number, fn: unknown): void;
}

interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: Record<string, Record<string, unknown>>): Promise<WasmInstance>;
  /** Synchronous compilation, for the small modules code generators make while a guest runs. */
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  Table: new (descriptor: { element: 'anyfunc'; initial: number; maximum?: number }) => WasmTable;
}

export const Wasm: WasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
