import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { workerData } from 'node:worker_threads';

/** A compiled WebAssembly module (the project's lib settings carry no WebAssembly types: this is all it needs). */
export type CompiledWasm = object;

const wasm = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => CompiledWasm } })
  .WebAssembly;
let compiled: CompiledWasm | undefined;

/**
 * parquet-wasm's compiled WebAssembly module, once per process: a worker thread started with one (`workerData`
 * `{ parquetWasm }`, as WorkerPool starts its workers) uses it, so threads share the compiled and optimised code
 * instead of each compiling the 5 MB module and tiering up its hot functions again (measured: ~11% of the CPU of
 * decoding on three threads). Kept apart from parquet-wasm.ts, so that starting workers does not load the decoder.
 */
export function parquetWasmModule(): CompiledWasm {
  if (compiled) return compiled;
  const given: unknown = (workerData as { parquetWasm?: unknown } | null)?.parquetWasm;
  compiled =
    given instanceof wasm.Module
      ? given
      : new wasm.Module(readFileSync(createRequire(import.meta.url).resolve('parquet-wasm/esm/parquet_wasm_bg.wasm')));
  return compiled;
}

/** Whether parquet-wasm is compiled in this process yet. */
export function isParquetWasmCompiled(): boolean {
  return compiled !== undefined;
}
