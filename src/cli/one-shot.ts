import { setFlagsFromString } from 'node:v8';
import { asksForHelp } from './prestart.js';

/** Commands that read committed partitions, print one answer and end: their whole process lives about a second. */
const oneShotCommands: ReadonlySet<string> = new Set([
  'query',
  'facts',
  'trend',
  'diagnose',
  'attribute',
  'values',
  'ls',
  'inspect',
]);

/** V8's default interrupt budget (bytecode executed before a function is considered for TurboFan), V8 11 / Node 20. */
const defaultInterruptBudget = 66 * 1024;

/** V8's default WebAssembly tiering budget (roughly bytes executed before Liftoff code is tiered up), V8 11 / Node 20. */
const defaultWasmTieringBudget = 1_800_000;

/** Whether argv runs a one-shot command, or asks for help or the version (any command's help is one-shot). */
export function isOneShot(argv: readonly string[]): boolean {
  const command = argv[0];
  return command === undefined || command.startsWith('-') || oneShotCommands.has(command) || asksForHelp(argv);
}

/**
 * Sets V8's optimising thresholds for the command, before the CLI's modules load. A one-shot command: V8 considers a
 * JavaScript function for TurboFan only after 16 times the default budget; such a process ends before most of those
 * compiles pay back (they ran ~25 on a query of a tiny day and ~70 on a cold query of a 50M-row day, on background
 * threads that compete for the same cores); hot loops still get optimized. Its WebAssembly (zstd pages, parquet-wasm)
 * stays in Liftoff, V8's baseline compiler: tiering the decoders' large functions up to TurboFan took ~0.1 s of CPU on
 * a background thread, more than a one-shot command ever ran in them, and the process waited for it at exit (a query
 * of a tiny day: 0.42 -> 0.32 s CPU; a cold query of the 50M-row day 0.48 -> 0.37 s; `values` over that day 2.2 ->
 * 1.6 s; medians of interleaved runs). Run and backfill take 4 times the JavaScript budget and 64 times the
 * WebAssembly one (below): their decoding runs for minutes; serve and the other long commands keep V8's defaults.
 */
export function tuneCompilerFor(argv: readonly string[]): void {
  if (isOneShot(argv)) setFlagsFromString(`--interrupt-budget=${16 * defaultInterruptBudget} --liftoff-only`);
  else if (argv[0] === 'run' || argv[0] === 'backfill') {
    // a process of one run: a tiny day may keep parquet-wasm in Liftoff (wasmForShortUseAllowed, parquet-wasm-module.ts,
    // whose mark is set here without loading that module: every command loads this one)
    if (argv[0] === 'run')
      (globalThis as Record<symbol, unknown>)[Symbol.for('telemetry-rollup.wasm-for-short-use')] = true;
    // a rollup compiles its code on every worker thread: at 4 times the budget, functions that are only warm (module
    // set-up, schema checks, one call per file) stay unoptimized, while the per-row loops, run millions of times, are
    // optimized as soon (2-3% less CPU on the 50M-row day's base rollup, A/B). Likewise its WebAssembly tiers up only
    // functions that run 64 times V8's budget: parquet-wasm's hot loops still reach TurboFan within the first files,
    // its many lukewarm functions stay in Liftoff (50M-row day, medians of 3 interleaved runs: base rollup 17.0 ->
    // 16.3 s CPU, full hour tier 25.5 -> 24.7 s)
    setFlagsFromString(
      `--interrupt-budget=${4 * defaultInterruptBudget} --wasm-tiering-budget=${64 * defaultWasmTieringBudget}`,
    );
  }
}

/**
 * Ends the process with `code`. A one-shot command whose output is fully written exits at once: nothing it started
 * is still pending, and waiting for the event loop to drain only let idle-time tasks (a full garbage collection,
 * closing file handles) run first, 30-70 ms. Output still queued (a slow reader on a pipe) is never cut off: then the
 * process ends as usual once it is written.
 */
export function endProcess(argv: readonly string[], code: number): void {
  process.exitCode = code;
  if (isOneShot(argv) && process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit(code);
}
