import { Table } from 'apache-arrow';
import { loadJobConfig } from '../src/config/load-job-config.js';
import type { CubeSpec } from '../src/cube/cube-spec.js';
import { resolveLayout } from '../src/cube/cube-spec.js';
import { buildStarTree } from '../src/cube/build-star-tree.js';
import { computeCuboids } from '../src/cube/cuboids.js';
import { encodeStarTreeIndex } from '../src/cube/star-tree-index-v3.js';
import { sortBaseRecords, type BaseRecords } from '../src/ingest/base-records.js';
import { GlobalDictionary } from '../src/ingest/global-dictionary.js';
import type { AggregateState } from '../src/ingest/series-aggregate.js';
import { HyperLogLog } from '../src/measures/hyperloglog.js';
import type { MeasureSketch } from '../src/measures/measure-sketch.js';
import { emptySampleMeasures } from '../src/measures/measure-state.js';
import { QuantileSketch } from '../src/measures/quantile-sketch.js';
import { cubeRecordsToArrow } from '../src/partition/records-to-arrow.js';
import { writePartition } from '../src/parquet/write-partition.js';
import { starTreeRecordFileOptions } from '../src/rollup/build-cube.js';
import { cubeInputFromBase } from '../src/rollup/cube-from-base.js';
import { buildFleet } from '../src/sample/fleet-topology.js';
import { planSampleSeries, sampleMetrics } from '../src/sample/sample-series.js';
import { hash2, hashUnit } from '../src/sample/prng.js';

// Cube cost per base record from 10^4 to 10^6 base records (issue 13: flat within 1.5x), stage by stage, on base records
// built directly from the sample generator's fleet (its metrics, dimensions and cardinalities; past the fleet's own
// series, copies of its clusters), 24 hours each, with the default job's cube. `BENCH_SIZES=1e4,1e5` and
// `BENCH_REPEAT=3` override the sizes and the repetitions (medians are printed).
const sizes = (process.env.BENCH_SIZES ?? '1e4,1e5,1e6').split(',').map(Number);
const repeat = Number(process.env.BENCH_REPEAT ?? 3);
const dayStart = Date.UTC(2026, 10, 24);
const job = await loadJobConfig();
const spec: CubeSpec = job.cube!;
const output = {
  targetFileBytes: job.output.targetFileBytes,
  rowGroupRows: job.output.rowGroupRows,
  compression: 'zstd' as const,
};

/** `n` base records (rounded down to whole series of 24 hours) over the sample fleet, replicated past its size. */
function syntheticBase(n: number): BaseRecords {
  const series = planSampleSeries(buildFleet(42), 5);
  const wanted = Math.max(1, Math.floor(n / 24));
  const metrics = new GlobalDictionary();
  const dimensionNames = ['region', 'tenant', 'cluster', 'broker', 'topic', 'partition'];
  const dims = dimensionNames.map(() => new GlobalDictionary());
  const dec = new TextDecoder();
  const name = (column: keyof typeof series.names, id: number): string | null =>
    id < 0 ? null : dec.decode(series.names[column][id]!);
  const groups = wanted * 24;
  const width = 2 + dimensionNames.length;
  const keys = new Int32Array(groups * width);
  const state = emptySampleMeasures(groups);
  const increase = new Float64Array(groups).fill(Number.NaN);
  const sketches: (MeasureSketch | undefined)[] = new Array(groups);
  for (let s = 0; s < wanted; s++) {
    const i = s % series.count;
    const copy = Math.floor(s / series.count);
    const metric = sampleMetrics[series.metric[i]!]!.name;
    const cluster = `${name('cluster', series.cluster[i]!)}${copy > 0 ? `-${copy}` : ''}`;
    const partition = series.partition[i]! < 0 ? null : String(series.partition[i]);
    const ids = [
      metrics.idOf(metric),
      dims[0]!.idOf(name('region', series.region[i]!)),
      dims[1]!.idOf(name('tenant', series.tenant[i]!)),
      dims[2]!.idOf(cluster),
      dims[3]!.idOf(name('broker', series.broker[i]!)),
      dims[4]!.idOf(name('topic', series.topic[i]!)),
      dims[5]!.idOf(partition),
    ];
    for (let h = 0; h < 24; h++) {
      const g = s * 24 + h;
      keys[g * width] = h;
      ids.forEach((id, j) => (keys[g * width + 1 + j] = id));
      const u = hashUnit(hash2(s, h), 1);
      const v = 1000 * u;
      state.count[g] = 60;
      state.sum[g] = 60 * v;
      state.min[g] = v / 2;
      state.max[g] = v * 2;
      state.last[g] = v;
      state.lastTime[g] = (h * 3600 + 3540 + Math.floor(60 * u)) * 1e9;
      state.first[g] = v / 3;
      state.firstTime[g] = (h * 3600 + Math.floor(60 * u)) * 1e9;
      if (metric === 'bytes_in_total') increase[g] = 1e6 * u;
      if (metric === 'request_latency_ms') {
        const q = new QuantileSketch();
        for (let k = 0; k < 8; k++) q.add(1 + 100 * hashUnit(g, k));
        sketches[g] = q;
      }
      if (metric === 'partition_online') {
        const hll = new HyperLogLog();
        hll.addString(JSON.stringify([name('topic', series.topic[i]!), partition, cluster]));
        sketches[g] = hll;
      }
    }
  }
  const aggregate: AggregateState = { ...state, groups, width, keys };
  return sortBaseRecords(aggregate, metrics, dimensionNames, dims, increase, sketches);
}

