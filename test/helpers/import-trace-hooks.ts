import { appendFileSync } from 'node:fs';
import type { ResolveHook } from 'node:module';

/*
 * Module hooks (registered by import-trace-preload): append `<resolved url> <parent url>` for every module any thread
 * of the process resolves (worker threads included) to $IMPORT_TRACE_FILE.
 */

const file = process.env.IMPORT_TRACE_FILE;

/** Records each resolution, then lets it proceed unchanged. */
export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  const resolved = await nextResolve(specifier, context);
  if (file !== undefined) appendFileSync(file, `${resolved.url} ${context.parentURL ?? ''}\n`);
  return resolved;
};
