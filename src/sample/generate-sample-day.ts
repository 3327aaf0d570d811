// Over 300 lines: the sample day's row budget, sampling grid and Arrow encoding share their loop state.
import {
  Field,
  Float64,
  Int32,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampMillisecond,
  Utf8,
  makeData,
  type Data,
} from 'apache-arrow';
import { dayStartMs } from '../storage/partition-path.js';
import { planFleetDayEvents, type FleetDayEvents } from './fleet-day-events.js';
import { growFleet, type GrownFleet } from './grow-fleet.js';
import { hash2, hashUnit } from './prng.js';
import { seriesPerPartition, type SampleSeries } from './sample-series.js';
import { sampleValue } from './sample-value.js';

export { sampleMetrics, type MetricLevel, type SampleMetric } from './sample-series.js';

/** What to generate: one UTC day of raw telemetry. */
export interface SampleDayOptions {
  readonly date: string; // partition date, YYYY-MM-DD (UTC)
  readonly rows: number; // exact number of rows written for the day, previous-day late rows included
  readonly seed: number; // same seed, same fleet and same rows
  readonly filesPerHour?: number; // files per hour folder, default 5 (series are spread by hash)
  // series sampled (a prefix of the sampling order); the fleet grows (more clusters of the same seed) to hold them.
  // Default: from the rows and the step below
  readonly series?: number;
  // seconds between two samples of a series that the series count is sized for; given, the fleet grows to hold
  // rows / (86,400 / stepSeconds) series. Default 60, with the seed's fleet as the cap (more rows sample more often)
  readonly stepSeconds?: number;
}

/** The series count and sampling step a day is sized for, when the caller picks them (see SampleDayOptions). */
export interface SampleShape {
  readonly series?: number | undefined;
  readonly stepSeconds?: number | undefined;
}

/** One raw file of the day: the rows that land in folder `hr=<hour>` as `part-<fileIndex>.parquet`. */
export interface SampleFile {
  readonly hour: number; // folder hour, 0..23 (late rows sit in the folder after their timestamp's hour)
  readonly fileIndex: number; // 0..filesPerHour-1
  readonly table: Table; // rawSampleSchema, rows in timestamp order, then series order
}

/** How a row budget is turned into series and samples (see the data contract). */
export interface SampleBudget {
  // series sampled: the fleet's core series, plus whole partitions while one sample a minute fits
  readonly series: number;
  readonly samplesPerSeries: number; // before missing samples: ceil(in-day rows / series)
  readonly stepSeconds: number; // seconds between two samples of a series, before missing samples are made up for
  readonly previousDayRows: number; // late rows of the previous day's last minute, written in hr=00
}

/** Arrow schema of raw telemetry in long format: one row per sample. */
export const rawSampleSchema = new Schema([
  new Field('timestamp', new TimestampMillisecond('UTC'), false),
  new Field('metric', new Utf8(), false),
  new Field('value', new Float64(), true),
  ...['region', 'tenant', 'cluster', 'broker', 'topic'].map((name) => new Field(name, new Utf8(), true)),
  new Field('partition', new Int32(), true),
]);

const nullEvery = 20_000; // about one row in this many has a null value
const nanEvery = 50_000; // about one row in this many has a NaN value
const lateEvery = 500; // one row in this many of hour H (0..22) is written to folder H+1
const previousDayShare = 0.0005; // previous-day rows, as a share of an average hour's rows
const stepTarget = 60; // seconds: extra partitions are sampled only while every series still gets a sample a minute

/**
 * Derives series count, samples per series, step and previous-day rows from a row budget and the fleet's series
 * (`core` always sampled, up to `total` when the budget allows one sample a minute, or every `shape.stepSeconds`, for
 * each; exactly `shape.series`, at most `total`, when given).
 */
export function planSampleBudget(
  rows: number,
  fleet: { readonly core: number; readonly total: number },
  shape: SampleShape = {},
): SampleBudget {
  const previousDayRows = previousDayRowsOf(rows);
  const wanted = wantedSeries(rows, shape.stepSeconds ?? stepTarget);
  const extra = Math.max(0, Math.floor((wanted - fleet.core) / seriesPerPartition) * seriesPerPartition);
  const series = Math.min(fleet.total, shape.series ?? fleet.core + extra);
  const samplesPerSeries = Math.ceil((rows - previousDayRows) / series);
  return { series, samplesPerSeries, stepSeconds: Math.floor(86_400 / samplesPerSeries), previousDayRows };
}

function previousDayRowsOf(rows: number): number {
  return rows >= 2000 ? Math.max(1, Math.round((rows / 24) * previousDayShare)) : 0;
}

