import { heldByLiveRun } from '../partition/lease.js';
import type { MetricKind } from '../config/job-config.js';
import { ancestorsOf, type CubeSpec } from '../cube/cube-spec.js';
import { traverseStarTree, type LevelFilter, type TreeQuery } from '../cube/traverse.js';
import type { ObjectStore } from '../storage/object-store.js';
import { dayStartMs, leaseKey, partitionDates } from '../storage/partition-path.js';
import { StorageError } from '../storage/storage-error.js';
import { CubeCache } from './cube-cache.js';
import { shardOfValue } from '../ingest/series-shard.js';
import { measureTotalsOf, rangeHolds, type ManifestHourTotals, type ManifestSegment } from '../partition/manifest.js';
import type { SegmentLayout } from '../partition/segment-list.js';
import type { LoadedCube } from '../partition/load-cube.js';
import { isBuiltFromHourFiles } from '../partition/day-tier-source.js';
import { hoursRead } from './hours-read.js';
import type { LoadedPartition } from '../partition/load-partition.js';
import type { SegmentWant } from '../partition/manifest-parts.js';
import type { SegmentExplain } from './read-segment.js';
import { readAhead } from '../storage/read-ahead.js';
import { AnswerBuckets, type QueryRow } from './answer-buckets.js';
import type { MissingData } from './missing-data.js';
import { aggregatesByKind, type QueryAggregate } from './query-choices.js';
import { whyUnfit } from './partition-fit.js';

export { queryAggregates, type QueryAggregate } from './query-choices.js';
export type { SegmentExplain } from './read-segment.js';
export type { QueryRow } from './answer-buckets.js';

export { aggregatesByKind } from './query-choices.js';

/** Refuses an aggregate that makes no sense for a metric's kind, saying which would. */
export function checkAggregate(metric: string, kind: MetricKind, agg: QueryAggregate): void {
  const allowed = aggregatesByKind[kind];
  if (allowed.includes(agg)) return;
  throw new QueryError(
    `query aggregate ${agg} does not apply to ${metric} (${kind}: ${whyNot(kind, agg)}); use ${allowed.join(', ')}`,
  );
}

/** Why an aggregate a metric's kind does not take means nothing for it: said of that aggregate, not of the kind. */
function whyNot(kind: MetricKind, agg: QueryAggregate): string {
  switch (agg) {
    case 'increase':
      return 'increase is the reset-corrected growth of a cumulative counter';
    case 'distinct':
      return "distinct counts a distinct metric's values (its sketch)";
    case 'last':
      return kind === 'delta'
        ? 'a delta counter has no point-in-time value'
        : 'its samples are not a level that holds until the next one';
    case 'sum':
      return kind === 'gauge'
        ? 'gauge values do not add up over time'
        : kind === 'cumulative'
          ? 'a cumulative counter is a running total: its values do not add up'
          : 'its samples do not add up';
    case 'min':
    case 'max':
    case 'avg':
      return kind === 'cumulative'
        ? 'a cumulative counter is a running total: its samples say nothing alone'
        : 'its samples are markers, counted by distinct';
    case 'count':
      return 'every kind counts its samples'; // not reached: every kind allows count
    default: // p50, p90, p95, p99
      return "percentiles are read from a distribution's sketch";
  }
}

/** A usage-pattern query over committed cubes. */
export interface Query {
  readonly metric: string;
  readonly kind: MetricKind; // from the metric catalog
  readonly fromMs: number; // inclusive, epoch ms UTC
  readonly toMs: number; // exclusive
  readonly grain: 'hour' | 'day';
  readonly groupBy: readonly string[];
  readonly where: Readonly<Record<string, readonly string[]>>; // dimension -> allowed values
  readonly whereNot: Readonly<Record<string, readonly string[]>>; // dimension -> excluded values
  readonly agg: QueryAggregate;
  // the job's raw dimensions, which tell series apart: `last` and `increase` read only partitions whose series had
  // them all (absent: not checked)
  readonly seriesDimensions?: readonly string[];
  readonly distinctOf?: readonly string[]; // a distinct metric's distinctOf: what its sketches must count
  // the job's retention at the caller's clock: whether a day is past every tier's retentionDays (absent: never)
  readonly pastRetention?: (date: string) => boolean;
}

