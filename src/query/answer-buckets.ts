import { STAR } from '../cube/cube-records.js';
import { HyperLogLog } from '../measures/hyperloglog.js';
import { mergeSketches, type MeasureSketch } from '../measures/measure-sketch.js';
import { addRecordTotals, addTotals, totalsOfRecord, type MeasureTotals } from '../measures/measure-totals.js';
import { QuantileSketch } from '../measures/quantile-sketch.js';
import type { StarTree } from '../cube/star-tree.js';
import { dayStartMs } from '../storage/partition-path.js';
import type { QueryAggregate } from './query-choices.js';
import { compareNullableStrings } from '../ingest/value-order.js';

const hourMs = 3_600_000;
const hoursRadix = 2 ** 14; // hours of a query's range (at most 400 days) stay below it

/** One answer row: the bucket start, the group-by values, the aggregate. */
export interface QueryRow {
  readonly time: string; // ISO-8601 UTC
  readonly groups: readonly (string | null)[]; // in query.groupBy order
  readonly value: number;
}

interface Bucket extends MeasureTotals {
  readonly time: number;
  readonly groups: readonly (string | null)[];
  sketch: MeasureSketch | undefined;
}

/**
 * The buckets of one answer (time bucket x group-by values) that every segment's chosen records are added into,
 * exactly (counts, sums, min, max, sums of last values, increases, merged sketches). Group values are interned per
 * answer, so a record's bucket is found by numbers: each segment's dictionary ids are translated once.
 */
export class AnswerBuckets {
  private readonly buckets = new Map<number | string, Bucket>();
  private readonly interned: Map<string | null, number>[]; // per group-by dimension: value -> answer-wide id
  private readonly values: (string | null)[][]; // per group-by dimension: answer-wide id -> value
  private readonly translations: Map<readonly (string | null)[], Int32Array>[]; // per dimension: dictionary -> map

  /** `fromMs`: the query's start; bucket keys count hours from it, so most are small integers. */
  constructor(
    groupByCount: number,
    private readonly fromMs: number,
  ) {
    this.interned = Array.from({ length: groupByCount }, () => new Map());
    this.values = Array.from({ length: groupByCount }, () => []);
    this.translations = Array.from({ length: groupByCount }, () => new Map());
  }

  /**
   * Adds `chosen` records of `cube` (its group-by levels `groupBy`, in query order) to their buckets: the record's
   * hour, or `dayBucket` for an answer by day.
   */
  add(
    cube: { readonly date: string; readonly tree: Pick<StarTree, 'records' | 'dictionaries'> },
    chosen: readonly number[],
    groupBy: readonly number[],
    dayBucket: number | undefined,
  ): void {
    const { keys, m, sketches, width: w, first } = cube.tree.records; // record r at position r - first
    const start = dayStartMs(cube.date);
    const maps = groupBy.map((level, j) => this.translationOf(cube.tree.dictionaries[level - 1]!, j));
    // a leaf's records come sorted by the levels below it, so runs of them share a bucket: the last one is tried first
    let lastKey: number | string | undefined;
    let lastBucket: Bucket | undefined;
    for (const r of chosen) {
      const i = r - first;
      const time = dayBucket ?? start + keys[i * w]! * hourMs;
      let key: number | string = Math.floor((time - this.fromMs) / hourMs);
      if (maps.length === 1) key += hoursRadix * maps[0]![keys[i * w + groupBy[0]!]! + 1]!;
      else if (maps.length > 1) {
        key = `${time}`;
        for (let j = 0; j < maps.length; j++) key += `:${maps[j]![keys[i * w + groupBy[j]!]! + 1]!}`;
      }
      const b = key === lastKey ? lastBucket : this.buckets.get(key);
      lastKey = key;
      const sketch = sketches[i];
      if (!b)
        this.buckets.set(
          key,
          (lastBucket = {
            time,
            groups: maps.map((map, j) => this.values[j]![map[keys[i * w + groupBy[j]!]! + 1]!]!),
            ...totalsOfRecord(m, i),
            sketch: mergeSketches(undefined, sketch), // a copy: the record's belongs to the segment (maybe cached)
          }),
        );
      else {
        lastBucket = b;
        if (sketch !== undefined) b.sketch = mergeSketches(b.sketch, sketch);
        addRecordTotals(b, m, i);
      }
    }
  }