/** Series that get one sample every `step` seconds from the day's in-day rows. */
function wantedSeries(rows: number, step: number): number {
  return Math.floor((rows - previousDayRowsOf(rows)) / (86_400 / step));
}

/** Refuses a series count or step that is not a positive integer in range. */
function checkShape(rows: number, shape: SampleShape): void {
  const { series, stepSeconds } = shape;
  if (series !== undefined && (!Number.isSafeInteger(series) || series < 1 || series > rows))
    throw new Error(`sample --series ${series} is not an integer in 1..--rows (${rows}): each series needs a sample`);
  if (stepSeconds !== undefined && (!Number.isInteger(stepSeconds) || stepSeconds < 1 || stepSeconds > 86_400))
    throw new Error(`sample --step ${stepSeconds} is not an integer in 1..86400 (seconds)`);
}

/** The fleet, its series and the row budget of a day, as generateSampleDay plans them (pure). */
export function planSampleDay(options: SampleDayOptions): GrownFleet & { readonly budget: SampleBudget } {
  const { rows, seed } = options;
  const shape = { series: options.series, stepSeconds: options.stepSeconds };
  checkShape(rows, shape);
  const grow = shape.series ?? (shape.stepSeconds === undefined ? 0 : wantedSeries(rows, shape.stepSeconds));
  const { fleet, series } = growFleet(seed, options.filesPerHour ?? 5, grow); // the seed's fleet unless more asked for
  return { fleet, series, budget: planSampleBudget(rows, { core: series.core, total: series.count }, shape) };
}

/**
 * Generates one day of raw Kafka fleet telemetry, hour folder by hour folder (pure, no I/O).
 * Exactly `rows` rows in all; the same options always give the same tables. The fleet depends on the seed only:
 * from `core` rows on (a few hundred thousand at most), every tenant, cluster, broker and topic of the seed appears
 * every day; more rows sample more often and more partitions of each topic. `series` or `stepSeconds` size the day
 * instead, with as many more clusters as the series need (a high-cardinality day).
 */
export function* generateSampleDay(options: SampleDayOptions): Generator<SampleFile> {
  const { date, rows, seed } = options;
  const files = options.filesPerHour ?? 5;
  if (!Number.isSafeInteger(rows) || rows < 1) throw new Error(`sample rows must be a positive integer, got ${rows}`);
  if (!Number.isInteger(files) || files < 1 || files > 256)
    throw new Error(`sample filesPerHour must be an integer in 1..256, got ${files}`);
  if (!Number.isInteger(seed)) throw new Error(`sample seed must be an integer, got ${seed}`);
  const dayStartSec = dayStartMs(date) / 1000;
  const { fleet, series, budget } = planSampleDay(options);
  const events = planFleetDayEvents(fleet, dayStartSec);
  const S = budget.series;
  const inDay = rows - budget.previousDayRows;
  const fleetGaps = seriesGaps(series, events, S);
  const planned = fitStep(budget.samplesPerSeries, S, inDay, fleetGaps);
  // Fewer than one sample an hour per series: no outages, and each series' grid is shifted by its own offset, so the
  // day's hours all hold samples instead of the few hours a shared grid would hit.
  const sparse = planned.step > 3600;
  const gaps = sparse ? noGaps(S) : fleetGaps;
  const { step, free } = sparse ? fitStep(budget.samplesPerSeries, S, inDay, gaps) : planned;
  const sparseSlots = sparse ? sparseSlotsByHour(S, step) : undefined;
  const drop = free - inDay; // grid slots outside the gaps that stay empty, spread evenly over the day (missed scrapes)
  let dropped = 0; // Bresenham accumulator: a slot is dropped each time it passes `free`

  const nulls = new OnePerBlock(hash2(seed, 1), nullEvery);
  const nans = new OnePerBlock(hash2(seed, 2), nanEvery);
  let out = newBuffers(files);
  const phase = hashUnit(seed, 3);
  for (let j = 0; j < budget.previousDayRows; j++) {
    const i = Math.floor(((j + phase) * S) / budget.previousDayRows); // distinct series, spread out
    push(out[series.file[i]!]!, i, -60, 0); // 23:59:00 of the previous day
  }
  let g = 0; // index of the row among the day's in-day rows, in generation order
  const { from1, to1, from2, to2 } = gaps;
  for (let h = 0; h < 24; h++) {
    const next = newBuffers(files); // late rows of hour h, written first in folder h+1
    const late = new OnePerBlock(hash2(seed, 100 + h), lateEvery);
    let j = 0; // index of the row within hour h
    const hourEnd = (h + 1) * 3600;
    const sample = (i: number, t: number): void => {
      if ((t >= from1[i]! && t < to1[i]!) || (t >= from2[i]! && t < to2[i]!)) return; // broker down or not scraped
      if ((dropped += drop) >= free) {
        dropped -= free;
        return;
      }
      const flag = nans.hits(g) ? flagNaN : nulls.hits(g) ? flagNull : 0;
      // Rows of hour 23 never move: their next folder belongs to the next day.
      const target = h < 23 && late.hits(j) ? next : out;
      push(target[series.file[i]!]!, i, t, flag);
      g++;
      j++;
    };
    if (sparseSlots) {
      for (const [t, i] of sparseSlots[h]!) sample(i, t);
    } else {
      for (let k = Math.ceil((h * 3600) / step); k * step < hourEnd; k++)
        for (let i = 0; i < S; i++) sample(i, k * step);
    }
    for (let f = 0; f < files; f++) {
      const buf = out[f]!;
      if (buf.series.length > 0)
        yield { hour: h, fileIndex: f, table: buildRawTable(series, events, buf, dayStartSec, step) };
    }
    out = next;
  }
}