/** What the query cost, per committed day read. */
export interface QueryExplain {
  readonly days: readonly {
    date: string;
    tier: 'hour' | 'day';
    staleDayTier: boolean; // a day tier built before hours were rebuilt: not read, the hours merged instead
    hourCuboid: string | null; // the day tier's hour cuboid read instead of every hour's segment (hour tier answers)
    nodesVisited: number;
    leavesReached: number;
    recordsRead: number;
    maxLeafRecords: number;
    segmentsRead: number; // segments whose star-tree was traversed
    segmentsPruned: number; // segments of the time range skipped by shard or by their min/max statistics
    hoursFromTotals: number; // hours (or the day tier's day) answered from the manifest's hour totals: no entry read
    bytesRead: number; // bytes fetched from the store for this day's segments (0 for segments already in memory)
    rowGroupsRead: number; // star-tree record row groups decoded
    segments: readonly SegmentExplain[]; // per segment traversed
  }[];
  readonly missingDays: readonly string[]; // days in range with no committed partition
  readonly recordsRead: number;
}

/** One day's explain, filled as its segments are merged. */
type DayExplain = { -readonly [K in keyof QueryExplain['days'][number]]: QueryExplain['days'][number][K] } & {
  readonly segments: SegmentExplain[];
};

/** A segment a query reads, with its day's terms. */
interface SegmentRead {
  readonly day: DayExplain;
  readonly start: number; // the day's start, epoch ms
  readonly partition: LoadedPartition;
  readonly segment: ManifestSegment;
  readonly timeFrom: number; // the hours of the day the query reads, [timeFrom, timeTo)
  readonly timeTo: number;
  readonly hourCuboid?: string; // a day-tier segment whose hour cuboids answer (this cuboid's run of the metric)
}

/** The longest range a query reads, in days. */
export const maxQueryDays = 400;

/** Raised for a query that cannot be answered as asked; the message says what would work. */
export class QueryError extends Error {
  override readonly name = 'QueryError';
}

const hourMs = 3_600_000;

/** Loaded cubes by day, for a process that answers many queries (a server, a benchmark): see cube-cache.ts. */
export { CubeCache } from './cube-cache.js';

/** What the job config tells a query beyond the manifests; a field left out is not known (a store read without its job). */
export interface QueryJobFacts {
  // raw.lateArrivalHours: on a day built by `run --hour` runs, an hour whose later folders (where its late rows land:
  // the next ones of the day, or the next day's) are not built yet may still lack rows
  readonly lateArrivalHours?: number;
  // the dimensions the job's day tier drops (null: the job declares no day tier): whether a day tier not committed yet
  // will answer a question at day grain once built, or never
  readonly dayTierDrops?: readonly string[] | null;
}

/**
 * Answers a query from the committed cubes of every day it spans, reading a bounded number of records. With
 * --grain day, a day the range covers whole is read from the day tier (exact last and increase); otherwise its
 * hours are merged (sums, counts, min, max, avg only). `missing` lists the days never rolled up and the buckets
 * (hours, or days at day grain) of rolled-up days where nothing matched, so "no data" is never read as zero.
 */
