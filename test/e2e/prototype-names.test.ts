import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { defaultJobConfigPath } from '../../src/config/load-job-config.js';
import { openRollups } from '../../src/serve/open-rollups.js';
import { serveRollups } from '../../src/serve/serve-rollups.js';
import { openOracle, sqlString, type Oracle } from '../helpers/duckdb.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// Metric names and dimension values that plain JavaScript objects already "have" must be ordinary names:
// counted, written, queryable over the CLI and HTTP, and listed as unknown when the catalog lacks them.

const date = '2026-11-24';
const protoNames = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'] as const;
const catalogued = ['constructor', '__proto__', 'toString'] as const; // the other two stay out of the catalog

/**
 * A job config file: the default job with `metrics` added to its catalog, written as JSON text (so `__proto__` is a
 * key).
 */
async function writeJob(path: string, metrics: readonly string[], policy: 'fail' | 'skip'): Promise<void> {
  const job = JSON.parse(await readFile(defaultJobConfigPath, 'utf8')) as { metrics: Record<string, unknown> };
  const extra = JSON.parse(
    `{${metrics.map((m) => `${JSON.stringify(m)}: {"kind": "delta", "unit": "bytes", "description": "a metric named ${m}"}`).join(', ')}}`,
  ) as Record<string, unknown>;
  // spreads copy `__proto__` as an own key
  await writeFile(path, JSON.stringify({ ...job, metrics: { ...job.metrics, ...extra }, unknownMetricPolicy: policy }));
}

