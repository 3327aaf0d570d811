import assert from 'node:assert/strict';
import { cp } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import type { JobConfig } from '../../src/config/job-config.js';
import { indexFirstReadBytes } from '../../src/cube/read-star-tree-index.js';
import { openSegmentCube, UNREAD_KEY } from '../../src/partition/load-cube.js';
import { loadPartition } from '../../src/partition/load-partition.js';
import { CubeCache, runQuery, type Query } from '../../src/query/run-query.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { writeSampleDay } from '../../src/sample/write-sample-day.js';
import { LocalStore } from '../../src/storage/local-store.js';
import type { GetOptions } from '../../src/storage/object-store.js';
import { openOracle, sqlString, type Oracle } from '../helpers/duckdb.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { overlappingStore } from '../helpers/overlapping-store.js';

const date = '2026-11-24';
const dayMs = Date.UTC(2026, 10, 24);

/** DuckDB's answer to the same query from the raw Parquet (the independent oracle). */
async function rawAnswer(db: Oracle, glob: string, q: Query): Promise<Map<string, number>> {
  const conditions = [
    `metric = ${sqlString(q.metric)}`,
    `t >= make_timestamp(${q.fromMs * 1000}) AND t < make_timestamp(${q.toMs * 1000})`,
    `t >= DATE '${date}' AND t < DATE '${date}' + INTERVAL 1 DAY`,
    'value IS NOT NULL AND NOT isnan(value)',
    ...Object.entries(q.where).map(([d, vs]) => `${d}::VARCHAR IN (${vs.map(sqlString).join(', ')})`),
    ...Object.entries(q.whereNot).map(
      ([d, vs]) => `(${d}::VARCHAR NOT IN (${vs.map(sqlString).join(', ')}) OR ${d} IS NULL)`,
    ),
  ].join(' AND ');
  const bucket = q.grain === 'hour' ? `date_trunc('hour', t)` : `date_trunc('day', t)`;
  const groups = q.groupBy.map((d) => `g_${d}`);
  const groupCols = q.groupBy.map((d) => `, ${d}::VARCHAR AS g_${d}`).join('');
  const keys = ['bucket', ...groups].join(', ');
  const series = 'region, tenant, cluster, broker, topic, partition';
  const source =
    q.agg === 'last'
      ? `(SELECT ${keys}, max({'t': t, 'v': value}).v AS value FROM acc GROUP BY ${keys}, ${series})`
      : q.agg === 'increase'
        ? `(SELECT ${keys}, CASE WHEN prev IS NULL THEN 0 WHEN value >= prev THEN value - prev ELSE value END AS value
            FROM (SELECT *, lag(value) OVER (PARTITION BY bucket, ${series} ORDER BY t, value) AS prev FROM acc))`
        : 'acc';
  const agg = (
    {
      sum: 'sum(value)',
      count: 'count(*)::DOUBLE',
      min: 'min(value)',
      max: 'max(value)',
      avg: 'avg(value)',
      last: 'sum(value)',
      increase: 'sum(value)',
    } as Partial<Record<Query['agg'], string>>
  )[q.agg]!;
  const rows = await db.rows(`
    WITH raw AS (SELECT timestamp::TIMESTAMP AS t, * EXCLUDE (timestamp) FROM read_parquet(${sqlString(glob)})),
    acc AS (SELECT ${bucket} AS bucket, t, value, region, tenant, cluster, broker, topic, partition${groupCols} FROM raw WHERE ${conditions})
    SELECT strftime(bucket, '%Y-%m-%dT%H:%M:%S.000Z') AS time${groups.map((g) => `, ${g}`).join('')}, ${agg} AS value
    FROM ${source} GROUP BY ${keys}`);
  return new Map(rows.map((r) => [JSON.stringify([r.time, ...groups.map((g) => r[g] ?? null)]), Number(r.value)]));
}

