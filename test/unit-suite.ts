/**
 * The fast loop in one process: imports every unit and property test file (and the golden star-tree), so `make
 * test-unit` pays Node's start-up and module loading once instead of once per file.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const files = (dir: string): string[] =>
  readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? files(full) : name.endsWith('.test.js') ? [full] : [];
    });
for (const file of [
  ...files(path.join(here, 'unit')),
  ...files(path.join(here, 'property')),
  path.join(here, 'golden', 'tiny-tree.test.js'),
]) {
  await import(pathToFileURL(file).href);
}
