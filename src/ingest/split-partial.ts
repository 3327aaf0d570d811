import type { FilePartial } from './aggregate-raw-file.js';
import { copySampleMeasures, emptySampleMeasures, type SampleMeasures } from '../measures/measure-state.js';
import type { CounterSamples } from '../measures/counter-increase.js';
import { rejectReasons, type RejectReason } from './reject-reason.js';
import { partsOfGroups } from './series-part.js';
import { shardsOfValues } from './series-shard.js';
import { aggregateState, type AggregateState } from './series-aggregate.js';

/** How a partition's base records are cut into segments: one per hour and shard. */
export interface SegmentCut {
  readonly shards: number;
  readonly partitionDimension: number; // index into the spec's dimensions
}

/** Segment index of (hour, shard): hour-major, so segments in index order are in output order. */
export function segmentIndex(hour: number, shard: number, shards: number): number {
  return hour * shards + shard;
}

/** The hour of a segment index (`segmentIndex`'s inverse, for the hour). */
export function hourOfSegment(index: number, shards: number): number {
  return Math.floor(index / shards);
}

const noRejects = Object.freeze(Object.fromEntries(rejectReasons.map((r) => [r, 0]))) as Readonly<
  Record<RejectReason, number>
>;

/**
 * The file-level counts of a partial without its groups: what the partition's accounting adds once per file, while
 * the groups go to their segments (`splitPartial`).
 */
export function countsOfPartial(p: FilePartial): FilePartial {
  return {
    ...p,
    state: aggregateState(0, p.state.width, new Int32Array(0), emptySampleMeasures(0)),
    counterSamples: { group: new Int32Array(0), time: new Float64Array(0), value: new Float64Array(0) },
    metrics: [],
    dimensionValues: p.dimensionValues.map(() => []),
  };
}

/**
 * Cuts one file's partial into one partial per segment (index: `segmentIndex`), each holding only its groups, their
 * counter samples and the dictionary values they use, with no file-level counts (those are `countsOfPartial`'s).
 * Groups keep their relative order, so merging the pieces in file order adds the same numbers in the same order as
 * merging the whole partials.
 */
export function splitPartial(p: FilePartial, cut: SegmentCut): Map<number, FilePartial> {
  return cutPartial(p, segmentsOfGroups(p, cut));
}

/** The segment index of each group of a partial. */
function segmentsOfGroups(p: FilePartial, cut: SegmentCut): Int32Array {
  const { state: s } = p;
  const w = s.width;
  const shardOfId = shardsOfValues(p.dimensionValues[cut.partitionDimension] ?? [null], cut.shards);
  const segmentOf = new Int32Array(s.groups);
  for (let g = 0; g < s.groups; g++) {
    const hour = s.keys[g * w]!;
    if (!(hour >= 0 && hour < 24)) throw new Error(`split group ${g} of ${p.key} has hour ${hour}, outside the day`);
    const seg = segmentIndex(hour, shardOfId[s.keys[g * w + 2 + cut.partitionDimension]!]!, cut.shards);
    segmentOf[g] = seg;
  }
  return segmentOf;
}

/**
 * A split segment's piece cut into its parts (`parts` parts by the secondary hash of `partsOfGroups`): one piece per
 * part that has groups, by part. Groups keep their order, as in `splitPartial`.
 */
export function piecesOfParts(piece: FilePartial, partitionDimension: number, parts: number): Map<number, FilePartial> {
  return cutPartial(piece, partsOfGroups(piece, partitionDimension, parts));
}

/**
 * A partial whose dictionaries hold only the values its groups use (a later chunk of a file: the file's dictionaries
 * hold the earlier chunks' values too), its counts kept.
 */
export function withUsedValues(p: FilePartial): FilePartial {
  const piece = cutPartial(p, new Int32Array(p.state.groups), false).get(0);
  if (!piece) return { ...p, metrics: [], dimensionValues: p.dimensionValues.map(() => []) };
  const { state, counterSamples, metrics, dimensionValues } = piece;
  return { ...p, state, counterSamples, metrics, dimensionValues };
}

/**
 * Cuts a partial into one partial per value of `segmentOf` (group -> piece): each holds its groups in order, their
 * counter samples and the dictionary values they use (or, when every group goes to one piece and `whole` allows it,
 * the partial's own dictionaries), with no file-level counts.
 */
function cutPartial(p: FilePartial, segmentOf: Int32Array, whole = true): Map<number, FilePartial> {
  const s = aggregateState(p.state.groups, p.state.width, p.state.keys, p.state); // one shape (see aggregateState)
  const only = segmentOf[0] ?? -1;
  if (whole && s.groups > 0 && allEqual(segmentOf, s.groups, only)) {
    return new Map([[only, { ...p, ...emptyCounts }]]);
  }
  // typed arrays and plain loops, one loop per function: this runs on the coordinating thread for every file of the
  // day, and V8 optimizes a loop while it runs (code after it in the same function would have no type feedback yet)
  const { segs, pieceOf, localOf, groupCount } = assignPieces(segmentOf, s.groups);
  const c = p.counterSamples;
  const sampleCount = samplesPerPiece(c.group, pieceOf, segs.length);
  const pieces: Piece[] = segs.map((seg, piece) => {
    const n = groupCount[piece]!;
    const samples = sampleCount[piece]!;
    return {
      seg,
      n,
      filled: 0,
      groups: new Int32Array(n),
      sampled: 0,
      counterSamples: {
        group: new Int32Array(samples),
        time: new Float64Array(samples),
        value: new Float64Array(samples),
      },
    };
  });
  listGroups(pieceOf, pieces);
  cutSamples(c, pieceOf, localOf, pieces);
  const out = new Map<number, FilePartial>();
  for (const x of pieces.sort((a, b) => a.seg - b.seg)) out.set(x.seg, pieceFrom(p, s, x));
  return out;
}

