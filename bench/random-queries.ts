import { performance } from 'node:perf_hooks';
import type { CubeSpec } from '../src/cube/cube-spec.js';
import { loadCubes } from '../src/partition/load-cube.js';
import type { MetricKind } from '../src/config/job-config.js';
import { aggregatesByKind, runQuery, CubeCache, type Query } from '../src/query/run-query.js';
import type { ObjectStore } from '../src/storage/object-store.js';
import { median } from './measure-child.js';

/**
 * Latency (cube loaded once, then cached) and records read of `count` random usage-pattern queries against one
 * committed day.
 */
export async function benchRandomQueries(
  store: ObjectStore,
  rollupPrefix: string,
  spec: CubeSpec,
  date: string,
  metrics: Readonly<Record<string, { kind: MetricKind }>>,
  count: number,
): Promise<{ p50Ms: number; p99Ms: number; maxRecordsRead: number; p50RecordsRead: number; maxBound: number }> {
  const cache = new CubeCache();
  const cubes = (await loadCubes(store, rollupPrefix, date, 'hour'))!;
  const dims = spec.dimensionsSplitOrder.filter((d) => d !== 'metric');
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const valuesOf = (d: string): readonly (string | null)[] =>
    [
      ...new Set(
        cubes.flatMap((c) => c.tree.dictionaries[spec.dimensionsSplitOrder.indexOf(d)]!.filter((v) => v !== null)),
      ),
    ].sort();
  const day = Date.parse(`${date}T00:00:00Z`);
  const latencies: number[] = [];
  const reads: number[] = [];
  let maxBound = 0;
  for (let i = 0; i < count; i++) {
    const from = rand(24);
    const groupBy = [dims[rand(dims.length)]!, dims[rand(dims.length)]!]
      .slice(0, rand(3))
      .filter((d, j, a) => a.indexOf(d) === j);
    const filterDim = dims[rand(dims.length)]!;
    const values = valuesOf(filterDim);
    const where =
      rand(2) === 0 && values.length > 0 && !groupBy.includes(filterDim)
        ? { [filterDim]: [values[rand(values.length)]!] }
        : {};
    const names = Object.keys(metrics);
    const metric = names[rand(names.length)]!;
    const kind = metrics[metric]!.kind;
    const aggs = aggregatesByKind[kind];
    const q: Query = {
      metric,
      kind,
      fromMs: day + from * 3_600_000,
      toMs: day + (from + 1 + rand(24 - from)) * 3_600_000,
      grain: 'hour',
      groupBy,
      where: where as Record<string, string[]>,
      whereNot: {},
      agg: aggs[rand(aggs.length)]!,
    };
    const started = performance.now();
    const { explain } = await runQuery(store, rollupPrefix, spec, q, cache);
    latencies.push(performance.now() - started);
    reads.push(explain.recordsRead);
    for (const d of explain.days) maxBound = Math.max(maxBound, d.leavesReached * d.maxLeafRecords);
  }
  latencies.sort((a, b) => a - b);
  return {
    p50Ms: median(latencies),
    p99Ms: latencies[Math.floor(latencies.length * 0.99)]!,
    maxRecordsRead: Math.max(...reads),
    p50RecordsRead: median(reads),
    maxBound,
  };
}
