#!/usr/bin/env node
import { endProcess, prestartWorkers, tuneCompilerFor } from '../dist/cli/start.js';

const argv = process.argv.slice(2);
tuneCompilerFor(argv); // V8 flags, before any of the CLI's code runs
await prestartWorkers(argv); // before the CLI's own modules load, so worker start-up overlaps with it
const { main } = await import('../dist/cli/main.js');
endProcess(argv, await main(argv));
