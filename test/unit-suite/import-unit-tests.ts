/**
 * The fast loop in few processes: each part imports its share of the unit and property test files (and the golden
 * star-tree), so `make test-unit` pays Node's start-up and module loading once per part instead of once per file, and
 * the parts run side by side on the machine's cores.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const testRoot = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/**
 * Seconds each slow file took alone (2026-11-28, 2-core machine); every other file counts as `otherSeconds`. Only the
 * balance of the parts depends on these: a stale or missing entry makes one part finish later, never skips a test.
 */
const slowFileSeconds: ReadonlyMap<string, number> = new Map([
  ['unit/sample/generate-sample-day.test.js', 5.0],
  ['unit/ingest/byte-dictionary.test.js', 2.8],
  ['unit/measures/hyperloglog.test.js', 2.7],
  ['unit/parquet/project-footer.test.js', 2.7],
  ['unit/ingest/series-aggregate.test.js', 1.8],
  ['unit/storage/local-store.test.js', 1.7],
  ['unit/measures/quantile-sketch.test.js', 1.7],
  ['unit/rollup/day-key-sketch.test.js', 1.6],
  ['unit/query/cube-cache.test.js', 1.3],
]);
const otherSeconds = 0.3;

function testFilesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? testFilesUnder(full) : name.endsWith('.test.js') ? [full] : [];
    });
}

/** The test files of each of `parts` parts: slowest first, each to the part with the least time so far. */
export function unitTestParts(parts: number): string[][] {
  const files = [
    ...testFilesUnder(path.join(testRoot, 'unit')),
    ...testFilesUnder(path.join(testRoot, 'property')),
    path.join(testRoot, 'golden', 'tiny-tree.test.js'),
  ];
  const seconds = (file: string) => slowFileSeconds.get(path.relative(testRoot, file)) ?? otherSeconds;
  const bySlowest = files.map((file) => ({ file, seconds: seconds(file) })).sort((a, b) => b.seconds - a.seconds);
  const assigned = Array.from({ length: parts }, () => ({ files: [] as string[], seconds: 0 }));
  for (const { file, seconds } of bySlowest) {
    const least = assigned.reduce((best, part) => (part.seconds < best.seconds ? part : best));
    least.files.push(file);
    least.seconds += seconds;
  }
  return assigned.map((part) => part.files.sort());
}

/** Imports the test files of part `part` (0-based) of `parts`. */
export async function importUnitTests(part: number, parts: number): Promise<void> {
  for (const file of unitTestParts(parts)[part] ?? []) await import(pathToFileURL(file).href);
}