/** No window without samples, for any of `count` series. */
function noGaps(count: number): SeriesGaps {
  const none = new Float64Array(count).fill(Infinity);
  return { from1: none, to1: none, from2: none, to2: none };
}

/**
 * The sample slots of a sparse day, by hour: series i samples at (k * step + its offset) mod one day, k = 0 .. slots-1,
 * with offsets spread evenly over one step; within an hour in time order, then by series.
 */
function sparseSlotsByHour(count: number, step: number): (readonly [number, number])[][] {
  const slots = Math.ceil(86_400 / step);
  const hours: (readonly [number, number])[][] = Array.from({ length: 24 }, () => []);
  for (let i = 0; i < count; i++) {
    const offset = Math.floor((i * step) / count);
    for (let k = 0; k < slots; k++) {
      const t = (k * step + offset) % 86_400;
      hours[Math.floor(t / 3600)]!.push([t, i]);
    }
  }
  for (const hour of hours) hour.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return hours;
}

/**
 * Windows (seconds since 00:00) in which each sampled series has no samples: its broker's downtime and scrape outage.
 */
interface SeriesGaps {
  readonly from1: Float64Array;
  readonly to1: Float64Array;
  readonly from2: Float64Array;
  readonly to2: Float64Array;
}

function seriesGaps(s: SampleSeries, ev: FleetDayEvents, count: number): SeriesGaps {
  const g = {
    from1: new Float64Array(count),
    to1: new Float64Array(count),
    from2: new Float64Array(count),
    to2: new Float64Array(count),
  };
  for (let i = 0; i < count; i++) {
    const b = 2 * s.fleetBroker[i]!;
    [g.from1[i], g.to1[i], g.from2[i], g.to2[i]] = [ev.gapFrom[b]!, ev.gapTo[b]!, ev.gapFrom[b + 1]!, ev.gapTo[b + 1]!];
  }
  return g;
}

/**
 * The largest step (from the nominal samples per series up) whose grid over the day holds `rows` samples outside
 * the gaps, and how many grid slots lie outside the gaps (`free` >= rows).
 */
function fitStep(
  samples: number,
  count: number,
  rows: number,
  gaps: SeriesGaps,
): { readonly step: number; readonly free: number } {
  const inWindow = (from: number, to: number, step: number, slots: number): number =>
    from === Infinity
      ? 0
      : Math.max(0, Math.min(slots, Math.ceil(to / step)) - Math.min(slots, Math.ceil(from / step)));
  for (let n = samples; ; n++) {
    const step = Math.max(1, Math.floor(86_400 / n));
    const slots = Math.ceil(86_400 / step); // k = 0 .. slots-1 has k * step < 86,400
    let free = count * slots;
    for (let i = 0; i < count; i++)
      free -= inWindow(gaps.from1[i]!, gaps.to1[i]!, step, slots) + inWindow(gaps.from2[i]!, gaps.to2[i]!, step, slots);
    if (free >= rows) return { step, free };
    if (step === 1)
      throw new Error(`sample rows ${rows} exceed one sample a second for each of the fleet's ${count} series`);
  }
}

const flagNull = 1;
const flagNaN = 2;

/** Rows of one file before they become columns: parallel arrays, one entry per row. */
interface RowBuffer {
  readonly series: number[]; // series index
  readonly t: number[]; // seconds since 00:00 UTC of the day (negative: previous day)
  readonly flag: number[]; // 0 value, flagNull, flagNaN
}

