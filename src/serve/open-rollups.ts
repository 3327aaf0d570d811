import { isPastRetention, retentionPolicyOf } from '../rollup/plan-retention.js';
import type { JobConfig, PatternRoles } from '../config/job-config.js';
import { ConfigError, loadJobConfig, parseJobConfig } from '../config/load-job-config.js';
import { metricCatalog } from '../config/metric-catalog.js';
import type { ObjectStore } from '../storage/object-store.js';
import { openStore } from '../storage/open-store.js';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { CubeCacheCounts, ManifestChecks, SegmentReads } from '../query/cube-cache.js';
import { PartitionChangedError } from '../partition/load-partition.js';
import type { DimensionValues, ValuesRequest } from '../query/list-dimension-values.js';
import { hoursRead, lastDaysRange, type TimeRange } from '../query/hours-read.js';
import { mergeMetricsMissing, type MissingData } from '../query/missing-data.js';
import {
  QueryError,
  aggregatesByKind,
  runQuery,
  CubeCache,
  type Query,
  type QueryExplain,
  type QueryRow,
} from '../query/run-query.js';

/** A query as a library caller writes it: the metric's kind comes from the catalog, the aggregate defaults by kind. */
export type RollupQuery = Omit<Query, 'kind' | 'agg' | 'grain' | 'where' | 'whereNot' | 'groupBy'> &
  Partial<Pick<Query, 'agg' | 'grain' | 'where' | 'whereNot' | 'groupBy'>>;

/** An answer: rows sorted by time then group values, what it cost, and which days and hours had no data. */
export interface RollupAnswer {
  readonly rows: readonly QueryRow[];
  readonly explain: QueryExplain;
  readonly missing: MissingData;
}

/** One time series of a pattern answer, for charts: points sorted by time. */
export interface Series {
  readonly name: string | null; // e.g. the broker (null: the rows without one), or the metric
  readonly unit: string;
  readonly points: readonly { readonly time: string; readonly value: number }[];
}

/**
 * Trend series (still an array, as before) carrying what was missing as a non-enumerable property, so JSON output stays
 * an array.
 */
export type TrendAnswer = readonly Series[] & { readonly missing: MissingData };

/** The committed rollups of a store, queryable: the same engine as `telemetry-rollup query`, typed, for services. */
export interface Rollups {
  readonly config: JobConfig;
  /** Any query the cube can answer. */
  query(q: RollupQuery): Promise<RollupAnswer>;
  /**
   * Facts: total network bytes (the catalog's `patterns.networkBytes` metrics) of a tenant or cluster (or a cluster of
   * a tenant: both) in the hour holding `hour`, named with the hour's start; null (not 0) where nothing matched.
   */
  facts(o: { readonly tenant?: string; readonly cluster?: string; readonly hour: Date }): Promise<{
    readonly tenant?: string;
    readonly cluster?: string;
    readonly hour: string; // ISO-8601, the hour's start
    readonly bytes: number | null;
    readonly byMetric: readonly { readonly metric: string; readonly bytes: number | null }[];
    readonly missing: MissingData;
  }>;
  /**
   * Trends: a gauge of a cluster's brokers, hour by hour (default `patterns.load`, avg over the 7 days before `end`).
   */
  trend(o: {
    readonly cluster: string;
    readonly end: Date;
    readonly days?: number;
    readonly metric?: string;
  }): Promise<TrendAnswer>;
  /**
   * Diagnose: storage (`patterns.storage`, point-in-time total) of a cluster or topic (or both) in the hour holding
   * `at`, named with the hour's start; null (not 0) where nothing matched.
   */
  diagnose(o: { readonly cluster?: string; readonly topic?: string; readonly at: Date }): Promise<{
    readonly cluster?: string;
    readonly topic?: string;
    readonly hour: string; // ISO-8601, the hour's start
    readonly bytes: number | null;
    readonly byTopic: readonly { topic: string | null; bytes: number }[];
    readonly missing: MissingData;
  }>;
  /**
   * Attribution: a cluster's load (`patterns.load`, avg) next to its requests (`patterns.requests`, sum), hourly over
   * the 7 days before `end`, with their Pearson correlation.
   */
  attribute(o: { readonly cluster: string; readonly end: Date; readonly days?: number }): Promise<{
    readonly cpu: Series;
    readonly fetches: Series;
    readonly correlation: number | null;
    readonly missing: MissingData;
  }>;
  /** Distinct values of a dimension in the committed partitions of a date range (for Grafana template variables). */
  values(o: ValuesRequest): Promise<DimensionValues>;
  /** Readiness: lists one key under the rollup prefix; rejects when the store cannot be reached or has no root. */
  ready(): Promise<void>;
  /** How the day cache answered so far (hits, first loads, reloads after a manifest changed). */
  cacheCounts(): Readonly<CubeCacheCounts>;
}

const hourMs = 3_600_000;

/**
 * How a one-shot command reads: only what each query needs, each day's manifest once (no HEAD per query), and local
 * files by blocking system calls (it has nothing else to do while it waits).
 */
export const oneShotReads = { segmentReads: 'partial', manifestChecks: 'once', syncReads: true } as const;

