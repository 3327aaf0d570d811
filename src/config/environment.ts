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
