import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { hashJobConfig, parseJobConfig } from '../../src/config/load-job-config.js';
import { openRollups } from '../../src/serve/open-rollups.js';
import type { QueryAggregate } from '../../src/query/run-query.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { openOracle, sqlString, type Oracle } from '../helpers/duckdb.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// Metric names, dimension values and dimension names drawn from the properties plain objects already have, plus
// random strings, go through the whole pipeline (raw Parquet -> rollup -> cube -> query); DuckDB's GROUP BY over the
// raw file is the oracle for the base records, for the unknown-metric counts and for every query answer.

const date = '2026-11-24';
const dayStart = Date.UTC(2026, 10, 24);
const protoNames = [...Object.getOwnPropertyNames(Object.prototype), 'prototype', '__proto__'];
const name = fc.oneof(fc.constantFrom(...protoNames), fc.string({ minLength: 1, maxLength: 6 }));
const dims = ['constructor', '__proto__'] as const; // dimension (column) names are such names too

const scenario = fc.uniqueArray(name, { minLength: 1, maxLength: 4 }).chain((catalog) =>
  fc.record({
    catalog: fc.constant(catalog),
    rows: fc.array(
      fc.record({
        metric: fc.oneof(fc.constantFrom(...catalog), name),
        d0: fc.option(name, { nil: null, freq: 6 }),
        d1: fc.option(name, { nil: null, freq: 6 }),
        second: fc.integer({ min: 0, max: 86_399 }),
        value: fc.integer({ min: -4000, max: 4000 }).map((v) => v / 4), // exact in binary: sums do not depend on order
      }),
      { minLength: 1, maxLength: 80 },
    ),
  }),
);

/**
 * The default job with these catalog metrics (even: delta, odd: gauge) and the two dimensions, parsed from JSON text.
 */
function jobOf(catalog: readonly string[]) {
  const metrics = Object.fromEntries(
    catalog.map(
      (m, i) => [m, { kind: i % 2 === 0 ? 'delta' : 'gauge', unit: 'u', description: `metric ${m}` }] as const,
    ),
  );
  const job = {
    name: 'prototype-names',
    raw: {
      prefix: 'raw',
      columns: { timestamp: 'timestamp', metric: 'metric', value: 'value' },
      dimensions: dims,
      lateArrivalHours: 0,
    },
    metrics,
    unknownMetricPolicy: 'skip',
    cube: {
      dimensionsSplitOrder: ['metric', ...dims],
      skipStarNodeCreationFor: ['metric'],
      maxLeafRecords: 2,
      hierarchy: Object.fromEntries([['__proto__', 'constructor']]),
      cuboids: [{ name: 'by_constructor', dimensions: ['metric', 'constructor'] }],
    },
    output: {
      prefix: 'rollup',
      tiers: [
        { grain: 'hour', dropDimensions: [] },
        { grain: 'day', dropDimensions: ['__proto__'] },
      ],
    },
  };
  return parseJobConfig(JSON.parse(JSON.stringify(job)), 'prototype-names job');
}