export async function runQuery(
  store: ObjectStore,
  rollupPrefix: string,
  spec: CubeSpec,
  q: Query,
  cache?: CubeCache,
  job: QueryJobFacts = {},
): Promise<{ rows: QueryRow[]; explain: QueryExplain; missing: MissingData }> {
  const lateArrivalHours = job.lateArrivalHours ?? 0;
  validateQuery(spec, q);
  checkAggregate(q.metric, q.kind, q.agg);
  const needsDayTier = q.grain === 'day' && (q.agg === 'last' || q.agg === 'increase');
  const referenced = new Set([...q.groupBy, ...Object.keys(q.where), ...Object.keys(q.whereNot), 'metric']);
  const buckets = new AnswerBuckets(q.groupBy.length, q.fromMs);
  const days: DayExplain[] = [];
  const reads: SegmentRead[] = []; // the segments of every day read, in day and manifest order
  const missingDays: string[] = [];
  const hourTierGone: string[] = []; // among missingDays: the day tier is committed, the hour tier is not
  const dayTierDrops = new Set<string>(); // dimensions the question needs that those days' day tier drops
  const unfit: { date: string; why: string }[] = []; // days rolled up under another job config that cannot answer the query, with why
  const notBuilt: number[] = []; // hour starts of partial days' hours not built yet
  const expected: number[] = []; // bucket starts (query grain) of the committed days read
  const cubes = cache ?? new CubeCache(undefined, 'partial', 'once'); // one query: read only what it needs
  const needsSketches = answersBySketch(q.agg);
  const dates: string[] = [];
  // the days of the hours that start in [from, to)
  const firstHourMs = hoursRead(q).fromMs;
  for (let t = Math.floor(firstHourMs / (24 * hourMs)) * 24 * hourMs; t < q.toMs; t += 24 * hourMs)
    dates.push(new Date(t).toISOString().slice(0, 10));
  // the hours of a day the range reads, those that start in [from, to): [hourFrom, hourTo)
  const hoursOf = (date: string): readonly [number, number] => {
    const start = dayStartMs(date);
    return [Math.max(0, Math.ceil((q.fromMs - start) / hourMs)), Math.min(24, Math.ceil((q.toMs - start) / hourMs))];
  };
  // a day whose every hour the range reads (--to 23:30 reads hour 23 as --to 24:00 does)
  const wholeDay = (date: string): boolean => {
    const [hourFrom, hourTo] = hoursOf(date);
    return hourFrom === 0 && hourTo === 24;
  };
  // every day's manifest the answer reads first is checked (and read) at once: the hour tier's, or at day grain the
  // day tier's of the days covered whole
  const firstTier = (date: string): 'hour' | 'day' => (q.grain === 'day' && wholeDay(date) ? 'day' : 'hour');
  // the segment entries a day's manifest is read for (a manifest is read in part where it is large): those of the
  // hours asked for (the day tier's: every unit) in the shards asked for; none where only its head is needed
  const shards = (layout: SegmentLayout) => shardsWanted(layout, q);
  const byTotals = answersFromTotals(q);
  const answeredOf = (
    tier: 'hour' | 'day',
    hours: readonly [number, number],
    totals: readonly ManifestHourTotals[] | undefined,
  ) => (byTotals ? hoursAnsweredByTotals(totals, q, tier, hours) : new Set<number | null>());
  const wantOf = (date: string, tier: 'hour' | 'day'): SegmentWant => ({
    hours: tier === 'hour' ? hoursOf(date) : undefined,
    shards,
    ...(byTotals
      ? { answered: (totals: readonly ManifestHourTotals[] | undefined) => answeredOf(tier, hoursOf(date), totals) }
      : {}),
  });
  const headOnly: SegmentWant = { hours: [0, 0], shards: () => new Set() };
  const partitions = new Map(
    dates.map((d) => [d, cubes.partition(store, rollupPrefix, d, firstTier(d), wantOf(d, firstTier(d)))] as const),
  );
  // a day tier answers only while it is built from the hour files committed now: read the hour manifests alongside
  const hourSources = new Map(
    dates
      .filter((d) => firstTier(d) === 'day')
      .map((d) => [d, cubes.partition(store, rollupPrefix, d, 'hour', headOnly)] as const),
  );
  // a one-shot query a declared cuboid answers at hour grain reads a whole day's hours from the day tier's hour
  // cuboids (one file per day unit) where that tier is built from the hour files committed now
  const dayTiers = new Map(
    cubes.segmentReads === 'partial' &&
      cubes.hourCuboids &&
      !needsDayTier &&
      !answersFromTotals(q) &&
      declaresCuboidOf(spec, referenced)
      ? dates
          // a day asked for one hour reads that hour's segments: a day unit is never fewer reads than one
          .filter((d) => firstTier(d) === 'hour' && hoursOf(d)[1] - hoursOf(d)[0] > 1)
          .map((d) => [d, cubes.partition(store, rollupPrefix, d, 'day', wantOf(d, 'day'))] as const)
      : [],
  );
  for (const p of [...partitions.values(), ...hourSources.values(), ...dayTiers.values()]) p.catch(() => {}); // awaited in the loop
  const levels = queryLevelsOf(q, spec, referenced);
  for (const date of dates) {
    const start = dayStartMs(date);
    const day = firstTier(date) === 'day' ? await partitions.get(date) : undefined;
    const source = day ? await hourSources.get(date) : undefined; // absent: the hour tier's retention removed it
    const stale = day !== undefined && source !== undefined && !isBuiltFromHourFiles(day.signatures, source.signatures);
    const dayDimensions = day?.manifest.cube?.spec.dimensionsSplitOrder ?? [];
    const dropped = [...referenced].filter((d) => !dayDimensions.includes(d));
    const dayFits = day !== undefined && !stale && dropped.length === 0;
    if (needsDayTier && !dayFits) {
      // never rolled up at all (whole or in part of the range): no data, not a query that cannot be answered
      if (day === undefined && !(await cubes.partition(store, rollupPrefix, date, 'hour', headOnly))) {
        missingDays.push(date);
        continue;
      }
      // a run committed the hours and is building the day tier now (again, or for the first time): a moment's state,
      // not the client's mistake; unless the day tier cannot answer it when built (part of a day, a dropped dimension)
      // (one not committed yet holds what the job's day tier keeps; a job without a day tier never builds one)
      const jobDrops = job.dayTierDrops === undefined ? [] : (job.dayTierDrops ?? [...referenced]);
      const willDrop = day === undefined ? [...referenced].filter((d) => jobDrops.includes(d)) : dropped;
      const couldFit = firstTier(date) === 'day' && willDrop.length === 0;
      if (couldFit && (stale || day === undefined) && (await runInProgress(store, rollupPrefix, date)))
        throw new StorageError(
          `query aggregate ${q.agg} at day grain needs the day tier of ${date}, which a run is ` +
            `${day ? 'rebuilding' : 'building'} now (it holds the partition lease): retry in a moment`,
          true,
        );
      throw new QueryError(
        stale
          ? `query aggregate ${q.agg} at day grain needs the day tier of ${date}, which is stale: hours of the day were ` +
              `rebuilt after it was built (run --hour, or late files); \`telemetry-rollup run --date ${date}\` ` +
              `rebuilds it, or ask for the hour grain`
          : `query aggregate ${q.agg} at day grain needs the committed day tier of ${date}, covering the whole ` +
              `day${willDrop.length > 0 ? `, to hold ${willDrop.join(', ')}, which it drops` : ''}; ask for the hour grain`,
      );
    }
    const partition = dayFits
      ? day
      : await (firstTier(date) === 'hour'
          ? partitions.get(date)!
          : cubes.partition(store, rollupPrefix, date, 'hour', wantOf(date, 'hour')));
    if (!partition) {
      missingDays.push(date);
      // an hour-grain question over a day whose hour tier the hour tier's retention removed: its day tier holds it
      const dayTier = dayFits ? undefined : await cubes.partition(store, rollupPrefix, date, 'day', headOnly);
      if (dayTier) {
        hourTierGone.push(date);
        const kept = dayTier.manifest.cube?.spec.dimensionsSplitOrder ?? dayTier.manifest.dimensions;
        for (const d of referenced) if (!kept.includes(d)) dayTierDrops.add(d);
      }
      continue;
    }
    const needs = { ...q, referenced };
    // the day tier's series and skipped metrics are its hour tier's (absent: removed by the hour tier's retention)
    const built = dayFits ? source?.manifest : partition.manifest;
    const why = whyUnfit(needs, partition.manifest.cube!.spec.dimensionsSplitOrder, built);
    if (why) {
      unfit.push({ date, why });
      continue;
    }
    const [hourFrom, hourTo] = hoursOf(date);
    const folders = dayFits ? undefined : partition.manifest.hourFolders; // a partial day: hours built so far
    // an hour that may still get rows (it, or a folder its late rows land in, is not built yet) is "not built yet",
    // never also "nothing matching"; nor is a day holding such an hour
    const complete = (h: number): boolean => !folders || hourComplete(h, folders, lateArrivalHours);
    let whole = hourFrom < hourTo;
    for (let h = hourFrom; h < hourTo; h++) {
      if (complete(h)) {
        if (q.grain === 'hour') expected.push(start + h * hourMs);
      } else {
        notBuilt.push(start + h * hourMs);
        whole = false;
      }
    }
    if (q.grain === 'day' && whole) expected.push(start);
    const [timeFrom, timeTo] = dayFits ? [0, 1] : [hourFrom, hourTo];
    const cuboidDay = dayFits ? undefined : await dayTiers.get(date)?.catch(() => undefined);
    const cuboidUnits = cuboidDay?.segments
      .pick(undefined, shardsWanted(cuboidDay.segments.layout, q))
      .segments.filter((s) => mayHold(s, cuboidDay.segments.layout, q));
    // the day tier's units instead of the hour segments (whose entries are then not even checked), pruned alike (by
    // shard and by each unit's statistics), when they are fewer reads than one per hour asked for
    const hourCuboid =
      cuboidDay &&
      cuboidUnits &&
      cuboidUnits.length < hourTo - hourFrom &&
      isBuiltFromHourFiles(cuboidDay.signatures, partition.signatures)
        ? hourCuboidOf(cuboidDay, cuboidUnits, referenced, q.metric)
        : undefined;
    const from = hourCuboid && cuboidDay ? cuboidDay : partition;
    // a query of the metric alone takes an hour's totals over its segments from the manifest where it has them
    const answered = answeredOf(dayFits ? 'day' : 'hour', [hourFrom, hourTo], partition.hourTotals);
    for (const h of partition.hourTotals ?? []) {
      if (!answered.has(h.hour)) continue;
      const totals = measureTotalsOf(h.metrics[q.metric]!);
      buckets.addTotals(start + (h.hour ?? 0) * hourMs, totals, q.grain === 'day' ? start : undefined);
    }
    // only the segments of the shards asked for are checked; the others of the hours count as pruned
    const units = from.segments.pick(
      from === partition && !dayFits ? [hourFrom, hourTo] : undefined,
      shardsWanted(from.segments.layout, q),
      from === partition ? answered : undefined,
    );
    const kept =
      from === cuboidDay && cuboidUnits
        ? cuboidUnits
        : units.segments.filter((s) => mayHold(s, from.segments.layout, q));
    days.push({
      date,
      tier: dayFits ? 'day' : 'hour',
      staleDayTier: stale,
      hourCuboid: hourCuboid ?? null,
      nodesVisited: 0,
      leavesReached: 0,
      recordsRead: 0,
      bytesRead: 0,
      rowGroupsRead: 0,
      maxLeafRecords: partition.manifest.cube!.spec.maxLeafRecords,
      segmentsRead: kept.length,
      segmentsPruned: units.ofTheHours - kept.length,
      hoursFromTotals: answered.size,
      segments: [],
    });
    const explained = days.at(-1)!;
    reads.push(
      ...kept.map((segment) => ({
        day: explained,
        start,
        partition: from,
        segment,
        timeFrom,
        timeTo,
        ...(hourCuboid ? { hourCuboid } : {}),
      })),
    );
  }
  if (unfit.length > 0) {
    const [it, days] = unfit.length === 1 ? ['it', 'a day'] : ['them', `${unfit.length} days`];
    throw new QueryError(
      `query cannot answer exactly from ${days} rolled up under another job config: ` +
        `${unfit.map((u) => `${u.date} (${u.why})`).join('; ')}; rebuild ${it} with this config ` +
        `(\`telemetry-rollup run --date ${unfit[0]!.date} --force\`${unfit.length > 1 ? ' for each' : ''}), ` +
        `or ask for a range without ${it}`,
    );
  }
  // every day's segments merge in order (the same sums to the last bit), read ahead of the merge; a query of the
  // metric alone takes each segment's totals from its manifest entry where it has them, and reads nothing of it
  const read = async (r: SegmentRead) => {
    if (r.hourCuboid !== undefined) {
      const { readHourCuboids } = await import('./read-hour-cuboids.js');
      const { metric, where, whereNot, groupBy, agg } = q;
      const cuboidQuery = { cuboid: r.hourCuboid, metric, where, whereNot, groupBy, agg, sketches: needsSketches };
      const got = await readHourCuboids(store, r.partition, r.segment, {
        ...cuboidQuery,
        hourFrom: r.timeFrom,
        hourTo: r.timeTo,
      });
      return { kind: 'cuboid' as const, ...got, of: r };
    }
    // a segment whose totals leave the metric out (its totals are not finite, or it has no record of the metric
    // although its statistics span it) is read
    const totals = byTotals ? r.segment.cube?.metricTotals : undefined;
    if (totals && Object.hasOwn(totals, q.metric)) return { kind: 'totals' as const, of: r, totals: totals[q.metric]! };
    // the segment reader loads with the first segment read (a query answered by totals never loads it)
    const { readSegment } = await import('./read-segment.js');
    const segment = await readSegment(cubes, store, r.partition, r.segment, q.agg, needsSketches, (c) =>
      treeQueryOf(c, levels, r.timeFrom, r.timeTo),
    );
    return { kind: 'records' as const, ...segment, of: r };
  };
  for await (const got of readAhead(reads, cubes.segmentsInFlight(store), read)) {
    if (got.kind === 'cuboid') {
      const { of, explain, cube, chosen, groupBy } = got;
      of.day.segments.push(explain);
      of.day.bytesRead += explain.bytesRead;
      of.day.rowGroupsRead += explain.rowGroupsRead;
      of.day.recordsRead += explain.recordsLoaded;
      buckets.add(cube, chosen, groupBy, q.grain === 'day' ? of.start : undefined);
      continue;
    }
    if (got.kind === 'totals') {
      const { of, totals } = got;
      of.day.segments.push(totalsExplain(of.segment));
      const hourStart = of.start + (of.segment.hour ?? 0) * hourMs;
      buckets.addTotals(hourStart, measureTotalsOf(totals), q.grain === 'day' ? of.start : undefined);
      continue;
    }
    const { cube, tq, explain, of } = got;
    const t = traverseStarTree(cube.tree, tq);
    const explained = of.day;
    explained.segments.push(explain);
    explained.bytesRead += explain.bytesRead;
    explained.rowGroupsRead += explain.rowGroupsRead;
    explained.nodesVisited += t.nodesVisited;
    explained.leavesReached += t.leavesReached;
    explained.recordsRead += t.recordsRead;
    buckets.add(cube, t.records, tq.groupBy, q.grain === 'day' ? of.start : undefined);
  }
  const lacking = buckets.lackingMeasure(q.agg);
  if (lacking !== undefined) throw builtAsAnotherKind(q, lacking);
  const rows = buckets.rows(q.agg);
  const found = buckets.times();
  const empty = expected.filter((t) => !found.has(t));
  const removed = missingDays.filter((d) => !hourTierGone.includes(d) && (q.pastRetention?.(d) ?? false));
  const missing: MissingData = {
    days: [
      ...missingDays,
      ...(q.grain === 'day' ? empty.map((t) => new Date(t).toISOString().slice(0, 10)) : []),
    ].sort(),
    notRolledUp: missingDays.filter((d) => !hourTierGone.includes(d)),
    ...(hourTierGone.length > 0 ? { hourTierGone } : {}),
    ...(dayTierDrops.size > 0 ? { dayTierDrops: [...dayTierDrops].sort() } : {}),
    ...(removed.length > 0 ? { removedByRetention: removed } : {}),
    hours: q.grain === 'hour' ? empty.map((t) => new Date(t).toISOString()) : [],
    ...(notBuilt.length > 0 ? { notBuilt: notBuilt.map((t) => new Date(t).toISOString()) } : {}),
    nothingFound: rows.length === 0,
  };
  return { rows, explain: { days, missingDays, recordsRead: days.reduce((n, d) => n + d.recordsRead, 0) }, missing };
}

