import * as v from 'valibot';
import { describeIssues } from '../config/describe-issues.js';
import type { ObjectStore, ObjectVersion } from '../storage/object-store.js';
import { NotFoundError } from '../storage/storage-error.js';
import type { FileSignatures } from './day-tier-source.js';
import {
  checkHourTotals,
  checkManifestHead,
  manifestFormatVersion,
  parseManifestHead,
  type ManifestHead,
  type ManifestHourTotals,
} from './manifest.js';
import { entryRuns, headOf, layoutProblem, layoutSchema, type ManifestLayout } from './manifest-layout.js';
import { segmentsOf } from './manifest-segments.js';
import { SegmentList, type SegmentLayout } from './segment-list.js';

/**
 * A committed manifest as a query reads it: every field checked but the segment list, whose entries are checked when
 * taken.
 */
export interface CommittedHead {
  readonly manifest: ManifestHead;
  readonly segments: SegmentList;
  readonly signatures: FileSignatures;
  // each hour's metric totals, where read: a whole manifest's, or a manifest read in part for a want with `answered`
  readonly hourTotals: readonly ManifestHourTotals[] | undefined;
}

/**
 * The segments a reader takes of a partition: those of `hours` (and those of no hour) in `shards`, but for the hours
 * `answered` from the manifest's hour totals (a query of a metric alone), whose entries it does not read.
 */
export interface SegmentWant {
  readonly hours: readonly [number, number] | undefined; // [from, to); every hour when undefined
  readonly shards: (layout: SegmentLayout) => ReadonlySet<number> | undefined; // every shard when undefined
  readonly answered?: (hourTotals: readonly ManifestHourTotals[] | undefined) => ReadonlySet<number | null>;
}

/**
 * Bytes the first read of a manifest takes: the whole of most manifests (one request, as a whole read), of which only
 * the head and the parts a query takes are parsed; of a fleet's day's, the head, layout and segments' layout (the
 * layout holds ~10 bytes per segment: up to ~200,000 segments), then ranged reads of the rest. Over S3 a manifest
 * larger than this costs a second round trip instead of its transfer (at ~100 MB/s, 20 ms for 2 MiB).
 */
export const manifestStartBytes = 2 * 1024 * 1024;
/** Wanted segment entries closer than this are read by one ranged read (the entries between are not checked). */
const entryGapBytes = 16 * 1024;

/**
 * A committed manifest read in part: its start (head, layout, segment layout) by one read, then the cube without its
 * lists and the segment entries each `take` needs, parsed from the start where they lie in it, else fetched by
 * ranged reads of that same version. A manifest without a layout (written before 2026-11-28) is parsed whole.
 * `undefined` when the manifest does not exist. Bad content throws `unreadable(what is wrong)`.
 */
export async function openManifestParts(
  store: ObjectStore,
  key: string,
  unreadable: (problem: string) => Error,
  startBytes = manifestStartBytes,
): Promise<ManifestParts | undefined> {
  let start: { readonly bytes: Uint8Array; readonly version: ObjectVersion | undefined };
  try {
    start = store.getStart
      ? await store.getStart(key, startBytes)
      : { bytes: await store.get(key), version: undefined };
  } catch (e) {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  }
  const { bytes, version } = start;
  const all = version === undefined || bytes.length >= version.size; // the whole manifest is in hand
  const whole = async (): Promise<ManifestParts> =>
    new WholeManifest(wholeHead(all ? bytes : await store.get(key, { expect: version }), key, unreadable));
  const found = parsed(() => headOf(bytes), key, unreadable);
  if (found === undefined) return whole(); // written before layouts (or a head longer than the first read)
  const json = found.json as Record<string, unknown>;
  // a version this one does not know is read whole, whose check names it
  if (json.formatVersion !== manifestFormatVersion) return whole();
  const result = v.safeParse(layoutSchema, json.layout);
  if (!result.success) {
    const issue = describeIssues(result.issues)[0] ?? '';
    throw unreadable(`manifest ${key} is invalid: layout${issue.startsWith('(root)') ? issue.slice(6) : `.${issue}`}`);
  }
  const layout = result.output;
  const read = new RangeReads(store, key, version, bytes);
  const size = read.size;
  for (const [name, r] of [
    ['cube', layout.cube],
    ['segments', layout.segments],
    ['hourTotals', layout.hourTotals],
  ] as const)
    if (r && r[1] > size)
      throw unreadable(`manifest ${key} is invalid: layout.${name} [${r[0]}, ${r[1]}) is past its ${size} bytes`);
  if (layout.segments === undefined || layout.list === undefined) return whole();
  const problem = all ? layoutProblem(layout, bytes) : undefined; // in hand: checked as a whole read checks it
  if (problem !== undefined) throw unreadable(`manifest ${key} is invalid: ${problem} (edited in place?)`);
  const segmentsText = await read.text(layout.segments);
  const segments = parsed(() => JSON.parse(`${segmentsText}}`) as unknown, key, unreadable);
  // the head without the cube (read next, beside the first entries) says which shard holds a value
  const head = checked(() => checkManifestHead(headJson(json, segments), key, []), unreadable);
  if (head.kind !== 'segments') throw unreadable(`manifest ${key} is invalid: its layout has no segments`);
  return new PartsOfManifest(key, json, layout, layout.list, segments, head.manifest.segments, read, unreadable);
}

