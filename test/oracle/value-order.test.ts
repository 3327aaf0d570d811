import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { startCliHost } from '../helpers/cli-host.js';
import { openOracle, sqlString, type Oracle } from '../helpers/duckdb.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// Dimension values whose UTF-16 code unit order differs from their UTF-8 bytes' order (a character past U+FFFF
// against U+E000-U+FFFF): the files are sorted, and the manifest's per-segment min/max recorded, in the order DuckDB,
// Parquet's own statistics and every SQL engine use, so a reader that prunes segments by them keeps the one it needs.
const host = startCliHost();
after(() => host.stop());

const date = '2026-11-20';
const tenants = ['A', 'z', '\u00e9', '\ue000', '\uff5a', '\u{1f600}']; // chr(65), ..., chr(128512) below

describe('dimension values in code point order', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let db: Oracle;
  let raw: string;
  before(async () => {
    dir = await makeTempDir('value-order');
    db = await openOracle(1);
    const folder = `${dir.path}/raw/dt=${date}/hr=05`;
    await mkdir(folder, { recursive: true });
    raw = `${folder}/a.parquet`;
    const chars = [65, 122, 233, 57344, 65370, 128512].map((c) => `chr(${c})`).join(', ');
    await db.run(
      `COPY (SELECT TIMESTAMPTZ '${date} 05:00:00+00' + to_seconds(i) AS "timestamp", 'received_bytes' AS metric,
         (i % 97)::DOUBLE AS "value", 'r' AS region, [${chars}][1 + i % 6] AS tenant, 'c' || (i % 3) AS "cluster",
         'b' AS broker, 't' || (i % 2) AS topic, (i % 5)::INTEGER AS "partition"
       FROM range(600) t(i)) TO ${sqlString(raw)} (FORMAT parquet)`,
    );
    const run = await host.run(['run', '--date', date, '--store', dir.path]);
    assert.equal(run.code, 0, run.stderr);
  });
  after(async () => {
    db.close();
    await dir.remove();
  });

  it("records each segment's min and max as DuckDB orders the values, and sorts the files that way", async () => {
    const [oracle] = await db.rows(`SELECT min(tenant) AS lo, max(tenant) AS hi FROM read_parquet(${sqlString(raw)})`);
    assert.deepEqual([oracle!.lo, oracle!.hi], ['A', '\u{1f600}']);
    for (const tier of ['hour', 'day']) {
      const manifest = JSON.parse(await readFile(`${dir.path}/rollup/${tier}/dt=${date}/_manifest.json`, 'utf8')) as {
        outputs: { key: string }[];
        segments: { list: { stats: Record<string, { min: string; max: string }> }[] };
      };
      for (const s of manifest.segments.list)
        assert.deepEqual([s.stats.tenant!.min, s.stats.tenant!.max], ['A', '\u{1f600}']);
      for (const { key } of manifest.outputs.filter((o) => /\/part-[^/]*\.parquet$/.test(o.key))) {
        const file = sqlString(`${dir.path}/${key}`);
        // the base records in file order: sorted by (hour, metric, region, tenant, ...), one hour, metric and region
        const [order] = await db.rows(
          `SELECT count(*) FILTER (WHERE prev > tenant)::INTEGER AS inversions, count(DISTINCT tenant)::INTEGER AS n
           FROM (SELECT tenant, lag(tenant) OVER (ORDER BY file_row_number) AS prev
                 FROM read_parquet(${file}, file_row_number = true))`,
        );
        assert.deepEqual([order!.inversions, order!.n], [0, 6], key);
      }
    }
  });

  it('finds every value by filter, and lists them in that order', async () => {
    const sums = await db.rows(
      `SELECT tenant, sum("value") AS s FROM read_parquet(${sqlString(raw)}) GROUP BY tenant ORDER BY tenant`,
    );
    assert.deepEqual(
      sums.map((r) => r.tenant),
      tenants,
    );
    for (const { tenant, s } of sums) {
      const r = await host.run([
        ...['query', '--store', dir.path, '--metric', 'received_bytes', '--from', date, '--to', '2026-11-21'],
        ...['--grain', 'day', '--agg', 'sum', '--where', `tenant=${String(tenant)}`, '--format', 'json'],
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(
        (JSON.parse(r.stdout) as { value: number }[]).map((x) => x.value),
        [Number(s)],
        String(tenant),
      );
    }
    // grouped answers come in that order too, with the no-data message naming '' as ''
    const grouped = await host.run([
      ...['query', '--store', dir.path, '--metric', 'received_bytes', '--from', date, '--to', '2026-11-21'],
      ...['--grain', 'day', '--agg', 'sum', '--group-by', 'tenant', '--format', 'json'],
    ]);
    assert.equal(grouped.code, 0, grouped.stderr);
    assert.deepEqual(
      (JSON.parse(grouped.stdout) as { tenant: string }[]).map((r) => r.tenant),
      tenants,
    );
    const none = await host.run([
      ...['query', '--store', dir.path, '--metric', 'received_bytes', '--from', date, '--to', '2026-11-21'],
      ...['--where', 'tenant=', '--where', 'cluster=c1'],
    ]);
    assert.equal(none.code, 3, none.stderr);
    assert.ok(none.stderr.includes("query no data for metric received_bytes where tenant='' where cluster=c1 from"));
    const values = await host.run(['values', '--store', dir.path, '--dim', 'tenant', '--format', 'json']);
    assert.equal(values.code, 0, values.stderr);
    assert.deepEqual((JSON.parse(values.stdout) as { values: string[] }).values, tenants);
  });
});
