import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

/*
 * `node --import` this file to record which modules a process loads in $IMPORT_TRACE_FILE, one `<url> <parent>` line
 * each: ES modules through resolve hooks, CommonJS ones loaded with require (which the hooks do not see in Node 20)
 * from the require cache at exit, and Node's public built-ins however they were loaded (`node:<name> (built-in)`, from
 * process.moduleLoadList: a bundled package's require() of a built-in reaches no hook).
 */

register(new URL('./import-trace-hooks.js', import.meta.url));

const file = process.env.IMPORT_TRACE_FILE;
const cache = createRequire(import.meta.url).cache;
/** Node's own list of what it loaded: `NativeModule <id>` entries among others (an undocumented array of strings). */
const moduleLoadList = (process as unknown as { moduleLoadList?: readonly string[] }).moduleLoadList ?? [];
process.on('exit', () => {
  if (file === undefined) return;
  const builtIns = moduleLoadList
    .filter((m) => m.startsWith('NativeModule ') && !m.includes('internal/'))
    .map((m) => `node:${m.slice('NativeModule '.length)} (built-in)\n`);
  appendFileSync(
    file,
    Object.keys(cache)
      .map((path) => `${pathToFileURL(path).href} (require)\n`)
      .join('') + builtIns.join(''),
  );
});
