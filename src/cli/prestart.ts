/**
 * For `run --workers N` (N > 0), starts the N decode workers before the CLI loads its modules: a worker spends a few
 * hundred milliseconds loading its own, which then overlaps with the main thread's. Without --workers nothing starts
 * here: a run chooses its threads from the bytes it lists (decodeThreadsFor: a small day uses none, and threads
 * started ahead would spend their start-up for nothing; on a day that uses them, starting them after the listing made
 * no measurable difference, 15M rows: 6.1-6.3 s either way); `backfill` opens its pool of threads for all its days.
 * Other commands, and a request for help (`run --help`), start nothing and load nothing of the pool (worker_threads,
 * v8, os: ~10 ms of a one-shot command).
 */
export async function prestartWorkers(argv: readonly string[]): Promise<void> {
  if (argv[0] !== 'run') return;
  if (asksForHelp(argv)) return;
  const asked = workersFlag(argv);
  if (asked === undefined || asked === 0) return;
  const [{ maxDecodeThreads }, { rollupWorkerScript }, { prestartPool }] = await Promise.all([
    import('../rollup/decode-threads.js'),
    import('../rollup/rollup-worker-script.js'),
    import('../rollup/worker-pool.js'),
  ]);
  if (asked > maxDecodeThreads) return; // refused by the flag's parser: start nothing
  prestartPool(rollupWorkerScript, asked);
}

/** Whether the command line asks for help (commander answers -h and --help anywhere before `--`). */
export function asksForHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** The value of --workers when it is a plain count (anything else is left to the real parser to reject). */
function workersFlag(argv: readonly string[]): number | undefined {
  for (let i = 0; i < argv.length; i++) {
    const value =
      argv[i] === '--workers'
        ? argv[i + 1]
        : argv[i]!.startsWith('--workers=')
          ? argv[i]!.slice('--workers='.length)
          : undefined;
    if (value !== undefined) return /^\d{1,6}$/.test(value) ? Number(value) : 0;
  }
  return undefined;
}