describe('names that are properties of JavaScript objects', { timeout: 300_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let db: Oracle;
  let rawGlob: string;
  before(async () => {
    dir = await makeTempDir('proto-names');
    db = await openOracle();
    await db.run(`SET TimeZone = 'UTC'`);
    const file = `${dir.path}/raw/dt=${date}/hr=05/part-0.parquet`;
    await mkdir(`${dir.path}/raw/dt=${date}/hr=05`, { recursive: true });
    const names = `[${[...protoNames, 'received_bytes'].map(sqlString).join(', ')}]`;
    await db.run(`COPY (SELECT TIMESTAMP '${date} 05:00:00' + to_seconds(i * 7) AS timestamp, ${names}[1 + i % 6] AS metric, ((i % 11) * 1.5)::DOUBLE AS value,
        'eu-west-1' AS region, ${names}[1 + (i // 6) % 5] AS tenant, 'lkc-1' AS cluster, 'b-' || (i % 2) AS broker, 'topic-' || (i % 3) AS topic, (i % 4)::VARCHAR AS partition
      FROM range(0, 480) t(i)) TO ${sqlString(file)} (FORMAT parquet)`);
    rawGlob = `${dir.path}/raw/dt=*/*/*.parquet`;
    await writeJob(`${dir.path}/skip.json`, catalogued, 'skip');
    await writeJob(`${dir.path}/fail.json`, catalogued, 'fail');
  });
  after(async () => {
    db.close();
    await dir.remove();
  });

  it('a catalog missing hasOwnProperty and valueOf fails the run naming both (policy "fail")', async () => {
    const r = await runCli(['run', '--date', date, '--store', dir.path, '--config', `${dir.path}/fail.json`]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /'hasOwnProperty' \(80 rows, in raw\/dt=\S+\.parquet\); 'valueOf' \(80 rows, in /);
  });

  it('with policy "skip": every catalogued row is written, the others are counted as unknown by name', async () => {
    const r = await runCli(['run', '--date', date, '--store', dir.path, '--config', `${dir.path}/skip.json`]);
    assert.equal(r.code, 0, r.stderr);
    const manifest = JSON.parse(await readFile(`${dir.path}/rollup/hour/dt=${date}/_manifest.json`, 'utf8')) as {
      rows: { in: number; accepted: number; out: number; rejected: Record<string, number> };
      unknownMetrics: Record<string, number>;
      outputs: { key: string }[];
    };
    assert.deepEqual(Object.entries(manifest.unknownMetrics), [
      ['hasOwnProperty', 80],
      ['valueOf', 80],
    ]);
    assert.equal(manifest.rows.in, 480);
    assert.equal(manifest.rows.rejected.unknown_metric, 160);
    assert.equal(manifest.rows.accepted, 320);
    const files = `[${manifest.outputs.map((o) => sqlString(`${dir.path}/${o.key}`)).join(', ')}]`;
    const ours = await db.rows(
      `SELECT metric, sum(count)::INTEGER AS n FROM read_parquet(${files}) GROUP BY metric ORDER BY metric`,
    );
    const raw = await db.rows(
      `SELECT metric, count(*)::INTEGER AS n FROM read_parquet(${sqlString(rawGlob)}) WHERE metric NOT IN ('hasOwnProperty', 'valueOf') GROUP BY metric ORDER BY metric`,
    );
    assert.deepEqual(ours, raw);
    const [groups] = await db.rows(
      `SELECT count(*)::INTEGER AS n FROM (SELECT DISTINCT date_trunc('hour', timestamp), metric, tenant, broker, topic, partition FROM read_parquet(${sqlString(rawGlob)}) WHERE metric NOT IN ('hasOwnProperty', 'valueOf'))`,
    );
    assert.equal(manifest.rows.out, groups!.n);
  });

  it('query --metric constructor answers like DuckDB, also filtered on a dimension value named __proto__', async () => {
    const r = await runCli([
      'query',
      '--store',
      dir.path,
      '--config',
      `${dir.path}/skip.json`,
      '--metric',
      'constructor',
      '--from',
      date,
      '--to',
      '2026-11-25',
      '--group-by',
      'tenant',
      '--format',
      'json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const expected =
      await db.rows(`SELECT strftime(date_trunc('hour', timestamp), '%Y-%m-%dT%H:%M:%S.000Z') AS time, tenant, sum(value) AS value
      FROM read_parquet(${sqlString(rawGlob)}) WHERE metric = 'constructor' GROUP BY ALL ORDER BY time, tenant`);
    assert.ok(expected.length >= 5);
    assert.deepEqual(JSON.parse(r.stdout), expected);
    const filtered = await runCli([
      'query',
      '--store',
      dir.path,
      '--config',
      `${dir.path}/skip.json`,
      '--metric',
      '__proto__',
      '--from',
      date,
      '--to',
      '2026-11-25',
      '--where',
      'tenant=__proto__,toString',
      '--agg',
      'count',
      '--format',
      'json',
    ]);
    assert.equal(filtered.code, 0, filtered.stderr);
    const [count] = await db.rows(
      `SELECT count(*)::INTEGER AS n FROM read_parquet(${sqlString(rawGlob)}) WHERE metric = '__proto__' AND tenant IN ('__proto__', 'toString')`,
    );
    assert.equal(
      (JSON.parse(filtered.stdout) as { value: number }[]).reduce((a, x) => a + x.value, 0),
      count!.n,
    );
    const unknown = await runCli([
      'query',
      '--store',
      dir.path,
      '--config',
      `${dir.path}/skip.json`,
      '--metric',
      'valueOf',
      '--from',
      date,
      '--to',
      '2026-11-25',
    ]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /metric 'valueOf' is not in the metric catalog/);
  });

  it('serve answers /query?metric=constructor with 200 and refuses valueOf (not catalogued) with 400', async () => {
    const server: Server = await serveRollups(await openRollups({ store: dir.path, config: `${dir.path}/skip.json` }), {
      host: '127.0.0.1',
      port: 0,
    });
    try {
      const address = server.address();
      const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      for (const metric of catalogued) {
        const ok = await fetch(
          `${base}/query?metric=${encodeURIComponent(metric)}&from=${date}&to=2026-11-25&grain=day&group-by=tenant&where=tenant=constructor,hasOwnProperty`,
        );
        assert.equal(ok.status, 200, metric);
        const expected =
          await db.rows(`SELECT '${date}T00:00:00.000Z' AS time, tenant, sum(value) AS value FROM read_parquet(${sqlString(rawGlob)})
          WHERE metric = ${sqlString(metric)} AND tenant IN ('constructor', 'hasOwnProperty') GROUP BY tenant ORDER BY tenant`);
        assert.deepEqual(await ok.json(), expected);
      }
      const refused = await fetch(`${base}/query?metric=valueOf&from=${date}&to=2026-11-25`);
      assert.equal(refused.status, 400);
      assert.match(
        ((await refused.json()) as { error: string }).error,
        /metric 'valueOf' is not in the metric catalog/,
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