/** The refusal of an answer whose records at `time` were built when the metric was of another kind. */
function builtAsAnotherKind(q: Query, time: number): QueryError {
  const date = new Date(time).toISOString().slice(0, 10);
  const what =
    q.agg === 'increase' ? "counter's increase" : q.agg === 'distinct' ? 'distinct sketch' : 'quantile sketch';
  return new QueryError(
    `query ${q.agg} of '${q.metric}': its records of ${new Date(time).toISOString()} hold no ${what}: the partition of ` +
      `${date} was built when '${q.metric}' was of another kind than ${q.kind} (the job config changed since; \`verify\` ` +
      `lists such partitions). Rebuild it (\`run --date ${date} --force\`, while its raw objects are kept) or query ` +
      'with the job config it was built with',
  );
}

/** Whether the spec declares a cuboid holding every dimension a query references ('metric' among them). */
function declaresCuboidOf(spec: CubeSpec, referenced: ReadonlySet<string>): boolean {
  return spec.cuboids.some((c) => [...referenced].every((d) => c.dimensions.includes(d)));
}

/**
 * The cuboid of a day tier's hour cuboids that answers a query of `metric` referencing `referenced` from `segments`
 * (the units it reads): of those holding every referenced dimension in every one of them, the one with the fewest rows
 * of the metric (what the query decodes), then the fewest dimensions; undefined when none is.
 */
