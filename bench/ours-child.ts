import { performance } from 'node:perf_hooks';
import { main } from '../src/cli/main.js';
import { reportFromChild } from './measure-child.js';

// Runs the real CLI in this process and reports its wall time and peak memory.
const started = performance.now();
const code = await main(process.argv.slice(2));
if (code !== 0) process.exit(code);
reportFromChild(performance.now() - started);
