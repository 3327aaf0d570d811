import { treeTotals, treesOf } from './tree-totals.js';
import { existsSync } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { defaultJobConfigPath, loadJobConfig } from '../src/config/load-job-config.js';
import type { Manifest } from '../src/partition/manifest.js';
import { writeSampleDay } from '../src/sample/write-sample-day.js';
import { LocalStore } from '../src/storage/local-store.js';
import { measureChild, median, type Measurement } from './measure-child.js';
import { benchRandomQueries } from './random-queries.js';

// make bench: our `telemetry-rollup run` against DuckDB doing the same work on the same files, in the same run.
const date = '2026-11-24';
const rows = Number(process.env.BENCH_ROWS ?? 5_000_000);
const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const root = fileURLToPath(new URL(`../../.cache/bench-${rows}`, import.meta.url));
const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));
const rawGlob = `${root}/raw/dt=${date}/*/*.parquet`;

const config = await loadJobConfig();
const store = new LocalStore(root);
if (!existsSync(`${root}/raw/dt=${date}/.complete`)) {
  process.stdout.write(`generating ${rows} rows into ${root} (cached for later runs)\n`);
  await writeSampleDay(store, { date, rows, seed: 42, rawPrefix: config.raw.prefix });
  await store.put(`raw/dt=${date}/.complete`, new Uint8Array());
}
await mkdir(`${root}/duckdb`, { recursive: true });
const baseOnlyConfig = `${root}/base-only-job.json`;
const noSketchConfig = `${root}/no-sketch-job.json`;
// the base comparison: hour tier only, no cube (DuckDB computes no day tier either)
await writeFile(
  baseOnlyConfig,
  JSON.stringify({
    ...config,
    cube: undefined,
    output: { ...config.output, tiers: [{ grain: 'hour', dropDimensions: [] }] },
  }),
);
const rawBytes = (
  await Promise.all((await store.listPage(`raw/dt=${date}/`, undefined, 10_000)).objects.map((o) => o.size))
).reduce((a, b) => a + b, 0);

async function series(
  ours: string[],
  duck: string[],
  times = repeats,
): Promise<{ ours: Measurement[]; duck: Measurement[] }> {
  const o: Measurement[] = [];
  const d: Measurement[] = [];
  for (let i = 0; i < times; i++) {
    o.push(await measureChild(here('./ours-child.js'), ours));
    d.push(await measureChild(here('./duckdb-child.js'), duck));
  }
  return { ours: o, duck: d };
}

const dims = config.raw.dimensions.join(', ');

/** The base comparison on a larger day (generated once and cached), where start-up and JIT warm-up weigh less. */
async function baseAtScale(n: number): Promise<{ ours: Measurement[]; duck: Measurement[] }> {
  const dir = fileURLToPath(new URL(`../../.cache/bench-${n}`, import.meta.url));
  const big = new LocalStore(dir);
  if (!existsSync(`${dir}/raw/dt=${date}/.complete`)) {
    process.stdout.write(`generating ${n} rows into ${dir} (cached for later runs)\n`);
    await writeSampleDay(big, { date, rows: n, seed: 42, rawPrefix: config.raw.prefix });
    await big.put(`raw/dt=${date}/.complete`, new Uint8Array());
  }
  await mkdir(`${dir}/duckdb`, { recursive: true });
  return series(
    ['run', '--date', date, '--store', dir, '--force', '--config', baseOnlyConfig],
    ['base', `${dir}/raw/dt=${date}/*/*.parquet`, `${dir}/duckdb/base.parquet`, '2', `metric, ${dims}`],
    2,
  );
}
const cubeDims = config.cube!.dimensionsSplitOrder.join(', ');
const base = await series(
  ['run', '--date', date, '--store', root, '--force', '--config', baseOnlyConfig],
  ['base', rawGlob, `${root}/duckdb/base.parquet`, '2', `metric, ${dims}`],
);
const scaleRows = Number(process.env.BENCH_SCALE_ROWS ?? 20_000_000);
const scale = scaleRows > 0 ? await baseAtScale(scaleRows) : undefined;
const base1 = await measureChild(here('./duckdb-child.js'), [
  'base',
  rawGlob,
  `${root}/duckdb/base.parquet`,
  '1',
  `metric, ${dims}`,
]);
const cube = await series(
  ['run', '--date', date, '--store', root, '--force', '--config', defaultJobConfigPath],
  ['cube', rawGlob, `${root}/duckdb/cube.parquet`, '2', cubeDims],
);