describe('names that are properties of JavaScript objects, through the whole pipeline', { timeout: 600_000 }, () => {
  let db: Oracle;
  before(async () => {
    db = await openOracle();
    await db.run(`SET TimeZone = 'UTC'`);
  });
  after(() => db.close());

  it('rollup, unknown-metric counts and queries equal DuckDB over the raw file', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ catalog, rows }) => {
        const dir = await makeTempDir('proto-pipeline');
        try {
          const config = jobOf(catalog);
          const file = `${dir.path}/raw/dt=${date}/hr=00/part-0.parquet`;
          await mkdir(`${dir.path}/raw/dt=${date}/hr=00`, { recursive: true });
          const v = (s: string | null): string => (s === null ? 'NULL::VARCHAR' : sqlString(s));
          const values = rows
            .map((r) => `(${r.second}, ${sqlString(r.metric)}, ${r.value}::DOUBLE, ${v(r.d0)}, ${v(r.d1)})`)
            .join(', ');
          await db.run(`COPY (SELECT TIMESTAMP '${date}' + to_seconds(s) AS timestamp, metric, value, d0 AS "constructor", d1 AS "__proto__"
            FROM (VALUES ${values}) t(s, metric, value, d0, d1)) TO ${sqlString(file)} (FORMAT parquet)`);
          const store = new LocalStore(dir.path);
          const result = await runRollup({ store, config, configHash: hashJobConfig(config), date, workers: 0 });
          const manifest = JSON.parse(new TextDecoder().decode(await store.get(result.manifestKey))) as {
            outputs: { key: string }[];
            unknownMetrics: Record<string, number>;
            rows: { accepted: number };
          };

          const catalogued = new Set(catalog);
          const unknown = new Map<string, number>();
          for (const r of rows) if (!catalogued.has(r.metric)) unknown.set(r.metric, (unknown.get(r.metric) ?? 0) + 1);
          const byName = ([a]: [string, number], [b]: [string, number]): number => (a < b ? -1 : a > b ? 1 : 0);
          assert.deepEqual(Object.entries(manifest.unknownMetrics).sort(byName), [...unknown].sort(byName));
          assert.equal(
            result.rejected.unknown_metric,
            [...unknown.values()].reduce((a, b) => a + b, 0),
          );

          // The base records against DuckDB's GROUP BY over the catalogued rows of the raw file (column names quoted).
          await db.run(
            `CREATE OR REPLACE TEMP VIEW raw AS SELECT * FROM read_parquet(${sqlString(file)}) WHERE metric IN (${catalog.map(sqlString).join(', ')})`,
          );
          const ours =
            await db.rows(`SELECT epoch_ms(hour) AS h, metric, "constructor" AS d0, "__proto__" AS d1, count, sum, min, max
            FROM read_parquet([${manifest.outputs.map((o) => sqlString(`${dir.path}/${o.key}`)).join(', ')}]) ORDER BY ALL`);
          const expected =
            await db.rows(`SELECT epoch_ms(date_trunc('hour', timestamp)) AS h, metric, "constructor" AS d0, "__proto__" AS d1,
              count(*) AS count, sum(value) AS sum, min(value) AS min, max(value) AS max FROM raw GROUP BY ALL ORDER BY ALL`);
          assert.deepEqual(ours, expected);
          assert.equal(manifest.rows.accepted, rows.length - result.rejected.unknown_metric);

          // Queries: hourly by one dimension, filtered on the other; daily (day tier) by the kept dimension.
          const rollups = await openRollups({ store, config });
          for (const [i, metric] of catalog.entries()) {
            const aggs: QueryAggregate[] = i % 2 === 0 ? ['sum', 'count', 'max'] : ['avg', 'count', 'min'];
            const filterValues = [
              ...new Set(
                rows
                  .filter((r) => r.metric === metric)
                  .map((r) => r.d0)
                  .filter((x): x is string => x !== null),
              ),
            ].slice(0, 2);
            for (const agg of aggs) {
              const sqlAgg = {
                sum: 'sum(value)',
                count: 'count(*)::DOUBLE',
                max: 'max(value)',
                min: 'min(value)',
                avg: 'avg(value)',
              }[agg as 'sum'];
              const cases = [
                {
                  grain: 'hour' as const,
                  groupBy: ['__proto__'],
                  where: Object.fromEntries([['constructor', filterValues]]),
                  sqlGroup: `"__proto__"`,
                  sqlWhere: `"constructor" IN (${filterValues.map(sqlString).join(', ') || 'NULL'})`,
                  bucket: 'hour',
                },
                {
                  grain: 'day' as const,
                  groupBy: ['constructor'],
                  where: {},
                  sqlGroup: `"constructor"`,
                  sqlWhere: 'true',
                  bucket: 'day',
                },
              ];
              for (const c of cases) {
                const answer = await rollups.query({
                  metric,
                  fromMs: dayStart,
                  toMs: dayStart + 86_400_000,
                  grain: c.grain,
                  groupBy: c.groupBy,
                  where: c.where,
                  agg,
                });
                const oracle =
                  await db.rows(`SELECT epoch_ms(date_trunc('${c.bucket}', timestamp)) AS t, ${c.sqlGroup} AS g, ${sqlAgg} AS value
                  FROM raw WHERE metric = ${sqlString(metric)} AND ${c.sqlWhere} GROUP BY ALL`);
                const want = new Map(
                  oracle.map((r) => [
                    JSON.stringify([new Date(Number(r.t)).toISOString(), r.g ?? null]),
                    Number(r.value),
                  ]),
                );
                const got = new Map(answer.rows.map((r) => [JSON.stringify([r.time, r.groups[0] ?? null]), r.value]));
                assert.equal(
                  got.size,
                  want.size,
                  `${metric} ${agg} ${c.grain}: ${JSON.stringify([...got])} vs ${JSON.stringify([...want])}`,
                );
                for (const [k, value] of want) {
                  const ourValue = got.get(k);
                  assert.ok(
                    ourValue !== undefined && Math.abs(ourValue - value) <= 1e-9 * Math.max(1, Math.abs(value)),
                    `${metric} ${agg} ${c.grain} ${k}: ours ${ourValue}, DuckDB ${value}`,
                  );
                }
              }
            }
          }
        } finally {
          await dir.remove();
        }
      }),
      { numRuns: 20 },
    );
  });
});
