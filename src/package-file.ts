/**
 * A file of this package by its path from the package root (`package.json`, `jobs/default-job.json`). This module
 * sits two directories below the root wherever it runs: compiled (dist/src/) and bundled into the CLI (dist/cli/).
 */
export function packageFile(fromRoot: string): URL {
  return new URL(`../../${fromRoot}`, import.meta.url);
}
