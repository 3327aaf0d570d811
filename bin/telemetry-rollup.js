#!/usr/bin/env node
import { prestartWorkers } from '../dist/src/cli/prestart.js';

prestartWorkers(process.argv.slice(2)); // before the CLI's own modules load, so worker start-up overlaps with it
const { main } = await import('../dist/src/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
