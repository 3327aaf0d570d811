import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { writeSampleDay } from '../../src/sample/write-sample-day.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { openOracle } from '../helpers/duckdb.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { actualRowsFromOutput, type GoldenDay, type GoldenRow } from './golden-rows.js';

const source = fileURLToPath(new URL('../../../test/golden/', import.meta.url));

it('the golden day rolls up to the checked-in rows (computed by DuckDB from the raw files)', async () => {
  const day = JSON.parse(await readFile(`${source}tiny-day.json`, 'utf8')) as GoldenDay;
  const expected = JSON.parse(await readFile(`${source}tiny-day.expected.json`, 'utf8')) as GoldenRow[];
  const dir = await makeTempDir('golden');
  const db = await openOracle(1);
  try {
    const store = new LocalStore(dir.path);
    await writeSampleDay(store, { date: day.date, rows: day.rows, seed: day.seed });
    const config = await loadJobConfig();
    const result = await runRollup({ store, config, configHash: hashJobConfig(config), date: day.date, workers: 1 });
    const manifest = JSON.parse(await readFile(`${dir.path}/${result.manifestKey}`, 'utf8')) as {
      outputs: { key: string }[];
    };
    const actual = await actualRowsFromOutput(
      db,
      manifest.outputs.map((o) => `${dir.path}/${o.key}`),
    );
    assert.equal(actual.length, expected.length);
    actual.forEach((row, i) => {
      const want = expected[i]!;
      const { sum: gotSum, ...gotRest } = row;
      const { sum: wantSum, ...wantRest } = want;
      assert.deepEqual(gotRest, wantRest, `row ${i}`);
      assert.ok(
        Math.abs(Number(gotSum) - Number(wantSum)) <= 1e-9 * Math.abs(Number(wantSum)),
        `row ${i} sum ${gotSum} vs ${wantSum}`,
      );
    });
  } finally {
    db.close();
    await dir.remove();
  }
});
