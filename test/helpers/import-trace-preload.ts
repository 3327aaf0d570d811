import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

/*
 * `node --import` this file to record which modules a process loads in $IMPORT_TRACE_FILE, one `<url> <parent>` line
 * each: ES modules through resolve hooks, CommonJS ones loaded with require (which the hooks do not see in Node 20)
 * from the require cache at exit.
 */

register(new URL('./import-trace-hooks.js', import.meta.url));

const file = process.env.IMPORT_TRACE_FILE;
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => {
  if (file === undefined) return;
  appendFileSync(
    file,
    Object.keys(cache)
      .map((path) => `${pathToFileURL(path).href} (require)\n`)
      .join(''),
  );
});
