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

interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: Record<string, Record<string, unknown>>): Promise<WasmInstance>;
}

export const Wasm: WasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
