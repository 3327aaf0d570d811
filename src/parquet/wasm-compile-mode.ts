import { setFlagsFromString } from 'node:v8';

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
 * allows it and the module is not `compiled` yet: for a run of a tiny day on its main thread (baselineWasmBytes).
 * Process-wide; one-shot commands run with it from the start (one-shot.ts).
 */
export function compileWasmForShortUse(compiled: boolean): void {
  if (wasmForShortUseAllowed() && !compiled) setFlagsFromString('--liftoff-only');
}