/** A manifest read whole or in part: `take` returns it with (at least) the segment entries `want` needs read. */
export interface ManifestParts {
  take(want: SegmentWant | undefined): Promise<CommittedHead>;
}

class WholeManifest implements ManifestParts {
  constructor(private readonly head: CommittedHead) {}

  take(): Promise<CommittedHead> {
    return Promise.resolve(this.head);
  }
}

/** Reads [start, end) ranges of one version of an object, from its start where they lie in it. */
class RangeReads {
  constructor(
    private readonly store: ObjectStore,
    private readonly key: string,
    private readonly version: ObjectVersion | undefined, // undefined: `start` is the whole object
    private readonly start: Uint8Array,
  ) {}

  /** The object's bytes. */
  get size(): number {
    return this.version?.size ?? this.start.length;
  }

  async text(range: readonly [number, number]): Promise<string> {
    const [from, to] = range;
    const bytes =
      to <= this.start.length || this.version === undefined
        ? this.start.subarray(from, to)
        : await this.store.getRange(this.key, from, to, { expect: this.version });
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  }
}

/** `read`, with `forget(read)` called if it fails (which also marks its failure handled: callers await it later). */
function forgottenOnFailure<T>(read: Promise<T>, forget: (read: Promise<T>) => unknown): Promise<T> {
  read.catch(() => forget(read));
  return read;
}

class PartsOfManifest implements ManifestParts {
  private readonly raw: unknown[];
  private head: Promise<Omit<CommittedHead, 'hourTotals'>> | undefined;
  private hourTotals: Promise<readonly ManifestHourTotals[] | undefined> | undefined;
  private readonly reading = new Map<number, Promise<void>>(); // entry -> the read of its run (done or under way)

  constructor(
    private readonly key: string,
    private readonly json: Record<string, unknown>,
    private readonly layout: ManifestLayout,
    private readonly list: NonNullable<ManifestLayout['list']>,
    private readonly segmentsJson: unknown,
    private readonly segmentLayout: SegmentLayout,
    private readonly reads: RangeReads,
    private readonly unreadable: (problem: string) => Error,
  ) {
    this.raw = new Array<unknown>(list.hour.length);
  }

  async take(want: SegmentWant | undefined): Promise<CommittedHead> {
    // a failed read is not kept (the next take reads again), and its failure is handled even while another is awaited
    const head = (this.head ??= forgottenOnFailure(
      this.checkHead(),
      (p) => this.head === p && (this.head = undefined),
    ));
    const hours = want?.hours;
    const shards = want?.shards(this.segmentLayout);
    const hourTotals = want?.answered
      ? await (this.hourTotals ??= forgottenOnFailure(
          this.readHourTotals(),
          (p) => this.hourTotals === p && (this.hourTotals = undefined),
        ))
      : undefined;
    const answered = want?.answered?.(hourTotals);
    const needed: number[] = [];
    for (let i = 0; i < this.list.hour.length; i++) {
      const hour = this.list.hour[i]!;
      if (hour !== null && hours && (hour < hours[0] || hour >= hours[1])) continue;
      if (answered?.has(hour)) continue;
      if (shards && !shards.has(this.list.shard[i]!)) continue;
      needed.push(i);
    }
    const unread = needed.filter((i) => !this.reading.has(i));
    for (const run of entryRuns(this.list, unread, entryGapBytes)) {
      const reading = this.readRun(run);
      for (let i = run.first; i < run.end; i++) this.reading.set(i, reading);
      reading.catch(() => {
        for (let i = run.first; i < run.end; i++) if (this.reading.get(i) === reading) this.reading.delete(i);
      });
    }
    await Promise.all([head, ...new Set(needed.map((i) => this.reading.get(i)))]);
    return { ...(await head), hourTotals };
  }