function hourCuboidOf(
  day: LoadedPartition,
  segments: readonly ManifestSegment[],
  referenced: ReadonlySet<string>,
  metric: string,
): string | undefined {
  let best: { name: string; rows: number; dims: number } | undefined;
  for (const c of day.manifest.cube?.cuboids ?? []) {
    if (![...referenced].every((d) => c.dimensions.includes(d))) continue;
    let rows = 0;
    for (const s of segments) {
      const runs = s.hourCuboids?.find((f) => f.cuboid === c.name)?.runs;
      if (runs === undefined) {
        rows = Number.POSITIVE_INFINITY; // a unit without it (built before it was declared): not this cuboid
        break;
      }
      const run = Object.hasOwn(runs, metric) ? runs[metric] : undefined;
      if (run) rows += run[1] - run[0];
    }
    const dims = c.dimensions.length; // on a tie, the cuboid of fewer dimensions (fewer columns of each row)
    if (best === undefined || rows < best.rows || (rows === best.rows && dims < best.dims))
      best = { name: c.name, rows, dims };
  }
  return best && Number.isFinite(best.rows) ? best.name : undefined;
}

/** Whether an aggregate is read from sketches (percentiles, distinct counts) rather than summed measures. */
function answersBySketch(agg: QueryAggregate): boolean {
  return agg === 'distinct' || /^p\d+$/.test(agg);
}

