import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { JobConfig } from '../../src/config/job-config.js';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import { shardOfValue } from '../../src/ingest/series-shard.js';
import type { Logger } from '../../src/logger.js';
import type { Manifest } from '../../src/partition/manifest.js';
import { loadPartition } from '../../src/partition/load-partition.js';
import { aggregatesByKind, CubeCache, runQuery, type Query } from '../../src/query/run-query.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { writeSampleDay } from '../../src/sample/write-sample-day.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { openOracle, sqlString } from '../helpers/duckdb.js';
import { dayShardRecords } from '../../src/rollup/plan-shards.js';

const date = '2026-11-24';
const shardCounts = [1, 3, 8] as const;

interface Built {
  readonly store: LocalStore;
  readonly manifest: Manifest;
  readonly config: JobConfig;
}

const withShards = (base: JobConfig, shards: number): JobConfig => ({
  ...base,
  output: { ...base.output, segments: { ...base.output.segments, shards } },
});

async function build(
  root: string,
  base: JobConfig,
  shards: number,
  memoryBytes?: number,
  logger?: Logger,
): Promise<Built> {
  const store = new LocalStore(root);
  await writeSampleDay(store, { date, rows: 60_000, seed: 7 });
  const config = withShards(base, shards);
  const result = await runRollup({
    store,
    config,
    configHash: hashJobConfig(config),
    date,
    workers: 0,
    ...(memoryBytes !== undefined ? { memoryBytes } : {}),
    ...(logger ? { logger } : {}),
  });
  const manifest = JSON.parse(new TextDecoder().decode(await store.get(result.manifestKey))) as Manifest;
  return { store, manifest, config };
}