// what the sketches cost: the same full run with distribution and distinct metrics treated as plain gauges
const gaugeOnly = Object.fromEntries(
  Object.entries(config.metrics).map(([n, m]) => [
    n,
    m.kind === 'distribution' || m.kind === 'distinct'
      ? { kind: 'gauge', unit: m.unit, description: m.description }
      : m,
  ]),
);
await writeFile(noSketchConfig, JSON.stringify({ ...config, metrics: gaugeOnly }));
const noSketch: Measurement[] = [];
for (let i = 0; i < repeats; i++)
  noSketch.push(
    await measureChild(here('./ours-child.js'), [
      'run',
      '--date',
      date,
      '--store',
      root,
      '--force',
      '--config',
      noSketchConfig,
    ]),
  );
const noSketchManifest = JSON.parse(
  new TextDecoder().decode(await store.get(`rollup/hour/dt=${date}/_manifest.json`)),
) as Manifest;
const bytesOf = (m: Manifest): number =>
  [...m.outputs, ...(m.cube ? [...m.cube.records, ...m.cube.cuboidFiles] : [])].reduce((a, f) => a + f.bytes, 0);
await measureChild(here('./ours-child.js'), [
  'run',
  '--date',
  date,
  '--store',
  root,
  '--force',
  '--config',
  defaultJobConfigPath,
]); // leave the default job's output in place

const line = (name: string, ms: number, rss: number): string =>
  `  ${name.padEnd(40)} ${ms.toFixed(0).padStart(7)} ms ${(((rows / ms) * 1000) / 1e6).toFixed(2).padStart(6)} M rows/s ${rss.toFixed(0).padStart(6)} MiB peak RSS`;
const med = (ms: Measurement[]): [number, number] => [median(ms.map((m) => m.ms)), median(ms.map((m) => m.maxRssMb))];
const [baseMs, baseRss] = med(base.ours);
const [duckBaseMs, duckBaseRss] = med(base.duck);
const [cubeMs, cubeRss] = med(cube.ours);
const [duckCubeMs, duckCubeRss] = med(cube.duck);

const manifest = JSON.parse(
  new TextDecoder().decode(await store.get(`rollup/hour/dt=${date}/_manifest.json`)),
) as Manifest;
const c = manifest.cube!;
const tree = treeTotals(manifest);
const sidecars = await Promise.all(
  treesOf(manifest).map(
    async (t) =>
      JSON.parse(new TextDecoder().decode(await store.get(t.key))) as {
        nodes: { level: number[]; start: number[]; end: number[]; childLevel: number[] };
      },
  ),
);
const perLevel = new Map<number, { nodes: number; leaves: number; records: number }>();
for (const sidecar of sidecars)
  sidecar.nodes.level.forEach((level, n) => {
    const e = perLevel.get(level) ?? { nodes: 0, leaves: 0, records: 0 };
    e.nodes++;
    if (sidecar.nodes.childLevel[n]! < 0) e.leaves++;
    e.records += sidecar.nodes.end[n]! - sidecar.nodes.start[n]!;
    perLevel.set(level, e);
  });
const sizeOf = (keys: readonly { bytes: number }[]): number => keys.reduce((a, k) => a + k.bytes, 0);
const duckCubeBytes = (await stat(`${root}/duckdb/cube.parquet`)).size;
const queries = await benchRandomQueries(store, config.output.prefix, config.cube!, date, config.metrics, 1000);
const levelName = (l: number): string =>
  l < 0 ? 'root' : l === 0 ? 'hour' : config.cube!.dimensionsSplitOrder[l - 1]!;

