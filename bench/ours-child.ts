import { performance } from 'node:perf_hooks';
import { tuneCompilerFor } from '../src/cli/one-shot.js';
import { prestartWorkers } from '../src/cli/prestart.js';
import { reportFromChild } from './measure-child.js';

// Runs the real CLI in this process, started the way bin/telemetry-rollup.js starts it, and reports the wall time of
// the command (from the call of main, as DuckDB's side is timed from its query, after its instance exists) and the peak
// memory.
const argv = process.argv.slice(2);
tuneCompilerFor(argv);
await prestartWorkers(argv);
const { main } = await import('../src/cli/main.js');
const started = performance.now();
const code = await main(argv);
if (code !== 0) process.exit(code);
reportFromChild(performance.now() - started);