describe('segments: hour x shard', { timeout: 600_000 }, () => {
  const dirs: { remove: () => Promise<void> }[] = [];
  const built = new Map<number, Built>();
  let split: Built; // 3 shards in a budget so small that hour segments are built as parts (48 of the 96)
  let base: JobConfig;
  before(async () => {
    base = await loadJobConfig();
    for (const s of shardCounts) {
      const dir = await makeTempDir(`segments-${s}`);
      dirs.push(dir);
      built.set(s, await build(dir.path, base, s));
    }
    const dir = await makeTempDir('segments-parts');
    dirs.push(dir);
    split = await build(dir.path, base, 3, 6 * 1024 * 1024);
  });
  after(async () => {
    for (const d of dirs) await d.remove();
  });

  it('cuts every hour into the declared shards, each series in the shard of its cluster', () => {
    for (const s of shardCounts) {
      const m = built.get(s)!.manifest;
      assert.equal(m.segments?.shards, s);
      assert.equal(m.segments?.partitionDimension, 'cluster');
      const hours = new Set(m.segments!.list.map((g) => g.hour));
      assert.equal(hours.size, 24);
      for (const g of m.segments!.list) {
        const { min, max } = g.stats.cluster!;
        assert.equal(shardOfValue(min, s), g.shard);
        assert.equal(shardOfValue(max, s), g.shard);
      }
      assert.equal(
        m.segments!.list.reduce((n, g) => n + g.rows, 0),
        m.rows.out,
      );
      assert.equal(
        m.segments!.list.reduce((n, g) => n + g.accepted, 0),
        m.rows.accepted,
      );
    }
    // the base records are the same set whatever the shard count
    const one = built.get(1)!.manifest;
    for (const s of shardCounts) assert.equal(built.get(s)!.manifest.rows.out, one.rows.out);
  });

  it('answers every query the same with 1, 3 and 8 shards and with parts (exact counts, sums within 1e-9)', async () => {
    assert.ok(
      split.manifest.segments!.list.filter((g) => g.parts !== undefined).length > 24,
      'the small budget splits hour segments',
    );
    const spec = base.cube!;
    const dims = spec.dimensionsSplitOrder.filter((d) => d !== 'metric');
    const metrics = Object.entries(base.metrics);
    const clusters = ['lkc-akmy1', 'lkc-67lak', 'lkc-none'];
    const tenants = ['tn-0001-wayne', 'tn-0002-acme'];
    const query = fc
      .record({
        metric: fc.constantFrom(...metrics),
        aggIndex: fc.nat(10),
        from: fc.integer({ min: 0, max: 23 }),
        length: fc.integer({ min: 1, max: 30 }),
        groupBy: fc.subarray(dims, { maxLength: 2 }),
        where: fc.option(
          fc.oneof(
            fc.record({ d: fc.constant('cluster'), v: fc.subarray(clusters, { minLength: 1 }) }),
            fc.record({ d: fc.constant('tenant'), v: fc.subarray(tenants, { minLength: 1 }) }),
          ),
        ),
        grain: fc.constantFrom('hour' as const, 'day' as const),
      })
      .map((r): Query => {
        const [metric, m] = r.metric;
        const aggs = aggregatesByKind[m.kind].filter((a) => r.grain === 'hour' || (a !== 'last' && a !== 'increase'));
        const fromMs = Date.parse(`${date}T00:00:00Z`) + r.from * 3_600_000;
        return {
          metric,
          kind: m.kind,
          fromMs,
          toMs: fromMs + r.length * 3_600_000,
          grain: r.grain,
          groupBy: r.groupBy,
          where: r.where ? { [r.where.d]: r.where.v } : {},
          whereNot: {},
          agg: aggs[r.aggIndex % aggs.length]!,
        };
      });
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        const answers = await Promise.all(
          [...shardCounts.map((s) => built.get(s)!), split].map((b) =>
            runQuery(b.store, base.output.prefix, base.cube!, q),
          ),
        );
        const [one, ...others] = answers;
        for (const [i, other] of others.entries()) {
          const label = `${shardCounts[i + 1] ?? '3 split'} shards vs 1 for ${JSON.stringify(q)}`;
          assert.deepEqual(other.missing, one!.missing, label);
          assert.deepEqual(
            other.rows.map((r) => [r.time, r.groups]),
            one!.rows.map((r) => [r.time, r.groups]),
            label,
          );
          other.rows.forEach((r, k) => {
            const want = one!.rows[k]!.value;
            if (q.agg === 'count' || q.agg === 'distinct' || Number.isNaN(want)) assert.equal(r.value, want, label);
            else
              assert.ok(
                Math.abs(r.value - want) <= 1e-9 * Math.max(1, Math.abs(want)),
                `${label}: ${r.value} vs ${want}`,
              );
          });
        }
      }),
      { numRuns: 60, seed: 20261126 },
    );
  });

  it("answers a metric alone from the manifests' hour totals as from each segment's totals, to the last bit", async () => {
    for (const [label, b] of [
      ['8 shards', built.get(8)!],
      ['3 shards in parts', split],
    ] as const) {
      // the same manifests without hour totals (and without the layout of their bytes), over the same files
      const manifests = new Map<string, Uint8Array>();
      for (const tier of ['hour', 'day']) {
        const key = `${base.output.prefix}/${tier}/dt=${date}/_manifest.json`;
        const json = JSON.parse(new TextDecoder().decode(await b.store.get(key))) as Record<string, unknown>;
        assert.ok(Array.isArray(json.hourTotals), `${label}: ${tier} hour totals`);
        delete json.hourTotals;
        delete json.layout;
        manifests.set(key, new TextEncoder().encode(JSON.stringify(json)));
      }
      const bySegment = new Proxy(b.store, {
        get(target, name) {
          if (name === 'getStart') return undefined; // read whole, from `manifests`
          if (name === 'get')
            return (key: string, options?: Parameters<LocalStore['get']>[1]) =>
              manifests.get(key) ?? target.get(key, options);
          const value: unknown = Reflect.get(target, name);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const day = Date.parse(`${date}T00:00:00Z`);
      for (const [metric, m] of Object.entries(base.metrics))
        for (const agg of aggregatesByKind[m.kind].filter((a) => !/^p\d+$/.test(a) && a !== 'distinct'))
          for (const [from, to, grain] of [
            [0, 24, 'hour'],
            [5, 9, 'hour'],
            [0, 24, 'day'],
          ] as const) {
            if (grain === 'day' && (agg === 'last' || agg === 'increase') && to - from < 24) continue;
            const q: Query = {
              metric,
              kind: m.kind,
              fromMs: day + from * 3_600_000,
              toMs: day + to * 3_600_000,
              grain,
              groupBy: [],
              where: {},
              whereNot: {},
              agg,
            };
            const what = `${label}: ${metric} ${agg} ${from}-${to} by ${grain}`;
            const answer = await runQuery(b.store, base.output.prefix, base.cube!, q);
            // every shard holds every metric: the hour totals answer; parts often lack one within their statistics'
            // range (which cannot tell a metric without records from one whose totals are not finite): read instead
            if (b !== split) {
              assert.ok(answer.explain.days[0]!.hoursFromTotals > 0, what);
              assert.deepEqual(answer.explain.days[0]!.segments, [], `${what}: no segment entry taken`);
            }
            const added = await runQuery(bySegment, base.output.prefix, base.cube!, q);
            assert.equal(added.explain.days[0]!.hoursFromTotals, 0, what);
            assert.deepEqual([answer.rows, answer.missing], [added.rows, added.missing], what);
          }
    }
  });

  it("records each hour segment's day keys: merged by shard, within 3 standard errors of DuckDB's count", async () => {
    const { store, manifest } = built.get(8)!;
    const db = await openOracle();
    try {
      const files = manifest.segments!.list.flatMap((g) => g.outputs.map((o) => sqlString(`${store.root}/${o.key}`)));
      // the day tier's key: metric and every dimension but the one it drops (partition)
      const exact = await db.rows(
        `SELECT cluster, count(DISTINCT (metric, region, tenant, cluster, broker, topic))::INTEGER AS n
         FROM read_parquet([${files.join(', ')}]) GROUP BY cluster`,
      );
      const byShard = new Map<number, number>();
      for (const r of exact) {
        const shard = shardOfValue(r.cluster as string | null, 8);
        byShard.set(shard, (byShard.get(shard) ?? 0) + (r.n as number));
      }
      assert.ok(byShard.size >= 6, `${byShard.size} shards hold records`);
      for (let shard = 0; shard < 8; shard++) {
        const n = byShard.get(shard) ?? 0;
        const segments = manifest.segments!.list.filter((g) => g.shard === shard);
        assert.ok(segments.every((g) => typeof g.dayKeys === 'string'));
        const estimate = dayShardRecords(segments).day;
        assert.ok(Math.abs(estimate - n) <= 3 * 0.092 * n, `shard ${shard}: ${estimate} estimated, ${n} exact`);
      }
    } finally {
      db.close();
    }
  });

  it('reads one shard per hour for a query on one cluster', async () => {
    const b = built.get(8)!;
    const cluster = b.manifest.segments!.list.find((g) => g.hour === 10)!.stats.cluster!.min!;
    const q: Query = {
      metric: 'cpu_usage',
      kind: 'gauge',
      fromMs: Date.parse(`${date}T10:00:00Z`),
      toMs: Date.parse(`${date}T12:00:00Z`),
      grain: 'hour',
      groupBy: [],
      where: { cluster: [cluster] },
      whereNot: {},
      agg: 'avg',
    };
    const starTrees = new CubeCache(undefined, 'partial', 'once', false); // every hour's star-tree
    const answer = await runQuery(b.store, base.output.prefix, base.cube!, q, starTrees);
    assert.equal(answer.rows.length, 2);
    assert.equal(answer.explain.days[0]!.segmentsRead, 2, JSON.stringify(answer.explain.days[0]));
    const inRange = b.manifest.segments!.list.filter((g) => g.hour === 10 || g.hour === 11).length;
    assert.equal(answer.explain.days[0]!.segmentsPruned, inRange - 2);
    // the day tier's hour cuboids: one day unit, the cluster's shard, the same rows
    const byCuboids = await runQuery(b.store, base.output.prefix, base.cube!, q);
    const day = byCuboids.explain.days[0]!;
    const units = (await loadPartition(b.store, base.output.prefix, date, 'day'))!.segments.all();
    assert.deepEqual([day.hourCuboid, day.segmentsRead, day.segmentsPruned], ['metric_cluster', 1, units.length - 1]);
    assert.equal(day.segments[0]!.shard, shardOfValue(cluster, 8));
    assert.deepEqual(
      byCuboids.rows.map((r) => r.time),
      answer.rows.map((r) => r.time),
    );
    byCuboids.rows.forEach((r, i) => assert.ok(Math.abs(r.value - answer.rows[i]!.value) <= 1e-9 * r.value));
  });

  it('a small budget (spill, day parts) writes the same hour bytes and the same day answers as a large one', async () => {
    const dir = await makeTempDir('segments-spill');
    try {
      const events: Record<string, unknown>[] = [];
      const logger = {
        event: (name: string, f: Readonly<Record<string, unknown>>) => events.push({ name, ...f }),
        progress() {},
      };
      const small = await build(dir.path, base, 3, 12 * 1024 * 1024, logger); // spills, splits no hour segment
      const held = built.get(3)!;
      const encoded = events.find((e) => e.name === 'partition_encoded')!;
      assert.ok((encoded.spilledBytes as number) > 0, `spilled ${String(encoded.spilledBytes)} bytes`);
      assert.deepEqual(
        small.manifest.segments!.list.map((g) => [g.outputs, g.cube]),
        held.manifest.segments!.list.map((g) => [g.outputs, g.cube]),
      );
      const dayOf = async (b: Built): Promise<Manifest> =>
        JSON.parse(new TextDecoder().decode(await b.store.get(`rollup/day/dt=${date}/_manifest.json`))) as Manifest;
      const [smallDay, heldDay] = [await dayOf(small), await dayOf(held)];
      // the day's shards stay the hour's; a day shard too big for the budget is built as parts
      assert.equal(smallDay.segments!.shards, 3);
      const split = smallDay.segments!.list.filter((g) => (g.parts ?? 1) > 1);
      assert.ok(split.length > 3, `${split.length} day parts`);
      assert.equal(smallDay.segments!.partHash, 'fnv1a32-fmix32-rest-of-key');
      assert.equal(heldDay.segments!.shards, 3);
      assert.ok(heldDay.segments!.list.every((g) => g.parts === undefined && g.part === undefined));
      assert.equal(smallDay.rows.out, heldDay.rows.out);
      for (const [metric, m] of Object.entries(base.metrics)) {
        const q: Query = {
          metric,
          kind: m.kind,
          fromMs: Date.parse(`${date}T00:00:00Z`),
          toMs: Date.parse(`${date}T00:00:00Z`) + 86_400_000,
          grain: 'day',
          groupBy: ['tenant'],
          where: {},
          whereNot: {},
          agg: aggregatesByKind[m.kind][0]!,
        };
        const [a, b] = await Promise.all(
          [small, held].map((x) => runQuery(x.store, base.output.prefix, base.cube!, q)),
        );
        assert.deepEqual(
          a!.rows.map((r) => [r.time, r.groups]),
          b!.rows.map((r) => [r.time, r.groups]),
          metric,
        );
        a!.rows.forEach((r, i) => {
          const want = b!.rows[i]!.value;
          assert.ok(Math.abs(r.value - want) <= 1e-9 * Math.max(1, Math.abs(want)), `${metric}: ${r.value} vs ${want}`);
        });
      }
    } finally {
      await dir.remove();
    }
  });
});