  /** The hour totals, checked; undefined when the manifest has none. */
  private async readHourTotals(): Promise<readonly ManifestHourTotals[] | undefined> {
    const range = this.layout.hourTotals;
    if (range === undefined) return undefined;
    const text = await this.reads.text(range);
    return checked(() => checkHourTotals(JSON.parse(text) as unknown, this.key), this.unreadable);
  }

  /** The head checked as `parseManifestHead` checks a whole manifest's, with the cube read without its lists. */
  private async checkHead(): Promise<Omit<CommittedHead, 'hourTotals'>> {
    const json = headJson(this.json, this.segmentsJson);
    const cube = this.layout.cube;
    if (cube) {
      const text = await this.reads.text(cube);
      Object.assign(json, { cube: parsed(() => JSON.parse(`${text}}`) as unknown, this.key, this.unreadable) });
    }
    const head = checked(() => checkManifestHead(json, this.key, this.raw), this.unreadable);
    if (head.kind !== 'segments') throw this.unreadable(`manifest ${this.key} is invalid: its layout has no segments`);
    const segments = SegmentList.partial(head.manifest.segments, this.raw, this.list, this.key, this.unreadable);
    return { manifest: head.manifest, segments, signatures: head.signatures };
  }

  private async readRun(run: { first: number; end: number; start: number; stop: number }): Promise<void> {
    if (run.stop > this.reads.size)
      throw this.unreadable(
        `manifest ${this.key} is invalid: layout.list places segments.list.${run.end - 1} at bytes up to ` +
          `${run.stop}, past its ${this.reads.size} bytes`,
      );
    const text = await this.reads.text([run.start, run.stop]);
    const entries = parsed(() => JSON.parse(`[${text}]`) as unknown, this.key, this.unreadable);
    if (!Array.isArray(entries) || entries.length !== run.end - run.first)
      throw this.unreadable(
        `manifest ${this.key} is invalid: layout.list places segments.list.${run.first}-${run.end - 1} at bytes ` +
          `[${run.start}, ${run.stop}), which hold ${Array.isArray(entries) ? entries.length : 'no'} entries`,
      );
    entries.forEach((entry: unknown, i) => (this.raw[run.first + i] = entry));
  }
}

/** A whole manifest's bytes as a query reads them. */
export function wholeHead(bytes: Uint8Array, key: string, unreadable: (problem: string) => Error): CommittedHead {
  try {
    const parsed = parseManifestHead(bytes, key);
    const { signatures, hourTotals } = parsed;
    if (parsed.kind === 'legacy') {
      const segments = SegmentList.of(segmentsOf(parsed.whole), key);
      return { manifest: parsed.manifest, segments, signatures, hourTotals };
    }
    const { manifest, rawSegments } = parsed;
    const segments = SegmentList.unchecked(manifest.segments, rawSegments, key, unreadable);
    return { manifest, segments, signatures, hourTotals };
  } catch (e) {
    throw unreadable(bytes.length === 0 ? `manifest ${key} is empty (0 bytes)` : (e as Error).message);
  }
}

/** A head's JSON with the segments' layout, and the lists it was written without as empty lists. */
function headJson(json: Record<string, unknown>, segments: unknown): Record<string, unknown> {
  return { ...json, segments, inputs: [], outputs: [], missingDimensions: [] };
}

/** `f()`, its error as `unreadable` (a manifest check names the manifest and what is wrong). */
function checked<T>(f: () => T, unreadable: (problem: string) => Error): T {
  try {
    return f();
  } catch (e) {
    throw unreadable((e as Error).message);
  }
}

/** `f()`, its JSON syntax error as `unreadable` naming the manifest. */
function parsed<T>(f: () => T, key: string, unreadable: (problem: string) => Error): T {
  try {
    return f();
  } catch (e) {
    throw e instanceof SyntaxError ? unreadable(`manifest ${key} is not valid JSON: ${e.message}`) : e;
  }
}