  /**
   * Adds the totals of a segment's records of the query's metric (no filter, no group-by): the hour `time` (epoch ms),
   * or `dayBucket` for an answer by day. The same sums as adding those records one by one.
   */
  addTotals(time: number, totals: MeasureTotals, dayBucket: number | undefined): void {
    const at = dayBucket ?? time;
    const key = Math.floor((at - this.fromMs) / hourMs);
    const b = this.buckets.get(key);
    if (b) addTotals(b, totals);
    else this.buckets.set(key, { time: at, groups: [], ...totals, sketch: undefined });
  }

  /**
   * The first bucket start (epoch ms) whose records lack the measure `agg` needs (a sketch of the right type, a
   * counter's increase), which records of the metric built as another kind lack; undefined when none does.
   */
  lackingMeasure(agg: QueryAggregate): number | undefined {
    const lacks = measureCheckOf(agg);
    if (!lacks) return undefined;
    let first: number | undefined;
    for (const b of this.buckets.values()) if (lacks(b) && (first === undefined || b.time < first)) first = b.time;
    return first;
  }

  /** The bucket starts (epoch ms) where something matched. */
  times(): Set<number> {
    return new Set([...this.buckets.values()].map((b) => b.time));
  }

  /** The answer's rows, by time then group values (nulls, the star, last). */
  rows(agg: QueryAggregate): QueryRow[] {
    const iso = new Map<number, string>();
    const isoOf = (t: number): string => iso.get(t) ?? iso.set(t, new Date(t).toISOString()).get(t)!;
    return [...this.buckets.values()]
      .sort((a, b) => a.time - b.time || compareGroups(a.groups, b.groups))
      .map((b) => ({ time: isoOf(b.time), groups: b.groups, value: valueOfBucket(agg, b) }));
  }

  /** Segment dictionary id + 1 (0 is the star) -> answer-wide id of group-by dimension `j`, built once per dictionary. */
  private translationOf(dictionary: readonly (string | null)[], j: number): Int32Array {
    const known = this.translations[j]!.get(dictionary);
    if (known) return known;
    const map = new Int32Array(dictionary.length + 1);
    for (let id = STAR; id < dictionary.length; id++) {
      const value = id === STAR ? null : dictionary[id]!;
      let answerId = this.interned[j]!.get(value);
      if (answerId === undefined) {
        answerId = this.values[j]!.push(value) - 1;
        this.interned[j]!.set(value, answerId);
      }
      map[id + 1] = answerId;
    }
    this.translations[j]!.set(dictionary, map);
    return map;
  }
}

/** What a bucket lacks when its records were built as another kind than `agg` needs (undefined: every kind has it). */
function measureCheckOf(agg: QueryAggregate): ((b: Bucket) => boolean) | undefined {
  if (agg === 'increase') return (b) => Number.isNaN(b.increase); // a record not of a counter holds none
  if (agg === 'distinct') return (b) => !(b.sketch instanceof HyperLogLog);
  if (agg === 'p50' || agg === 'p90' || agg === 'p95' || agg === 'p99')
    return (b) => !(b.sketch instanceof QuantileSketch);
  return undefined;
}

function valueOfBucket(agg: QueryAggregate, b: Bucket): number {
  switch (agg) {
    case 'sum':
      return b.sum;
    case 'count':
      return b.count;
    case 'min':
      return b.min;
    case 'max':
      return b.max;
    case 'avg':
      return b.sum / b.count;
    case 'last':
      return b.lastSum;
    case 'increase':
      return b.increase;
    case 'distinct':
      return b.sketch instanceof HyperLogLog ? Math.round(b.sketch.estimate()) : Number.NaN;
    default: // p50, p90, p95, p99
      return b.sketch instanceof QuantileSketch ? b.sketch.quantile(Number(agg.slice(1)) / 100, b.min) : Number.NaN;
  }
}

function compareGroups(a: readonly (string | null)[], b: readonly (string | null)[]): number {
  for (let i = 0; i < a.length; i++) {
    const order = compareNullableStrings(a[i] ?? null, b[i] ?? null); // by code point, nulls last, as files are
    if (order !== 0) return order;
  }
  return 0;
}