/** Whether the query asks for a metric alone (no filter, no group-by) with an aggregate its totals answer. */
function answersFromTotals(q: Query): boolean {
  return (
    q.groupBy.length === 0 &&
    Object.keys(q.where).length === 0 &&
    Object.keys(q.whereNot).length === 0 &&
    !answersBySketch(q.agg)
  );
}

/**
 * The hours of [from, to) (the day tier: its day, as the hour null) whose totals of the query's metric over every
 * segment the manifest's head holds, where those totals are its answer: at hour grain in the hour tier (a bucket is an
 * hour), or the day tier's whole day at day grain; the same numbers as the segments' totals added up in manifest order.
 */
function hoursAnsweredByTotals(
  hourTotals: readonly ManifestHourTotals[] | undefined,
  q: Query,
  tier: 'hour' | 'day',
  [from, to]: readonly [number, number],
): Set<number | null> {
  const answered = new Set<number | null>();
  if (tier === 'hour' ? q.grain !== 'hour' : q.grain !== 'day') return answered;
  for (const h of hourTotals ?? []) {
    const inRange = tier === 'day' ? h.hour === null : h.hour !== null && h.hour >= from && h.hour < to;
    if (inRange && Object.hasOwn(h.metrics, q.metric)) answered.add(h.hour);
  }
  return answered;
}

