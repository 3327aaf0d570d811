import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { writeSampleDay } from '../../src/sample/write-sample-day.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { openOracle, sqlString } from '../helpers/duckdb.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** The first ```sql block of a Markdown file under docs/. */
async function firstSqlBlock(doc: string): Promise<string> {
  const text = await readFile(new URL(`../../../docs/${doc}`, import.meta.url), 'utf8');
  const block = /```sql\n([\s\S]*?)```/.exec(text);
  assert.ok(block, `docs/${doc} has no sql block`);
  return block[1]!;
}

it("the documented DuckDB recipes (base files, a cuboid) give the raw data's network bytes per hour", async () => {
  const dir = await makeTempDir('recipe');
  const db = await openOracle();
  try {
    const date = '2026-11-24';
    const store = new LocalStore(dir.path);
    await writeSampleDay(store, { date, rows: 50_000, seed: 9 });
    const config = await loadJobConfig();
    await runRollup({ store, config, configHash: hashJobConfig(config), date, workers: 0 });
    const recipe = (await firstSqlBlock('data-contract.md')).replaceAll("'data/", `'${dir.path}/`);
    const [setVariable, query] = recipe
      .split(';')
      .map((s) => s.trim())
      .filter((s) => s.length > 0) as [string, string];
    const [{ tenant }] = (await db.rows(
      `SELECT tenant FROM read_parquet(${sqlString(`${dir.path}/raw/dt=${date}/*/*.parquet`)}) WHERE metric = 'sent_bytes' GROUP BY tenant ORDER BY count(*) DESC LIMIT 1`,
    )) as [{ tenant: string }];
    await db.run(setVariable);
    const ours = await db.rows(query.replace("'tn-0001-wayne'", sqlString(tenant)));
    await db.run(`SET TimeZone = 'UTC'`);
    const raw = await db.rows(`SELECT date_trunc('hour', timestamp::TIMESTAMP) AS hour, sum(value) AS network_bytes
      FROM read_parquet(${sqlString(`${dir.path}/raw/dt=${date}/*/*.parquet`)})
      WHERE metric IN ('received_bytes', 'sent_bytes') AND tenant = ${sqlString(tenant)} AND NOT isnan(value)
        AND timestamp::TIMESTAMP >= DATE '${date}' AND timestamp::TIMESTAMP < DATE '${date}' + INTERVAL 1 DAY
      GROUP BY hour ORDER BY hour`);
    assert.equal(ours.length, 24);
    assert.equal(raw.length, 24);
    ours.forEach((row, i) => {
      const want = Number(raw[i]!.network_bytes);
      assert.equal(new Date(row.hour as string).getTime(), new Date(raw[i]!.hour as string).getTime());
      assert.ok(
        Math.abs(Number(row.network_bytes) - want) <= 1e-9 * want,
        `hour ${i}: ${String(row.network_bytes)} vs ${want}`,
      );
    });

    const cuboidRecipe = (await firstSqlBlock('star-tree-and-queries.md')).replaceAll("'data/", `'${dir.path}/`);
    const [setCuboidFiles, cuboidQuery] = cuboidRecipe
      .split(';')
      .map((x) => x.replace(/^\s*--.*$/gm, '').trim())
      .filter((x) => x.length > 0) as [string, string];
    await db.run(setCuboidFiles);
    const perTenant = await db.rows(cuboidQuery);
    const rawPerTenant =
      await db.rows(`SELECT date_trunc('hour', timestamp::TIMESTAMP) AS hour, tenant, sum(value) AS network_bytes
      FROM read_parquet(${sqlString(`${dir.path}/raw/dt=${date}/*/*.parquet`)})
      WHERE metric IN ('received_bytes', 'sent_bytes') AND NOT isnan(value)
        AND timestamp::TIMESTAMP >= DATE '${date}' AND timestamp::TIMESTAMP < DATE '${date}' + INTERVAL 1 DAY
      GROUP BY ALL ORDER BY hour, tenant`);
    assert.ok(perTenant.length >= 24);
    assert.equal(perTenant.length, rawPerTenant.length);
    perTenant.forEach((row, i) => {
      assert.equal(row.tenant, rawPerTenant[i]!.tenant);
      const want = Number(rawPerTenant[i]!.network_bytes);
      assert.ok(
        Math.abs(Number(row.network_bytes) - want) <= 1e-9 * want,
        `${String(row.tenant)}: ${String(row.network_bytes)} vs ${want}`,
      );
    });
  } finally {
    db.close();
    await dir.remove();
  }
});
