import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';
import { diffBaseRollup } from '../helpers/base-rollup-oracle.js';
import { withRolledUpDay } from '../helpers/rolled-up-day.js';

it("the base rollup of a generated day equals DuckDB's GROUP BY on the same raw files", async () => {
  await withRolledUpDay('oracle', { rows: 400_000, seed: 5, workers: 2 }, async ({ dir, config, date, result, db }) => {
    const manifest = JSON.parse(await readFile(`${dir}/${result.manifestKey}`, 'utf8')) as {
      outputs: { key: string }[];
      rows: { in: number; accepted: number };
    };
    const diff = await diffBaseRollup(db, {
      rawGlob: `${dir}/raw/dt=${date}/*/*.parquet`,
      outputFiles: manifest.outputs.map((o) => `${dir}/${o.key}`),
      date,
      dimensions: config.raw.dimensions,
    });
    assert.ok(diff.expectedRows > 5000, `${diff.expectedRows} groups`);
    assert.deepEqual(
      {
        missing: diff.missing,
        extra: diff.extra,
        count: diff.countDiff,
        min: diff.minDiff,
        max: diff.maxDiff,
        last: diff.lastDiff,
        sum: diff.sumDiff,
        rows: diff.actualRows,
      },
      { missing: 0, extra: 0, count: 0, min: 0, max: 0, last: 0, sum: 0, rows: diff.expectedRows },
    );
    assert.equal(manifest.rows.in, 400_000);
    assert.equal(manifest.rows.accepted, diff.acceptedRows);
    assert.ok(result.rejected.null_value > 0 && result.rejected.nan_value > 0, JSON.stringify(result.rejected));
    const rows = (manifest as unknown as { rows: { routed: number; late: number } }).rows;
    assert.ok(rows.routed > 0, 'the generator writes a few rows of the previous day into hr=00: routed to that day');
  });
});