/** The explain of a segment answered by its totals: nothing read; its files' bytes as the manifest lists them. */
function totalsExplain(segment: ManifestSegment): SegmentExplain {
  const files = segment.cube ? [segment.cube.tree, ...segment.cube.records] : [];
  const segmentBytes = files.reduce((n, f) => n + f.bytes, 0);
  return {
    hour: segment.hour,
    shard: segment.shard,
    reads: 'totals',
    bytesRead: 0,
    segmentBytes,
    rowGroupsRead: 0,
    recordsLoaded: 0,
  };
}

/** The query's dimensions by role, before they become one segment's levels and dictionary ids. */
interface QueryLevels {
  readonly filters: readonly (readonly [dimension: string, kind: LevelFilter['kind'], values: readonly string[]])[];
  readonly groupBy: readonly string[];
  readonly expand: readonly string[]; // hierarchy parents of referenced dimensions, walked value by value
}

function queryLevelsOf(q: Query, spec: CubeSpec, referenced: ReadonlySet<string>): QueryLevels {
  const filters: [string, LevelFilter['kind'], readonly string[]][] = [['metric', 'in', [q.metric]]];
  for (const [d, values] of Object.entries(q.where)) filters.push([d, 'in', values]);
  for (const [d, values] of Object.entries(q.whereNot)) {
    if (Object.hasOwn(q.where, d))
      throw new QueryError(`query dimension '${d}' is both in where and in where-not; use one`);
    filters.push([d, 'not-in', values]);
  }
  const expand = [...new Set([...referenced].flatMap((d) => ancestorsOf(d, spec.hierarchy)))].filter(
    (d) => !referenced.has(d),
  );
  return { filters, groupBy: q.groupBy, expand };
}