function newBuffers(files: number): RowBuffer[] {
  return Array.from({ length: files }, () => ({ series: [], t: [], flag: [] }));
}

function push(buf: RowBuffer, series: number, t: number, flag: number): void {
  buf.series.push(series);
  buf.t.push(t);
  buf.flag.push(flag);
}

/** Picks exactly one index per block of `period` consecutive indices, at a seeded position; ask in increasing order. */
class OnePerBlock {
  private block = -1;
  private target = -1; // the picked index of the current block

  constructor(
    private readonly seed: number,
    private readonly period: number,
  ) {}

  hits(index: number): boolean {
    while (index >= (this.block + 1) * this.period) {
      this.block++;
      this.target = this.block * this.period + (hash2(this.seed, this.block) % this.period);
    }
    return index === this.target;
  }
}

function buildRawTable(s: SampleSeries, ev: FleetDayEvents, buf: RowBuffer, dayStartSec: number, step: number): Table {
  const n = buf.series.length;
  const rowSeries = buf.series;
  const ts = new BigInt64Array(n);
  const values = new Float64Array(n);
  const valueValid = new Uint8Array((n + 7) >> 3);
  let valueNulls = 0;
  let lastT = NaN;
  let lastBig = 0n;
  for (let r = 0; r < n; r++) {
    const t = dayStartSec + buf.t[r]!;
    if (t !== lastT) [lastT, lastBig] = [t, BigInt(t * 1000)]; // rows come in timestamp order: few conversions
    ts[r] = lastBig;
    const flag = buf.flag[r]!;
    if (flag === flagNull) valueNulls++;
    else {
      valueValid[r >> 3]! |= 1 << (r & 7);
      values[r] = flag === flagNaN ? NaN : sampleValue(s, ev, rowSeries[r]!, t, step);
    }
  }
  const partitions = new Int32Array(n);
  const partitionValid = new Uint8Array((n + 7) >> 3);
  let partitionNulls = 0;
  for (let r = 0; r < n; r++) {
    const p = s.partition[rowSeries[r]!]!;
    if (p < 0) partitionNulls++;
    else [partitions[r], partitionValid[r >> 3]] = [p, partitionValid[r >> 3]! | (1 << (r & 7))];
  }
  const children: Data[] = [
    makeData({ type: new TimestampMillisecond('UTC'), length: n, nullCount: 0, data: ts }),
    utf8Column(s.names.metric, s.metric, rowSeries),
    makeData({
      type: new Float64(),
      length: n,
      nullCount: valueNulls,
      nullBitmap: valueNulls ? valueValid : null,
      data: values,
    }),
    utf8Column(s.names.region, s.region, rowSeries),
    utf8Column(s.names.tenant, s.tenant, rowSeries),
    utf8Column(s.names.cluster, s.cluster, rowSeries),
    utf8Column(s.names.broker, s.broker, rowSeries),
    utf8Column(s.names.topic, s.topic, rowSeries),
    makeData({
      type: new Int32(),
      length: n,
      nullCount: partitionNulls,
      nullBitmap: partitionNulls ? partitionValid : null,
      data: partitions,
    }),
  ];
  const struct = makeData({ type: new Struct(rawSampleSchema.fields), length: n, nullCount: 0, children });
  return new Table([new RecordBatch(rawSampleSchema, struct)]);
}

/** A plain Utf8 column (no dictionary) whose row r is `names[ids[rowSeries[r]]]`, null where the id is -1. */
function utf8Column(
  names: readonly Uint8Array[],
  ids: Int32Array | Uint8Array,
  rowSeries: readonly number[],
): Data<Utf8> {
  const n = rowSeries.length;
  const offsets = new Int32Array(n + 1);
  const valid = new Uint8Array((n + 7) >> 3);
  let total = 0;
  let nulls = 0;
  for (let r = 0; r < n; r++) {
    const id = ids[rowSeries[r]!]!;
    if (id < 0) nulls++;
    else {
      total += names[id]!.length;
      valid[r >> 3]! |= 1 << (r & 7);
    }
    offsets[r + 1] = total;
  }
  const bytes = new Uint8Array(total);
  for (let r = 0, pos = 0; r < n; r++) {
    const id = ids[rowSeries[r]!]!;
    if (id < 0) continue;
    const name = names[id]!;
    for (let b = 0; b < name.length; b++) bytes[pos++] = name[b]!; // names are short: a loop beats set()
  }
  return makeData({
    type: new Utf8(),
    length: n,
    nullCount: nulls,
    nullBitmap: nulls ? valid : null,
    valueOffsets: offsets,
    data: bytes,
  });
}
