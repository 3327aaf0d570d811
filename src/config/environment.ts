/** The job's view of its environment: the one place that reads process.env. */

/** The store location used when no --store is given: ROLLUP_STORE, else the local directory ./data. */
export function defaultStoreLocation(env: NodeJS.ProcessEnv = process.env): string {
  const value = env.ROLLUP_STORE?.trim();
  return value ? value : './data';
}

/** Whether logs go to a person (progress bar) rather than a collector (JSON lines). */
export function isInteractive(
  stream: NodeJS.WriteStream = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return stream.isTTY === true && env.CI !== 'true';
}

/**
 * Silences the AWS SDK's notice that its releases after January 2027 need Node 22: this tool targets Node 20,
 * the SDK version is pinned by package-lock.json, and the multi-line notice would break JSON-lines logs.
 */
export function silenceKnownRuntimeNotices(env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

const closedPipesIgnored = new WeakSet<NodeJS.WritableStream>();

/**
 * Lets a reader close our output early (`telemetry-rollup verify | head -3`): a write to a closed pipe (EPIPE) is
 * dropped instead of crashing the process with an unhandled 'error' event; the command finishes with its own exit
 * code. Any other error of the stream is thrown as before.
 */
export function ignoreClosedPipes(streams: readonly NodeJS.WritableStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    if (closedPipesIgnored.has(stream)) continue; // main runs many times in one test process
    closedPipesIgnored.add(stream);
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
}