/** The query in one segment's tree terms: its filters (as the segment's dictionary ids), group-by and hours. */
function treeQueryOf(
  cube: LoadedCube,
  levels: QueryLevels,
  timeFrom: number,
  timeTo: number,
): TreeQuery & { groupBy: number[] } {
  const order = cube.index.splitOrder;
  const level = (d: string): number => order.indexOf(d) + 1;
  const filters = new Map<number, LevelFilter>();
  for (const [d, kind, values] of levels.filters) {
    const dict = cube.tree.dictionaries[order.indexOf(d)]!;
    filters.set(level(d), { kind, ids: new Set(values.map((v) => dict.indexOf(v)).filter((i) => i >= 0)) });
  }
  const expand = levels.expand.filter((d) => order.includes(d)).map(level);
  return { timeFrom, timeTo, filters, groupBy: levels.groupBy.map(level), expand };
}

/** The shards holding the values the query wants of the partition dimension; undefined when it wants every shard. */
function shardsWanted(layout: SegmentLayout, q: Query): ReadonlySet<number> | undefined {
  const values = layout.shards > 1 ? q.where[layout.partitionDimension] : undefined;
  return values ? new Set(values.map((v) => shardOfValue(v, layout.shards))) : undefined;
}

/**
 * False when a segment cannot hold a record the query asks for: its shard is not the shard of any value the query
 * wants of the partition dimension, or a wanted value (metric or a --where value) lies outside its min/max.
 */
function mayHold(segment: ManifestSegment, layout: SegmentLayout, q: Query): boolean {
  const wanted = Object.entries(q.where);
  const shards = shardsWanted(layout, q);
  if (shards && !shards.has(segment.shard)) return false;
  for (const [d, values] of [['metric', [q.metric]] as const, ...wanted])
    if (!values.some((v) => rangeHolds(segment.stats[d], v))) return false;
  return true;
}

/**
 * Whether hour `h` of a partially built day holds all its rows: its own folder and the next `lateArrivalHours` folders
 * (where its late rows land) are built, all of them folders of the same day (a partial day has not read the next day's).
 */
function hourComplete(h: number, builtFolders: readonly number[], lateArrivalHours: number): boolean {
  for (let folder = h; folder <= h + lateArrivalHours; folder++)
    if (folder > 23 || !builtFolders.includes(folder)) return false;
  return true;
}

/** Whether a live run holds the lease of the day's hour or day tier (it is writing them). */
async function runInProgress(store: ObjectStore, rollupPrefix: string, date: string): Promise<boolean> {
  const now = new Date();
  const held = await Promise.all(
    (['hour', 'day'] as const).map((grain) => heldByLiveRun(store, leaseKey(rollupPrefix, grain, date), now)),
  );
  return held.some(Boolean);
}

function validateQuery(spec: CubeSpec, q: Query): void {
  const dims = spec.dimensionsSplitOrder.filter((d) => d !== 'metric');
  for (const d of [...q.groupBy, ...Object.keys(q.where), ...Object.keys(q.whereNot)]) {
    if (!dims.includes(d))
      throw new QueryError(`query dimension '${d}' is not in the cube (dimensions: ${dims.join(', ')})`);
  }
  if (new Set(q.groupBy).size !== q.groupBy.length)
    throw new QueryError(`query group-by repeats a dimension: ${q.groupBy.join(',')}`);
  // a library caller's Invalid Date or NaN: named, not a RangeError of the message's own toISOString
  for (const [name, ms] of [
    ['fromMs', q.fromMs],
    ['toMs', q.toMs],
  ] as const)
    if (!Number.isFinite(ms) || Number.isNaN(new Date(ms).getTime()))
      throw new QueryError(`query ${name} ${String(ms)} is not a time (epoch milliseconds within Date's range)`);
  if (!(q.fromMs < q.toMs))
    throw new QueryError(
      `query time range is empty: from ${new Date(q.fromMs).toISOString()} is not before ` +
        `to ${new Date(q.toMs).toISOString()}`,
    );
  if (q.toMs - q.fromMs > maxQueryDays * 86_400_000)
    throw new QueryError(
      `query time range from ${new Date(q.fromMs).toISOString()} to ${new Date(q.toMs).toISOString()} is longer ` +
        `than ${maxQueryDays} days, the longest range read: ask for a shorter one (from, to)`,
    );
  const [first, last] = [partitionDates.first, partitionDates.last];
  if (q.fromMs < dayStartMs(first) || q.toMs > dayStartMs(last) + 24 * hourMs)
    throw new QueryError(
      `query time range ${new Date(q.fromMs).toISOString()} to ${new Date(q.toMs).toISOString()} is not within ` +
        `the days a partition can be, ${first} to ${last}`,
    );
}
