// Links this checkout's own CLI into node_modules/.bin so that `npx telemetry-rollup` runs it (npm links only
// dependencies' bins, and without the link npx would try to fetch a package of that name from the registry).
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';

mkdirSync('node_modules/.bin', { recursive: true });
rmSync('node_modules/.bin/telemetry-rollup', { force: true });
symlinkSync('../../bin/telemetry-rollup.js', 'node_modules/.bin/telemetry-rollup');
