import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { writeSampleDay } from '../../src/sample/write-sample-day.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { openOracle } from '../helpers/duckdb.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { expectedRowsFromRaw, type GoldenDay } from './golden-rows.js';

// Regenerates test/golden/tiny-day.expected.json: DuckDB's base rollup of the golden day (never our own output).
// Run: npx tsc -p . && node dist/test/golden/make-golden.js
const source = fileURLToPath(new URL('../../../test/golden/', import.meta.url));
const day = JSON.parse(await readFile(`${source}tiny-day.json`, 'utf8')) as GoldenDay;
const dir = await makeTempDir('golden');
try {
  await writeSampleDay(new LocalStore(dir.path), { date: day.date, rows: day.rows, seed: day.seed });
  const db = await openOracle(1);
  const rows = await expectedRowsFromRaw(db, `${dir.path}/raw/dt=${day.date}/*/*.parquet`, day.date);
  db.close();
  await writeFile(`${source}tiny-day.expected.json`, JSON.stringify(rows, null, 1) + '\n');
  process.stdout.write(`wrote ${rows.length} expected rows\n`);
} finally {
  await dir.remove();
}