const stages = ['rekey', 'starTree', 'cuboids', 'arrow', 'parquet', 'index'] as const;
type Stage = (typeof stages)[number];

/** CPU time of the process so far, ms: on a shared machine it moves less with the other tenants' load than wall time. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** One cube build, timed stage by stage (ms); the stages are those of buildCubeFromInput. */
function timeCube(base: BaseRecords): { ms: Record<Stage, number>; records: number } {
  const ms = {} as Record<Stage, number>;
  let t = cpuMs();
  const lap = (stage: Stage): void => {
    const now = cpuMs();
    ms[stage] = now - t;
    t = now;
  };
  const input = cubeInputFromBase(base, spec.dimensionsSplitOrder);
  lap('rekey');
  const tree = buildStarTree(input.records, resolveLayout(spec), input.dictionaries);
  lap('starTree');
  const cuboids = computeCuboids(tree, spec, 24);
  lap('cuboids');
  const treeTable = cubeRecordsToArrow(tree.records, spec.dimensionsSplitOrder, tree.dictionaries, dayStart);
  const cuboidTables = cuboids.map((c) =>
    cubeRecordsToArrow(c.records, spec.dimensionsSplitOrder, tree.dictionaries, dayStart),
  );
  lap('arrow');
  writePartition(treeTable, starTreeRecordFileOptions(output));
  if (cuboidTables.length > 0) writePartition(new Table(cuboidTables.flatMap((t) => t.batches)), output);
  lap('parquet');
  encodeStarTreeIndex(tree, dayStart);
  lap('index');
  return { ms, records: tree.records.length };
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const perSize = new Map<number, Record<Stage | 'total', number>>();
process.stdout.write(
  `base records  tree records  ${stages.map((s) => s.padStart(9)).join('')}     total   (CPU ns per base record, median of ${repeat} runs, ${5 * repeat} below 10^5)\n`,
);
const warm = syntheticBase(20_000);
for (let i = 0; i < 3; i++) timeCube(warm); // warm-up: JIT and the Parquet writer's WebAssembly, not measured
for (const n of sizes) {
  const made = performance.now();
  const base = syntheticBase(n);
  if (process.env.BENCH_VERBOSE)
    process.stderr.write(`base records built in ${(performance.now() - made).toFixed(0)} ms\n`);
  const baseCount = base.order.length;
  // small sizes run more often: they are cheap, and one GC pause would weigh on a single run
  const runs = Array.from({ length: baseCount < 100_000 ? 5 * repeat : repeat }, () => timeCube(base));
  const ns = {} as Record<Stage | 'total', number>;
  for (const s of stages) ns[s] = (median(runs.map((r) => r.ms[s])) * 1e6) / baseCount;
  ns.total = (median(runs.map((r) => stages.reduce((a, s) => a + r.ms[s], 0))) * 1e6) / baseCount;
  perSize.set(n, ns);
  process.stdout.write(
    `${String(baseCount).padStart(12)}  ${String(runs[0]!.records).padStart(12)}  ${stages.map((s) => ns[s].toFixed(0).padStart(9)).join('')}${ns.total.toFixed(0).padStart(10)}\n`,
  );
}
const small = perSize.get(sizes[0]!)!;
const large = perSize.get(sizes[sizes.length - 1]!)!;
process.stdout.write(
  `ratio ${sizes[sizes.length - 1]}/${sizes[0]}: ${[...stages, 'total' as const].map((s) => `${s} ${(large[s] / small[s]).toFixed(2)}`).join('  ')}\n`,
);