/** Opens the rollups of a store (a location string or an ObjectStore) with a job config (a path or a parsed config). */
export async function openRollups(options: {
  readonly store: string | ObjectStore;
  readonly config?: string | JobConfig;
  readonly cacheBytes?: number; // memory for loaded segments (LRU); default 512 MiB
  // 'cached' (default): whole segments kept in the LRU (many queries); 'partial': each query reads only the row groups
  // it needs, nothing kept (one-shot commands)
  readonly segmentReads?: SegmentReads;
  // 'every-query' (default): a HEAD per day per query, so a new commit shows on the next query; 'once': each day's
  // manifest read once, every query answered from that snapshot (one-shot commands)
  readonly manifestChecks?: ManifestChecks;
  readonly syncReads?: boolean; // a store given by its location: local files read by blocking calls (one-shot)
}): Promise<Rollups> {
  const store =
    typeof options.store === 'string' ? openStore(options.store, { syncReads: options.syncReads }) : options.store;
  // an object is checked and completed as a file is (a parsed JSON document lacked the defaults: lateArrivalHours)
  const config =
    typeof options.config === 'object'
      ? parseJobConfig(JSON.parse(JSON.stringify(options.config)), 'given to openRollups')
      : await loadJobConfig(options.config);
  const spec = config.cube;
  if (!spec) throw new QueryError('query needs a cube: the job config has no "cube" section');
  const cache = new CubeCache(options.cacheBytes, options.segmentReads, options.manifestChecks);
  // the queries of one answer (facts: received and sent; attribute: cpu and fetches) read each day as one commit
  const versions = new AsyncLocalStorage<Map<string, string>>();
  cache.pinVersionsWith(versions);
  // a partition committed again (or removed) while read: a listed file gone under the query, or two queries of one
  // answer that met two commits (PartitionChangedError); asked again once, from what is committed now
  const oneVersion = async <T>(answer: () => Promise<T>): Promise<T> => {
    if (versions.getStore()) return answer(); // within an answer's scope already: its retry covers this query
    try {
      return await versions.run(new Map(), answer);
    } catch (e) {
      if (!(e instanceof PartitionChangedError)) throw e;
      return versions.run(new Map(), answer); // a commit landed meanwhile: once more, from the new one
    }
  };
  const roles = (pattern: string): PatternRoles => {
    if (!config.patterns)
      throw new ConfigError(`${pattern} needs the job config's "patterns" section (which metric plays which role)`);
    return config.patterns;
  };
  const policy = retentionPolicyOf(config);
  const tiers = config.output.tiers.map((t) => t.grain);
  // judged at each query's clock: serve runs for days
  const pastRetention = (date: string): boolean => tiers.every((g) => isPastRetention(date, policy[g], Date.now()));
  const query = async (q: RollupQuery): Promise<RollupAnswer> => {
    const metric = metricCatalog(config).get(q.metric);
    if (!metric)
      throw new QueryError(
        `query metric '${q.metric}' is not in the metric catalog ` +
          `(known: ${[...metricCatalog(config).keys()].join(', ')})`,
      );
    return oneVersion(() =>
      runQuery(
        store,
        config.output.prefix,
        spec,
        {
          grain: 'hour',
          where: {},
          whereNot: {},
          groupBy: [],
          agg: aggregatesByKind[metric.kind][0]!,
          ...q,
          kind: metric.kind,
          seriesDimensions: config.raw.dimensions,
          ...(metric.distinctOf ? { distinctOf: metric.distinctOf } : {}),
          pastRetention,
        },
        cache,
        {
          lateArrivalHours: config.raw.lateArrivalHours,
          dayTierDrops: config.output.tiers.find((t) => t.grain === 'day')?.dropDimensions ?? null,
        },
      ),
    );
  };
  const unitOf = (metric: string): string => metricCatalog(config).get(metric)?.unit ?? '';
  // keyed by the value itself: a null broker and one named "null" are two series
  const seriesOf = (rows: readonly QueryRow[], name: (r: QueryRow) => string | null, unit: string): Series[] => {
    const byName = new Map<string | null, { time: string; value: number }[]>();
    for (const r of rows) {
      const points = byName.get(name(r));
      if (points) points.push({ time: r.time, value: r.value });
      else byName.set(name(r), [{ time: r.time, value: r.value }]);
    }
    return [...byName].map(([n, points]) => ({ name: n, unit, points }));
  };
  return {
    config,
    query,
    // loaded on first use: it reads base files through Arrow, which a query never needs
    values: async (o) => (await import('../query/list-dimension-values.js')).listDimensionValues(store, config, o),
    ready: async () => {
      await store.checkRoot?.();
      await store.listPage(config.output.prefix, undefined, 1);
    },
    cacheCounts: () => ({ ...cache.counts }), // a copy: a value kept from before does not change under its holder
    async facts(o) {
      return oneVersion(async () => {
        const where = whereOf({ tenant: o.tenant, cluster: o.cluster }, 'facts needs a tenant or a cluster');
        const hour = Math.floor(timeOf('hour', o.hour) / hourMs) * hourMs;
        const total = async (metric: string): Promise<{ value: number | null; missing: MissingData }> => {
          const answer = await query({ metric, fromMs: hour, toMs: hour + hourMs, where, agg: 'sum' });
          return {
            value: answer.rows.length === 0 ? null : answer.rows.reduce((a, r) => a + r.value, 0),
            missing: answer.missing,
          };
        };
        const metrics = roles('facts').networkBytes;
        const totals = await Promise.all(metrics.map(total));
        const found = totals.filter((t) => t.value !== null);
        const bytes = found.length === 0 ? null : found.reduce((a, t) => a + t.value!, 0);
        return {
          ...(o.tenant !== undefined ? { tenant: o.tenant } : {}),
          ...(o.cluster !== undefined ? { cluster: o.cluster } : {}),
          hour: new Date(hour).toISOString(),
          bytes,
          byMetric: metrics.map((metric, i) => ({ metric, bytes: totals[i]!.value })),
          missing: mergeMetricsMissing(totals.map((t) => t.missing)),
        };
      });
    },
    async trend(o) {
      const metric = o.metric ?? roles('trend').load;
      const { fromMs, toMs } = lastDays(o.end, o.days ?? 7);
      const answer = await query({ metric, fromMs, toMs, where: { cluster: [o.cluster] }, groupBy: ['broker'] });
      const series = seriesOf(answer.rows, (r) => r.groups[0] ?? null, unitOf(metric));
      return Object.defineProperty(series, 'missing', { value: answer.missing, enumerable: false }) as Series[] & {
        readonly missing: MissingData;
      };
    },
    async diagnose(o) {
      const where = whereOf({ cluster: o.cluster, topic: o.topic }, 'diagnose needs a cluster or a topic');
      const hour = Math.floor(timeOf('at', o.at) / hourMs) * hourMs;
      const answer = await query({
        metric: roles('diagnose').storage,
        fromMs: hour,
        toMs: hour + hourMs,
        where,
        groupBy: ['topic'],
        agg: 'last',
      });
      const byTopic = answer.rows
        .map((r) => ({ topic: r.groups[0] ?? null, bytes: r.value }))
        .sort((a, b) => b.bytes - a.bytes);
      return {
        ...(o.cluster !== undefined ? { cluster: o.cluster } : {}),
        ...(o.topic !== undefined ? { topic: o.topic } : {}),
        hour: new Date(hour).toISOString(),
        bytes: byTopic.length === 0 ? null : byTopic.reduce((a, t) => a + t.bytes, 0),
        byTopic,
        missing: answer.missing,
      };
    },
    async attribute(o) {
      const { fromMs, toMs } = lastDays(o.end, o.days ?? 7);
      const where = { cluster: [o.cluster] };
      const { load, requests } = roles('attribute');
      const [cpu, fetches] = await oneVersion(() =>
        Promise.all([
          query({ metric: load, fromMs, toMs, where, agg: 'avg' }),
          query({ metric: requests, fromMs, toMs, where, agg: 'sum' }),
        ]),
      );
      const cpuSeries: Series = {
        name: `${load} (avg)`,
        unit: unitOf(load),
        points: cpu.rows.map((r) => ({ time: r.time, value: r.value })),
      };
      const fetchSeries: Series = {
        name: `${requests} (sum)`,
        unit: unitOf(requests),
        points: fetches.rows.map((r) => ({ time: r.time, value: r.value })),
      };
      return {
        cpu: cpuSeries,
        fetches: fetchSeries,
        correlation: correlationOf(cpuSeries, fetchSeries),
        missing: mergeMetricsMissing([cpu.missing, fetches.missing]),
      };
    },
  };
}

