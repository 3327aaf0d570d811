/**
 * What bin/telemetry-rollup.js loads before the CLI: V8's flags for the command and, for a rollup, its workers
 * started early. One entry point of the bundle (scripts/bundle-cli.ts), so the first step of every process reads one
 * file.
 */
export { endProcess, tuneCompilerFor } from './one-shot.js';
export { prestartWorkers } from './prestart.js';