process.stdout.write(
  [
    `${rows} raw rows (${date}, ${(rawBytes / 1e6).toFixed(1)} MB of Parquet); median of ${repeats} runs, each in its own process; 2 cores`,
    'base rollup (hour x metric x dimensions: count/sum/min/max/last -> zstd Parquet)',
    line('telemetry-rollup run, no cube', baseMs, baseRss),
    line('DuckDB GROUP BY, 2 threads', duckBaseMs, duckBaseRss),
    line('DuckDB GROUP BY, 1 thread', base1.ms, base1.maxRssMb),
    `  ratio ours/DuckDB (2 threads each): ${(baseMs / duckBaseMs).toFixed(2)}   (goal <= 2.0 now, <= 1.0 later)`,
    `  whole processes, start-up and module loading included: ours ${median(base.ours.map((m) => m.processMs)).toFixed(0)} ms, DuckDB ${median(base.duck.map((m) => m.processMs)).toFixed(0)} ms -> ratio ${(median(base.ours.map((m) => m.processMs)) / median(base.duck.map((m) => m.processMs))).toFixed(2)}`,
    ...(scale
      ? [
          `  at ${scaleRows} rows (fixed costs amortised; median of ${scale.ours.length}): ours ${median(scale.ours.map((m) => m.ms)).toFixed(0)} ms ${median(scale.ours.map((m) => m.maxRssMb)).toFixed(0)} MiB, DuckDB ${median(scale.duck.map((m) => m.ms)).toFixed(0)} ms ${median(scale.duck.map((m) => m.maxRssMb)).toFixed(0)} MiB -> ratio ${(median(scale.ours.map((m) => m.ms)) / median(scale.duck.map((m) => m.ms))).toFixed(2)}`,
        ]
      : []),
    `full cube (read + base + star-tree + ${c.cuboids.length} cuboids + write) vs DuckDB GROUP BY hour, CUBE(${c.spec.dimensionsSplitOrder.length} split dimensions)`,
    line('telemetry-rollup run, with cube', cubeMs, cubeRss),
    line('DuckDB GROUP BY CUBE, 2 threads', duckCubeMs, duckCubeRss),
    `  ratio ours/DuckDB: ${(cubeMs / duckCubeMs).toFixed(2)}   (goal <= 0.5)`,
    `sketches (DDSketch per distribution record, HLL per distinct record): full run ${cubeMs.toFixed(0)} ms vs ${median(noSketch.map((m) => m.ms)).toFixed(0)} ms without; hour files ${bytesOf(manifest)} B vs ${bytesOf(noSketchManifest)} B without`,
    `star-tree (T = ${c.spec.maxLeafRecords}): ${tree.nodes} nodes, ${tree.records} records (${tree.baseRecords} base); records per level:`,
    ...[...perLevel]
      .sort(([a], [b]) => a - b)
      .map(
        ([l, e]) =>
          `  ${levelName(l).padEnd(10)} ${String(e.nodes).padStart(7)} nodes ${String(e.leaves).padStart(7)} leaves ${String(e.records).padStart(9)} records in ranges`,
      ),
    `output: base ${manifest.rows.out} rows ${sizeOf(manifest.outputs)} B; star-tree records ${tree.records} rows ${sizeOf(c.records)} B + index ${tree.bytes} B; cuboids ${c.cuboids.reduce((a, x) => a + x.rows, 0)} rows ${sizeOf(c.cuboidFiles)} B`,
    `  vs raw ${rows} rows ${rawBytes} B: ${(((sizeOf(manifest.outputs) + sizeOf(c.records) + tree.bytes + sizeOf(c.cuboidFiles)) / rawBytes) * 100).toFixed(1)}% of the raw bytes; DuckDB's full CUBE output ${duckCubeBytes} B`,
    `1000 random queries (one day, cube cached): p50 ${queries.p50Ms.toFixed(2)} ms, p99 ${queries.p99Ms.toFixed(2)} ms; records read p50 ${queries.p50RecordsRead}, worst ${queries.maxRecordsRead} (worst bound leaves x T = ${queries.maxBound})`,
    '',
  ].join('\n'),
);
