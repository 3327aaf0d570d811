import { checkSegment, type ManifestSegment, type ManifestSegments } from './manifest.js';

/** How segments hash into shards: the segments section of a manifest without its list. */
export type SegmentLayout = Omit<ManifestSegments, 'list'>;

/**
 * The segments of a committed partition, each checked against the manifest schema when a reader first takes it: a
 * query of two hours checks the segments of those hours, not every segment of the day (a fleet's day lists
 * thousands; checking them all took ~235 ms for 4,416 segments). Segments keep their identity once checked.
 */
export class SegmentList {
  private readonly checked: (ManifestSegment | undefined)[];

  private constructor(
    readonly layout: SegmentLayout,
    private readonly raw: readonly unknown[], // entries not read yet are holes (a list read in part)
    private readonly manifestKey: string,
    private readonly unreadable: (problem: string) => Error,
    checked: readonly ManifestSegment[] | undefined,
    // each entry's hour and shard, from the manifest's layout, when the list is read in part
    private readonly index?: { readonly hour: readonly (number | null)[]; readonly shard: readonly number[] },
  ) {
    this.checked = checked ? [...checked] : [];
  }

  /**
   * A list read in part: `raw` holds the entries read so far (holes elsewhere; its reader fills more in), `index`
   * every entry's hour and shard (a manifest's layout). Taking an entry not read is an error.
   */
  static partial(
    layout: SegmentLayout,
    raw: readonly unknown[],
    index: { readonly hour: readonly (number | null)[]; readonly shard: readonly number[] },
    manifestKey: string,
    unreadable: (problem: string) => Error,
  ): SegmentList {
    return new SegmentList(layout, raw, manifestKey, unreadable, undefined, index);
  }

  /**
   * A list of raw segments from `parseManifestHead`, checked as they are taken; a bad one throws
   * `unreadable(what is wrong)`.
   */
  static unchecked(
    layout: SegmentLayout,
    raw: readonly unknown[],
    manifestKey: string,
    unreadable: (problem: string) => Error,
  ): SegmentList {
    return new SegmentList(layout, raw, manifestKey, unreadable, undefined);
  }

  /** Segments already checked (a partition committed before segments, read as one). */
  static of(segments: ManifestSegments, manifestKey: string): SegmentList {
    const { list, ...layout } = segments;
    return new SegmentList(layout, list, manifestKey, (problem) => new Error(problem), list);
  }

  get length(): number {
    return this.index?.hour.length ?? this.raw.length;
  }

  /** Segment `i`, checked (an error names the manifest, the segment and what is wrong). */
  at(i: number): ManifestSegment {
    let segment = this.checked[i];
    if (segment === undefined) {
      if (!(i >= 0 && i < this.length)) throw new RangeError(`segment ${i} of ${this.length}`);
      if (!(i in this.raw)) throw new Error(`segment ${i} of manifest ${this.manifestKey} was not read`);
      try {
        segment = checkSegment(this.raw[i], this.manifestKey, i);
      } catch (e) {
        throw this.unreadable((e as Error).message);
      }
      const index = this.index;
      if (index && (segment.hour !== index.hour[i] || segment.shard !== index.shard[i]))
        throw this.unreadable(
          `manifest ${this.manifestKey} is invalid: layout.list places hour ${index.hour[i]} shard ${index.shard[i]} ` +
            `at segments.list.${i}, which is hour ${segment.hour} shard ${segment.shard}`,
        );
      this.checked[i] = segment;
    }
    return segment;
  }

  /** Every segment, in manifest order (by hour, then shard, then part), checked. */
  all(): ManifestSegment[] {
    return Array.from({ length: this.length }, (_, i) => this.at(i));
  }

  /** The segments of hours [from, to), and those of no hour (the day tier's), in manifest order, checked. */
  ofHours(from: number, to: number): ManifestSegment[] {
    return this.pick([from, to], undefined).segments;
  }

  /**
   * The segments of hours [from, to) (every hour when undefined; those of no hour, the day tier's, always; none of the
   * hours `answered`) and of `shards` (every shard when undefined), in manifest order, checked; and how many segments
   * those hours hold in every shard. Only the segments picked are checked: a query for one cluster checks its shard's, not the day's.
   */
  pick(
    hours: readonly [number, number] | undefined,
    shards: ReadonlySet<number> | undefined,
    answered?: ReadonlySet<number | null>, // hours answered otherwise (the manifest's hour totals): none taken
  ): { readonly segments: ManifestSegment[]; readonly ofTheHours: number } {
    const segments: ManifestSegment[] = [];
    let ofTheHours = 0;
    for (let i = 0; i < this.length; i++) {
      const hour = this.index ? this.index.hour[i] : hourOf(this.raw[i]);
      // a segment whose hour or shard is malformed is checked whole: the check names what is wrong
      if (hour !== null && hour !== undefined && hours && (hour < hours[0] || hour >= hours[1])) continue;
      if (hour !== undefined && answered?.has(hour)) continue;
      ofTheHours++;
      const shard = this.index ? this.index.shard[i] : shardOf(this.raw[i]);
      if (hour === undefined || shard === undefined || !shards || shards.has(shard)) segments.push(this.at(i));
    }
    return { segments, ofTheHours };
  }
}

/** A raw segment's hour: null (no hour), a number 0-23, or undefined when it has none of these. */
function hourOf(raw: unknown): number | null | undefined {
  const hour = typeof raw === 'object' && raw !== null ? (raw as { hour?: unknown }).hour : undefined;
  if (hour === null) return null;
  return typeof hour === 'number' && Number.isInteger(hour) && hour >= 0 && hour <= 23 ? hour : undefined;
}

/** A raw segment's shard: a non-negative integer, or undefined when it has none. */
function shardOf(raw: unknown): number | undefined {
  const shard = typeof raw === 'object' && raw !== null ? (raw as { shard?: unknown }).shard : undefined;
  return typeof shard === 'number' && Number.isInteger(shard) && shard >= 0 ? shard : undefined;
}
