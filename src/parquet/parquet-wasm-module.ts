import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
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

/**
 * The process-wide mark that lets a tiny run compile parquet-wasm for short use: a registered symbol on globalThis, so
 * that the CLI's first module (one-shot.ts, in start.js) sets it without loading this module or sharing a chunk with the
 * rollup's (every command loads start.js).
 */
const shortUseMark = Symbol.for('telemetry-rollup.wasm-for-short-use');

/**
 * Whether a tiny run may compile parquet-wasm for short use (compileWasmForShortUse): only in a process that ends with
 * its one run (the CLI's `run`, which sets the mark in one-shot.ts), never in a library caller, a test host or a
 * backfill, whose later work (a larger day, on threads that share the compiled module) would run the baseline code.
 */
export function wasmForShortUseAllowed(): boolean {
  return (globalThis as Record<symbol, unknown>)[shortUseMark] === true;
}

/**
 * Has V8 compile parquet-wasm with its baseline compiler only (Liftoff, no tier-up to TurboFan), when the process
 * allows it and the module is not compiled yet: for a run of a tiny day on its main thread (baselineWasmBytes).
 * Process-wide; one-shot commands run with it from the start (one-shot.ts).
 */
export function compileWasmForShortUse(): void {
  if (wasmForShortUseAllowed() && compiled === undefined) setFlagsFromString('--liftoff-only');
}