/** Pearson correlation of two series over the times both have; null with fewer than 3 shared points or no variance. */
export function correlationOf(a: Series, b: Series): number | null {
  const bv = new Map(b.points.map((p) => [p.time, p.value]));
  const pairs = a.points.filter((p) => bv.has(p.time)).map((p) => [p.value, bv.get(p.time)!] as const);
  if (pairs.length < 3) return null;
  const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
  const mx = mean(pairs.map((p) => p[0]));
  const my = mean(pairs.map((p) => p[1]));
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const [x, y] of pairs) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy);
}

/** Epoch ms of a Date a caller gave as `name`; an Invalid Date (or no Date) is refused naming it. */
function timeOf(name: string, d: Date): number {
  const ms = d instanceof Date ? d.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new QueryError(`${name} ${String(d)} is not a time`);
  return ms;
}

/** The whole hours of the `days` days up to `end`: those that start in that range (`end` rounded up to the hour). */
function lastDays(end: Date, days: number): TimeRange {
  if (!Number.isSafeInteger(days) || days < 1) throw new QueryError(`days ${String(days)} is not a whole number >= 1`);
  timeOf('end', end);
  return hoursRead(lastDaysRange(end, days));
}

function whereOf(values: Readonly<Record<string, string | undefined>>, missing: string): Record<string, string[]> {
  const where = Object.fromEntries(
    Object.entries(values)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, [v!]]),
  );
  if (Object.keys(where).length === 0) throw new QueryError(missing);
  return where;
}