function allEqual(a: Int32Array, n: number, value: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== value) return false;
  return true;
}

/** One piece of a partial being cut: its groups (in order) and counter samples, filled in by the loops below. */
interface Piece {
  readonly seg: number;
  readonly n: number;
  filled: number;
  readonly groups: Int32Array;
  sampled: number;
  readonly counterSamples: CounterSamples;
}

/**
 * Numbers the pieces in first-seen order: each group's piece and index within it, the segment of each piece and its
 * group count.
 */
function assignPieces(segmentOf: Int32Array, groups: number) {
  const segs: number[] = []; // piece -> segment, in first-seen order
  const pieceOf = new Int32Array(groups); // group -> piece
  const localOf = new Int32Array(groups); // group -> index within its piece
  const groupCount: number[] = [];
  const pieceOfSeg = new Map<number, number>();
  let lastSeg = Number.NaN;
  let lastPiece = -1;
  for (let g = 0; g < groups; g++) {
    const seg = segmentOf[g]!;
    if (seg !== lastSeg) {
      let piece = pieceOfSeg.get(seg);
      if (piece === undefined) {
        piece = segs.length;
        pieceOfSeg.set(seg, piece);
        segs.push(seg);
        groupCount.push(0);
      }
      lastSeg = seg;
      lastPiece = piece;
    }
    pieceOf[g] = lastPiece;
    localOf[g] = groupCount[lastPiece]!++;
  }
  return { segs, pieceOf, localOf, groupCount };
}

function samplesPerPiece(group: Int32Array, pieceOf: Int32Array, pieces: number): Int32Array {
  const sampleCount = new Int32Array(pieces);
  for (let i = 0; i < group.length; i++) sampleCount[pieceOf[group[i]!]!]!++;
  return sampleCount;
}

function listGroups(pieceOf: Int32Array, pieces: Piece[]): void {
  for (let g = 0; g < pieceOf.length; g++) {
    const x = pieces[pieceOf[g]!]!;
    x.groups[x.filled++] = g;
  }
}

function cutSamples(c: CounterSamples, pieceOf: Int32Array, localOf: Int32Array, pieces: Piece[]): void {
  for (let i = 0; i < c.group.length; i++) {
    const g = c.group[i]!;
    const x = pieces[pieceOf[g]!]!;
    const k = x.sampled++;
    x.counterSamples.group[k] = localOf[g]!;
    x.counterSamples.time[k] = c.time[i]!;
    x.counterSamples.value[k] = c.value[i]!;
  }
}

/** The partial of one piece: its groups' keys (ids renumbered to the values the piece uses) and measures. */
function pieceFrom(p: FilePartial, s: AggregateState, x: Piece): FilePartial {
  const { n, groups } = x;
  const w = s.width;
  const keys = new Int32Array(n * w);
  copyHours(s.keys, w, groups, keys);
  const metrics = remapColumn(s.keys, w, 1, groups, p.metrics, keys);
  const dimensionValues = p.dimensionValues.map((values, d) => remapColumn(s.keys, w, 2 + d, groups, values, keys));
  const measures = emptySampleMeasures(n);
  copyMeasures(measures, s, groups);
  return {
    ...p,
    ...emptyCounts,
    state: aggregateState(n, w, keys, measures),
    counterSamples: x.counterSamples,
    metrics,
    dimensionValues,
  };
}

function copyHours(from: Int32Array, w: number, groups: Int32Array, keys: Int32Array): void {
  for (let k = 0; k < groups.length; k++) keys[k * w] = from[groups[k]! * w]!;
}

/**
 * Writes key part j of the groups to `keys`, renumbered by first use; returns the values in their new order (the
 * piece's dictionary of that part).
 */
function remapColumn(
  from: Int32Array,
  w: number,
  j: number,
  groups: Int32Array,
  values: readonly (string | null)[],
  keys: Int32Array,
): (string | null)[] {
  const remap = new Int32Array(values.length).fill(-1);
  const firstUse = new Int32Array(Math.min(values.length, groups.length)); // new id -> old id
  let used = 0;
  for (let k = 0; k < groups.length; k++) {
    const id = from[groups[k]! * w + j]!;
    if (remap[id] === -1) {
      remap[id] = used;
      firstUse[used++] = id;
    }
    keys[k * w + j] = remap[id]!;
  }
  return Array.from(firstUse.subarray(0, used), (id) => values[id]!);
}

function copyMeasures(measures: SampleMeasures, s: AggregateState, groups: Int32Array): void {
  for (let k = 0; k < groups.length; k++) copySampleMeasures(measures, k, s, groups[k]!);
}

const emptyCounts = {
  rowsRead: 0,
  rejected: noRejects,
  routed: 0,
  late: 0,
  ignored: 0,
  missingDimensions: [] as readonly string[],
  role: 'own' as const,
};