describe('query engine answers like DuckDB on the raw Parquet', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let db: Oracle;
  let config: JobConfig;
  let store: LocalStore;
  before(async () => {
    dir = await makeTempDir('query');
    db = await openOracle();
    await db.run(`SET TimeZone = 'UTC'`);
    store = new LocalStore(dir.path);
    await writeSampleDay(store, { date, rows: 300_000, seed: 21 });
    const base = await loadJobConfig();
    config = {
      ...base,
      cube: { ...base.cube!, maxLeafRecords: 4 }, // a deep tree: many star nodes and leaves
      output: { ...base.output, rowGroupRows: 256 }, // many row groups per file: partial reads pick some
    };
    const result = await runRollup({ store, config, configHash: hashJobConfig(config), date, workers: 2 });
    const manifest = JSON.parse(new TextDecoder().decode(await store.get(result.manifestKey))) as {
      segments: { list: { cube: { tree: { nodes: number; records: number; baseRecords: number; bytes: number } } }[] };
    };
    const trees = manifest.segments.list.map((g) => g.cube.tree);
    const nodes = trees.reduce((a, t) => a + t.nodes, 0);
    assert.ok(nodes > 500, `deep trees: ${nodes} nodes`);
    // indexes past a partial read's first read: a one-shot query reads their other node blocks as its walk needs them
    for (const t of trees) assert.ok(t.bytes > 2 * indexFirstReadBytes, `an index of ${t.bytes} bytes`);
    for (const t of trees) assert.ok(t.records > 2 * t.baseRecords, 'star records beside the base records');
  });
  after(async () => {
    db.close();
    await dir.remove();
  });

  it('for facts, trends, diagnose and attribution style queries, with records read bounded by leaves x T', async () => {
    const glob = `${dir.path}/raw/dt=${date}/*/*.parquet`;
    const [top] = await db.rows(
      `SELECT tenant, cluster, topic FROM read_parquet(${sqlString(glob)}) WHERE metric = 'retained_bytes' GROUP BY ALL ORDER BY count(*) DESC, tenant, cluster, topic LIMIT 1`,
    );
    const t = String(top!.tenant);
    const c = String(top!.cluster);
    const tp = String(top!.topic);
    const h = (x: number): number => dayMs + x * 3_600_000;
    const kind = (metric: string): Query['kind'] => config.metrics[metric]!.kind;
    const queries: Query[] = (
      [
        {
          metric: 'received_bytes',
          fromMs: h(0),
          toMs: h(24),
          grain: 'hour',
          groupBy: ['tenant'],
          where: {},
          whereNot: {},
          agg: 'sum',
        },
        {
          metric: 'sent_bytes',
          fromMs: h(13),
          toMs: h(14),
          grain: 'hour',
          groupBy: [],
          where: { tenant: [t] },
          whereNot: {},
          agg: 'sum',
        },
        {
          metric: 'cpu_usage',
          fromMs: h(0),
          toMs: h(24),
          grain: 'hour',
          groupBy: ['broker'],
          where: { cluster: [c] },
          whereNot: {},
          agg: 'avg',
        },
        {
          metric: 'cpu_usage',
          fromMs: h(3),
          toMs: h(20),
          grain: 'day',
          groupBy: ['cluster'],
          where: {},
          whereNot: {},
          agg: 'max',
        },
        {
          metric: 'retained_bytes',
          fromMs: h(13),
          toMs: h(14),
          grain: 'hour',
          groupBy: ['topic'],
          where: { cluster: [c] },
          whereNot: {},
          agg: 'last',
        },
        {
          metric: 'retained_bytes',
          fromMs: h(0),
          toMs: h(24),
          grain: 'hour',
          groupBy: [],
          where: { topic: [tp] },
          whereNot: {},
          agg: 'last',
        },
        {
          metric: 'fetch_requests',
          fromMs: h(0),
          toMs: h(24),
          grain: 'hour',
          groupBy: ['partition'],
          where: { cluster: [c] },
          whereNot: { topic: [tp] },
          agg: 'count',
        },
        {
          metric: 'request_latency_ms',
          fromMs: h(5),
          toMs: h(9),
          grain: 'hour',
          groupBy: ['region'],
          where: {},
          whereNot: {},
          agg: 'min',
        },
        {
          metric: 'bytes_in_total',
          fromMs: h(0),
          toMs: h(24),
          grain: 'hour',
          groupBy: ['cluster'],
          where: {},
          whereNot: {},
          agg: 'increase',
        },
        {
          metric: 'bytes_in_total',
          fromMs: h(6),
          toMs: h(8),
          grain: 'hour',
          groupBy: ['broker'],
          where: { cluster: [c] },
          whereNot: {},
          agg: 'last',
        },
      ] as Omit<Query, 'kind'>[]
    ).map((q) => ({ ...q, kind: kind(q.metric) }));
    const cached = new CubeCache(undefined, 'cached');
    // a first read of a manifest that holds the heads (up to the layout's line) and little more
    let headBytes = 0;
    for (const tier of ['hour', 'day']) {
      const text = new TextDecoder().decode(
        await store.get(`${config.output.prefix}/${tier}/dt=${date}/_manifest.json`),
      );
      headBytes = Math.max(
        headBytes,
        Buffer.byteLength(text.slice(0, text.indexOf('\n', text.indexOf('\n  "layout": ') + 1))),
      );
    }
    headBytes += 512;
    // counts the ranged reads of manifests
    const recording = {
      ranges: 0,
      store: new Proxy(store, {
        get(target, name) {
          if (name === 'getRange')
            return (key: string, start: number, end: number, options?: GetOptions) => {
              if (key.endsWith('_manifest.json')) recording.ranges++;
              return target.getRange(key, start, end, options);
            };
          const value: unknown = Reflect.get(target, name);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      }),
    };
    // a store of network round trips (S3): segments are read ahead of the merge, and finish out of order
    const remote = overlappingStore(store, 5);
    let selective = 0; // segments a query read less than half of
    // one query's reads of the star-trees alone (not the day tier's hour cuboids)
    const starTrees = (): CubeCache => new CubeCache(undefined, 'partial', 'once', false);
    let byHourCuboids = 0; // queries the default one-shot reads answered from the day tier's hour cuboids
    for (const q of queries) {
      const answer = await runQuery(store, config.output.prefix, config.cube!, q, starTrees());
      const { rows, explain } = answer;
      // a one-shot query a declared cuboid answers reads the day tier's hour cuboids: the same rows (sums within 1e-9)
      const oneShot = await runQuery(store, config.output.prefix, config.cube!, q);
      const cuboid = oneShot.explain.days[0]!.hourCuboid;
      if (cuboid !== null) byHourCuboids++;
      for (const s of oneShot.explain.days.flatMap((d) => d.segments))
        assert.equal(s.reads, cuboid === null ? 'partial' : 'hour-cuboids');
      assert.deepEqual(
        oneShot.rows.map((r) => [r.time, r.groups]),
        rows.map((r) => [r.time, r.groups]),
      );
      oneShot.rows.forEach((r, i) => {
        const w = rows[i]!.value;
        assert.ok(Math.abs(r.value - w) <= 1e-9 * Math.max(1, Math.abs(w)), `${q.metric} ${q.agg}: ${r.value} vs ${w}`);
      });
      assert.deepEqual(oneShot.missing, answer.missing);
      // manifests read in part (their heads first, then the cube and the entries asked for) answer the same
      const inPart = new CubeCache(undefined, 'partial', 'once', true, headBytes);
      assert.deepEqual(await runQuery(recording.store, config.output.prefix, config.cube!, q, inPart), oneShot);
      assert.ok(recording.ranges > 0, 'the manifests were read in part');
      recording.ranges = 0;
      // partial reads (the default for one query) answer exactly as whole segments do
      const whole = await runQuery(store, config.output.prefix, config.cube!, q, cached);
      assert.deepEqual(rows, whole.rows, `${q.metric} ${q.agg}: partial reads vs whole segments`);
      // reading ahead changes nothing of the answer or its explain, to the last bit
      Object.assign(remote.reads, { most: 0, segmentBytes: 0 });
      assert.deepEqual(await runQuery(remote.store, config.output.prefix, config.cube!, q, starTrees()), answer);
      // explain counts every byte fetched, the footers fetched beside the index included, and nothing else
      assert.equal(
        remote.reads.segmentBytes,
        explain.days.map((d) => d.bytesRead).reduce((a, b) => a + b, 0),
      );
      if (explain.days[0]!.segmentsRead > 1) assert.ok(remote.reads.most > 1, `${remote.reads.most} reads at once`);
      const wholeAhead = await runQuery(remote.store, config.output.prefix, config.cube!, q, new CubeCache());
      assert.deepEqual([wholeAhead.rows, wholeAhead.missing], [whole.rows, whole.missing]);
      for (const s of explain.days.flatMap((d) => d.segments)) {
        assert.equal(s.reads, 'partial');
        assert.ok(s.bytesRead > 0 && s.bytesRead <= s.segmentBytes, `read ${s.bytesRead} of ${s.segmentBytes} bytes`);
        if (s.bytesRead < s.segmentBytes / 2) selective++;
      }
      for (const s of whole.explain.days.flatMap((d) => d.segments)) assert.notEqual(s.reads, 'partial');
      const want = await rawAnswer(db, glob, q);
      assert.ok(want.size > 0, `oracle has rows for ${JSON.stringify(q)}`);
      assert.equal(
        rows.length,
        want.size,
        `${q.metric} ${q.agg} by ${q.groupBy.join(',')}: ${rows.length} rows vs ${want.size}`,
      );
      for (const r of rows) {
        const key = JSON.stringify([r.time, ...r.groups]);
        const w = want.get(key);
        assert.ok(w !== undefined, `unexpected row ${key}`);
        const exact = q.agg === 'count' || q.agg === 'min' || q.agg === 'max';
        if (exact) assert.equal(r.value, w, key);
        else assert.ok(Math.abs(r.value - w) <= 1e-9 * Math.max(1, Math.abs(w)), `${key}: ${r.value} vs ${w}`);
      }
      for (const d of explain.days)
        assert.ok(
          d.recordsRead <= d.leavesReached * d.maxLeafRecords,
          `records read ${d.recordsRead} > ${d.leavesReached} x ${d.maxLeafRecords}`,
        );
    }
    assert.ok(selective > 0, 'a selective query reads less than half of a segment');
    assert.ok(byHourCuboids >= 4, `${byHourCuboids} queries answered from hour cuboids`);
  });

  it("a query of a metric alone is answered from the manifest's metric totals, reading no segment: the rows of reading its segments, and DuckDB's", async () => {
    const glob = `${dir.path}/raw/dt=${date}/*/*.parquet`;
    const h = (x: number): number => dayMs + x * 3_600_000;
    const kind = (metric: string): Query['kind'] => config.metrics[metric]!.kind;
    const alone = { groupBy: [], where: {}, whereNot: {} };
    const queries: Query[] = (
      [
        { metric: 'cpu_usage', fromMs: h(0), toMs: h(24), grain: 'hour', agg: 'avg' },
        { metric: 'received_bytes', fromMs: h(0), toMs: h(24), grain: 'day', agg: 'sum' }, // the day tier's totals
        { metric: 'received_bytes', fromMs: h(2), toMs: h(7), grain: 'hour', agg: 'count' },
        { metric: 'request_latency_ms', fromMs: h(3), toMs: h(20), grain: 'day', agg: 'max' }, // hours into a day
        { metric: 'cpu_usage', fromMs: h(1), toMs: h(23), grain: 'day', agg: 'avg' },
        { metric: 'request_latency_ms', fromMs: h(0), toMs: h(24), grain: 'hour', agg: 'min' },
        { metric: 'retained_bytes', fromMs: h(0), toMs: h(24), grain: 'hour', agg: 'last' },
        { metric: 'bytes_in_total', fromMs: h(0), toMs: h(24), grain: 'hour', agg: 'increase' },
        { metric: 'bytes_in_total', fromMs: h(0), toMs: h(24), grain: 'day', agg: 'increase' },
      ] as Omit<Query, 'kind' | 'groupBy' | 'where' | 'whereNot'>[]
    ).map((q) => ({ ...q, ...alone, kind: kind(q.metric) }));
    const wholeDayTier = (q: Query): boolean => q.fromMs === h(0) && q.toMs === h(24);
    // the same store with manifests from before hour totals (each segment's totals are added up), and from before
    // metric totals (every query reads its segments)
    const copies = [await makeTempDir('query-no-hour-totals'), await makeTempDir('query-no-totals')];
    try {
      const [bySegment, without] = copies.map((c) => new LocalStore(c.path)) as [LocalStore, LocalStore];
      for (const [copy, older] of copies.map((c, i) => [c, i] as const)) {
        await cp(`${dir.path}/${config.output.prefix}`, `${copy.path}/${config.output.prefix}`, { recursive: true });
        for (const tier of ['hour', 'day']) {
          const key = `${config.output.prefix}/${tier}/dt=${date}/_manifest.json`;
          const manifest = JSON.parse(new TextDecoder().decode(await store.get(key))) as {
            segments: { shards: number; list: { cube: { metricTotals?: unknown } }[] };
            hourTotals?: unknown;
          };
          assert.equal(manifest.segments.shards, 1, 'one shard an hour: the totals add up exactly as the records');
          assert.ok(manifest.hourTotals !== undefined, `${tier} manifests carry hour totals`);
          delete manifest.hourTotals;
          for (const g of older ? manifest.segments.list : []) {
            assert.ok(g.cube.metricTotals !== undefined, `${tier} segments carry metric totals`);
            delete g.cube.metricTotals;
          }
          delete (manifest as { layout?: unknown }).layout; // a manifest of that time has none
          await new LocalStore(copy.path).put(key, new TextEncoder().encode(JSON.stringify(manifest)));
        }
      }
      for (const q of queries) {
        const label = `${q.metric} ${q.agg} by ${q.grain}`;
        const answer = await runQuery(store, config.output.prefix, config.cube!, q);
        const segments = answer.explain.days.flatMap((d) => d.segments);
        // at hour grain, or the day tier's whole day, from the hour totals: no segment entry read; else each segment's
        const fromHourTotals = q.grain === 'hour' || wholeDayTier(q);
        const hours = answer.explain.days.map((d) => d.hoursFromTotals);
        assert.deepEqual(
          hours,
          [fromHourTotals ? (q.grain === 'hour' ? (q.toMs - q.fromMs) / 3_600_000 : 1) : 0],
          label,
        );
        assert.equal(segments.length > 0, !fromHourTotals, label);
        for (const s of segments) assert.deepEqual([s.reads, s.bytesRead, s.rowGroupsRead], ['totals', 0, 0], label);
        const added = await runQuery(bySegment, config.output.prefix, config.cube!, q);
        assert.deepEqual([added.rows, added.missing], [answer.rows, answer.missing], `${label}: hour totals, exactly`);
        assert.ok(
          added.explain.days.every((d) => d.hoursFromTotals === 0 && d.segments.length > 0),
          label,
        );
        const read = await runQuery(without, config.output.prefix, config.cube!, q);
        for (const s of read.explain.days.flatMap((d) => d.segments)) assert.equal(s.reads, 'partial', label);
        assert.deepEqual(answer.missing, read.missing, label);
        if (q.grain === 'hour' || wholeDayTier(q)) {
          // one segment a bucket: its totals are its records' sums, to the last bit
          assert.deepEqual(answer.rows, read.rows, `${label}: totals vs records`);
        } else {
          // hours added into a day: the same terms, associated by hour (exact for counts, min and max)
          assert.deepEqual(
            answer.rows.map((r) => r.time),
            read.rows.map((r) => r.time),
            label,
          );
          answer.rows.forEach((r, i) => {
            const w = read.rows[i]!.value;
            assert.ok(Math.abs(r.value - w) <= 1e-12 * Math.abs(w), `${label}: ${r.value} vs ${w}`);
          });
        }
        const cached = await runQuery(store, config.output.prefix, config.cube!, q, new CubeCache(undefined, 'cached'));
        assert.deepEqual(cached.rows, answer.rows, `${label}: a server's cache answers the same`);
        const want = await rawAnswer(db, glob, q);
        assert.equal(answer.rows.length, want.size, `${label}: ${answer.rows.length} rows vs ${want.size}`);
        for (const r of answer.rows) {
          const w = want.get(JSON.stringify([r.time]));
          assert.ok(w !== undefined, `${label}: unexpected row ${r.time}`);
          if (q.agg === 'count' || q.agg === 'min' || q.agg === 'max') assert.equal(r.value, w, `${label} ${r.time}`);
          else
            assert.ok(
              Math.abs(r.value - w) <= 1e-9 * Math.max(1, Math.abs(w)),
              `${label} ${r.time}: ${r.value} vs ${w}`,
            );
        }
      }
      // a filter, a group-by or a sketch aggregate reads the segments
      for (const q of [
        { ...queries[0]!, where: { region: ['us-east-1'] } },
        { ...queries[0]!, groupBy: ['region'] },
        { ...queries[0]!, whereNot: { region: ['us-east-1'] } },
        { ...queries.find((x) => x.metric === 'request_latency_ms' && x.grain === 'hour')!, agg: 'p99' as const },
      ]) {
        const answer = await runQuery(store, config.output.prefix, config.cube!, q);
        // the star-trees' records, or the day tier's hour cuboids of the metric (p99 of the metric alone)
        const reads = q.agg === 'p99' ? 'hour-cuboids' : 'partial';
        for (const s of answer.explain.days.flatMap((d) => d.segments)) assert.equal(s.reads, reads);
      }
    } finally {
      for (const c of copies) await c.remove();
    }
  });

  it('a partial read fills the keys of the levels asked for and no others (they hold UNREAD_KEY)', async () => {
    const partition = (await loadPartition(store, config.output.prefix, date, 'hour'))!;
    const segment = partition.segments.at(0);
    const columns = { measures: ['sum', 'count'] as const, sketch: false };
    const every = await openSegmentCube(store, partition, segment, columns);
    const n = every.tree.records.length;
    await every.readRecords([[0, n]]);
    const timeOnly = await openSegmentCube(store, partition, segment, columns);
    await timeOnly.readRecords([[0, n]], []);
    const { keys, m, width: w } = every.tree.records;
    assert.ok(w >= 3, 'time and at least two split levels');
    for (let r = 0; r < n; r++) {
      assert.equal(timeOnly.tree.records.keys[r * w], keys[r * w], `hour of record ${r}`);
      for (let level = 1; level < w; level++) assert.equal(timeOnly.tree.records.keys[r * w + level], UNREAD_KEY);
      assert.equal(timeOnly.tree.records.m.sum[r], m.sum[r], `sum of record ${r}`);
      assert.equal(timeOnly.tree.records.m.count[r], m.count[r], `count of record ${r}`);
    }
    const oneLevel = await openSegmentCube(store, partition, segment, columns);
    await oneLevel.readRecords([[0, n]], [2]);
    for (let r = 0; r < n; r++) {
      assert.equal(oneLevel.tree.records.keys[r * w + 2], keys[r * w + 2], `level 2 of record ${r}`);
      assert.equal(oneLevel.tree.records.keys[r * w + 1], UNREAD_KEY);
    }
    await assert.rejects(
      oneLevel.readRecords([[0, 1]], [1, 2]),
      /levels 1, 2 asked for after the records were read with levels 2/,
    );
  });

  it('scattered records of a row group fill exactly as a whole read, and its column chunks are fetched once', async () => {
    const partition = (await loadPartition(store, config.output.prefix, date, 'hour'))!;
    const segment = partition.segments.at(0);
    const columns = { measures: ['sum', 'count', 'min'] as const, sketch: false };
    const whole = await openSegmentCube(store, partition, segment, columns);
    const n = whole.tree.records.length;
    await whole.readRecords([[0, n]]);
    assert.ok(n > 700, `segment of ${n} records`);
    // row groups of 256 records (the fixture's rowGroupRows): five ranges in group 0, one in group 2
    const ranges: [number, number][] = [
      [250, 256],
      [3, 5],
      [17, 18],
      [4, 9], // overlaps [3, 5)
      [128, 130],
      [600, 601],
    ];
    const scattered = await openSegmentCube(store, partition, segment, columns);
    await scattered.readRecords(ranges);
    const spans = await openSegmentCube(store, partition, segment, columns);
    await spans.readRecords([
      [3, 256],
      [600, 601],
    ]); // the same row groups, asked as one range each
    assert.equal(scattered.cost.bytesRead, spans.cost.bytesRead, 'each column chunk fetched once');
    assert.equal(scattered.cost.rowGroupsRead, 2);
    const asked = new Set(ranges.flatMap(([a, b]) => Array.from({ length: b - a }, (_, i) => a + i)));
    assert.equal(scattered.cost.recordsLoaded, asked.size);
    const got = scattered.tree.records;
    const want = whole.tree.records;
    const w = want.width;
    for (const r of asked) {
      const [g, x] = [r - got.first, r - want.first];
      assert.deepEqual(
        [...got.keys.subarray(g * w, g * w + w)],
        [...want.keys.subarray(x * w, x * w + w)],
        `keys ${r}`,
      );
      for (const c of ['sum', 'count', 'min'] as const) assert.equal(got.m[c][g], want.m[c][x], `${c} of ${r}`);
    }
  });
});
