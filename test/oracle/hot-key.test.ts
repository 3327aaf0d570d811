import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { JobConfig } from '../../src/config/job-config.js';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import { formatManifest } from '../../src/cli/commands/inspect.js';
import { shardOfValue } from '../../src/ingest/series-shard.js';
import type { Manifest, ManifestSegment } from '../../src/partition/manifest.js';
import { aggregatesByKind, CubeCache, runQuery, type Query } from '../../src/query/run-query.js';
import { buildBytesPerGroup } from '../../src/rollup/plan-parts.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { openOracle, sqlString, type Oracle } from '../helpers/duckdb.js';
import { hotCluster, hotKeyDay as date, hotKeyHours, writeHotKeyDay } from '../helpers/hot-key-day.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const shards = 2;
const smallBudget = 8 * 1024 * 1024; // the hot cluster's hour segments do not fit a quarter of it
const dayMs = Date.parse(`${date}T00:00:00Z`);

interface Built {
  readonly store: LocalStore;
  readonly hour: Manifest;
  readonly day: Manifest;
  readonly events: Record<string, unknown>[];
}

async function build(root: string, db: Oracle, config: JobConfig, memoryBytes?: number): Promise<Built> {
  const store = new LocalStore(root);
  await writeHotKeyDay(db, root);
  const events: Record<string, unknown>[] = [];
  const logger = {
    event: (name: string, f: Readonly<Record<string, unknown>>) => events.push({ name, ...f }),
    progress() {},
  };
  await runRollup({
    store,
    config,
    configHash: hashJobConfig(config),
    date,
    workers: 1,
    logger,
    ...(memoryBytes !== undefined ? { memoryBytes } : {}),
  });
  const read = async (tier: string): Promise<Manifest> =>
    JSON.parse(new TextDecoder().decode(await store.get(`rollup/${tier}/dt=${date}/_manifest.json`))) as Manifest;
  return { store, hour: await read('hour'), day: await read('day'), events };
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

describe('a hot key (one cluster holding most series) in a small budget', { timeout: 300_000 }, () => {
  const dirs: { remove: () => Promise<void> }[] = [];
  let db: Oracle;
  let base: JobConfig;
  let small: Built;
  let large: Built;
  const hotShard = shardOfValue(hotCluster, shards);
  before(async () => {
    db = await openOracle();
    base = await loadJobConfig();
    const config = { ...base, output: { ...base.output, segments: { ...base.output.segments, shards } } };
    const [a, b] = [await makeTempDir('hot-key-small'), await makeTempDir('hot-key-large')];
    dirs.push(a, b);
    small = await build(a.path, db, config, smallBudget);
    large = await build(b.path, db, config);
  });
  after(async () => {
    db.close();
    for (const d of dirs) await d.remove();
  });

  it('splits every hour segment of the hot shard into parts, recorded in the manifest and the file names', () => {
    const segs = small.hour.segments!;
    assert.equal(segs.shards, shards);
    assert.equal(segs.partHash, 'fnv1a32-fmix32-rest-of-key');
    for (const hour of hotKeyHours) {
      const hot = segs.list.filter((s) => s.hour === hour && s.shard === hotShard);
      const parts = hot[0]!.parts!;
      assert.ok(parts > 1, `hour ${hour}: ${parts} parts`);
      assert.deepEqual(
        hot.map((s) => [s.part, s.parts]),
        Array.from({ length: parts }, (_, p) => [p, parts]),
      );
      for (const s of hot) {
        const tag = `h${String(hour).padStart(2, '0')}-s${String(hotShard).padStart(4, '0')}-p${String(s.part).padStart(4, '0')}-`;
        for (const f of [...s.outputs, s.cube!.tree, ...s.cube!.records, ...s.cube!.cuboidFiles])
          assert.ok(f.key.includes(tag), `${f.key} names ${tag}`);
        assert.equal(s.stats.cluster!.max, hotCluster); // every part holds some of its series
        assert.equal(shardOfValue(s.stats.cluster!.min, shards), hotShard);
      }
      const cold = segs.list.filter((s) => s.hour === hour && s.shard !== hotShard);
      for (const s of cold) {
        assert.equal(s.parts, undefined);
        assert.match(s.outputs[0]!.key, /part-h\d\d-s\d{4}-\d{5}-/);
      }
    }
    const splits = small.events.filter((e) => e.name === 'segment_split');
    assert.deepEqual(
      splits.map((e) => [e.hour, e.shard, e.parts]),
      hotKeyHours.map((h) => [h, hotShard, segs.list.find((s) => s.hour === h && s.shard === hotShard)!.parts]),
    );
    const parts = segs.list.filter((s) => s.parts !== undefined).length;
    assert.match(
      formatManifest(small.hour, 'k'),
      new RegExp(`; ${hotKeyHours.length} split into ${parts} parts by fnv1a32-fmix32-rest-of-key\\)`),
    );
    assert.doesNotMatch(formatManifest(large.hour, 'k'), /split into/);
    // the same base records and samples, only cut finer; the large budget splits nothing
    assert.equal(small.hour.rows.out, large.hour.rows.out);
    assert.equal(small.hour.rows.accepted, large.hour.rows.accepted);
    assert.ok(large.hour.segments!.list.every((s) => s.parts === undefined));
    assert.equal(large.hour.segments!.partHash, undefined);
  });

  it('bounds the build of every part within its share of the budget, where the unsplit segment would not fit', () => {
    const share = smallBudget / 4; // two segments build at once in half the budget
    const cost = (s: ManifestSegment): number => s.rows * buildBytesPerGroup;
    for (const s of small.hour.segments!.list)
      assert.ok(cost(s) <= share, `${s.hour}/${s.shard}/${s.part}: ${cost(s)}`);
    for (const hour of hotKeyHours) {
      const whole = large.hour.segments!.list.find((s) => s.hour === hour && s.shard === hotShard)!;
      assert.ok(cost(whole) > share, `unsplit hour ${hour}: ${cost(whole)} bytes`);
    }
  });

  it('builds the day tier of the hot shard as parts too, with the same records', () => {
    const day = small.day.segments!;
    assert.equal(day.shards, shards);
    const hot = day.list.filter((s) => s.shard === hotShard);
    assert.ok(hot.length > 1 && hot.every((s) => s.parts === hot.length), JSON.stringify(hot.map((s) => s.parts)));
    assert.equal(small.day.rows.out, large.day.rows.out);
    assert.equal(small.day.rows.accepted, large.day.rows.accepted);
    assert.ok(large.day.segments!.list.every((s) => s.parts === undefined));
  });

  it('answers every query as the day built with a large budget (exact counts, sums within 1e-9)', async () => {
    const dims = base.cube!.dimensionsSplitOrder.filter((d) => d !== 'metric');
    const metrics = ['received_bytes', 'cpu_usage', 'bytes_in_total'].map((m) => [m, base.metrics[m]!] as const);
    const query = fc
      .record({
        metric: fc.constantFrom(...metrics),
        aggIndex: fc.nat(10),
        from: fc.integer({ min: 0, max: 4 }),
        length: fc.integer({ min: 1, max: 24 }),
        groupBy: fc.subarray(dims, { maxLength: 2 }),
        where: fc.option(
          fc.oneof(
            fc.record({
              d: fc.constant('cluster'),
              v: fc.subarray([hotCluster, 'lkc-c1', 'lkc-c4'], { minLength: 1 }),
            }),
            fc.record({
              d: fc.constant('topic'),
              v: fc.subarray(['topic-3', 'topic-17', 'topic-0'], { minLength: 1 }),
            }),
            fc.record({ d: fc.constant('tenant'), v: fc.subarray(['tn-hot', 'tn-c2'], { minLength: 1 }) }),
          ),
        ),
        grain: fc.constantFrom('hour' as const, 'day' as const),
      })
      .map((r): Query => {
        const [metric, m] = r.metric;
        const whole = r.grain === 'day'; // read from the day tier (its parts too), which has no partition column
        const aggs = aggregatesByKind[m.kind];
        const fromMs = whole ? dayMs : dayMs + r.from * 3_600_000;
        return {
          metric,
          kind: m.kind,
          fromMs,
          toMs: whole ? dayMs + 86_400_000 : fromMs + r.length * 3_600_000,
          grain: r.grain,
          groupBy: whole ? r.groupBy.filter((d) => d !== 'partition') : r.groupBy,
          where: r.where ? { [r.where.d]: r.where.v } : {},
          whereNot: {},
          agg: aggs[r.aggIndex % aggs.length]!,
        };
      });
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        const [a, b] = await Promise.all(
          [small, large].map((x) => runQuery(x.store, base.output.prefix, base.cube!, q)),
        );
        const label = JSON.stringify(q);
        assert.deepEqual(a!.missing, b!.missing, label);
        assert.deepEqual(
          a!.rows.map((r) => [r.time, r.groups]),
          b!.rows.map((r) => [r.time, r.groups]),
          label,
        );
        a!.rows.forEach((r, i) => {
          const want = b!.rows[i]!.value;
          if (q.agg === 'count' || Number.isNaN(want)) assert.equal(r.value, want, label);
          else assert.ok(close(r.value, want), `${label}: ${r.value} vs ${want}`);
        });
      }),
      { numRuns: 60, seed: 20261126 },
    );
  });

  it('answers like DuckDB over the raw files, reading every part of the hot shard and pruning the other', async () => {
    for (const [metric, agg, sql] of [
      ['received_bytes', 'sum', 'sum(value)'],
      ['received_bytes', 'count', 'count(*)'],
      ['cpu_usage', 'avg', 'avg(value)'],
      ['cpu_usage', 'max', 'max(value)'],
    ] as const) {
      const q: Query = {
        metric,
        kind: base.metrics[metric]!.kind,
        fromMs: dayMs,
        toMs: dayMs + 24 * 3_600_000, // the whole day: more hours than day units, so the hour cuboids are read
        grain: 'hour',
        groupBy: ['topic'],
        where: { cluster: [hotCluster] },
        whereNot: {},
        agg,
      };
      // every hour's star-trees (the parts of the hot shard's hour segments)
      const starTrees = new CubeCache(undefined, 'partial', 'once', false);
      const answer = await runQuery(small.store, base.output.prefix, base.cube!, q, starTrees);
      const day = answer.explain.days[0]!;
      const hotParts = small.hour.segments!.list.filter((s) => s.shard === hotShard).length;
      assert.equal(day.segmentsRead, hotParts, JSON.stringify(day));
      assert.equal(day.segmentsPruned, small.hour.segments!.list.length - hotParts);
      // the day tier's hour cuboids (a cuboid holds cluster and topic): every part of the hot day shard, the same rows
      const byCuboids = await runQuery(small.store, base.output.prefix, base.cube!, q);
      const units = small.day.segments!.list;
      const hotUnits = units.filter((s) => s.shard === hotShard).length;
      assert.ok(hotUnits > 1, `${hotUnits} parts of the hot day shard`);
      assert.deepEqual(
        [byCuboids.explain.days[0]!.hourCuboid, byCuboids.explain.days[0]!.segmentsRead],
        ['metric_cluster_topic', hotUnits],
      );
      assert.equal(byCuboids.explain.days[0]!.segmentsPruned, units.length - hotUnits);
      assert.deepEqual(
        byCuboids.rows.map((r) => [r.time, r.groups]),
        answer.rows.map((r) => [r.time, r.groups]),
      );
      byCuboids.rows.forEach((r, i) => assert.ok(close(r.value, answer.rows[i]!.value), `${metric} ${agg} ${r.time}`));
      const rows = await db.rows(`
        SELECT strftime(date_trunc('hour', timestamp), '%Y-%m-%dT%H:%M:%S.000Z') AS time, topic, ${sql}::DOUBLE AS v
        FROM read_parquet(${sqlString(`${small.store.root}/raw/dt=${date}/*/*.parquet`)})
        WHERE metric = ${sqlString(metric)} AND cluster = ${sqlString(hotCluster)}
        GROUP BY ALL ORDER BY time, topic`);
      const want = new Map(rows.map((r) => [`${String(r.time)} ${String(r.topic)}`, Number(r.v)]));
      assert.equal(answer.rows.length, want.size, `${metric} ${agg}`);
      for (const r of answer.rows) {
        const w = want.get(`${r.time} ${r.groups[0]}`);
        assert.ok(w !== undefined, `${metric} ${agg} ${r.time} ${r.groups[0]}`);
        if (agg === 'count') assert.equal(r.value, w);
        else assert.ok(close(r.value, w), `${metric} ${agg} ${r.time} ${r.groups[0]}: ${r.value} vs ${w}`);
      }
    }
  });
});
