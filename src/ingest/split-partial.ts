import type { FilePartial } from './aggregate-raw-file.js';
import { copySampleMeasures, emptySampleMeasures } from '../measures/measure-state.js';
import { rejectReasons, type RejectReason } from './reject-reason.js';
import { partsOfGroups } from './series-part.js';
import { shardsOfValues } from './series-shard.js';

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
    state: { ...emptySampleMeasures(0), groups: 0, width: p.state.width, keys: new Int32Array(0) },
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
  return cutPartial(p, segmentOf);
}

/**
 * The groups of one part of a split segment's piece (`parts` parts by the secondary hash of `partsOfGroups`), or
 * undefined when none of its groups is in that part. Groups keep their order, as in `splitPartial`.
 */
export function pieceOfPart(
  piece: FilePartial,
  partitionDimension: number,
  part: number,
  parts: number,
): FilePartial | undefined {
  return cutPartial(piece, partsOfGroups(piece, partitionDimension, parts), part).get(part);
}

/**
 * Cuts a partial into one partial per value of `cutOf` (group -> piece), or only the piece `only`: each holds its
 * groups in order, their counter samples and the dictionary values they use, with no file-level counts.
 */
function cutPartial(p: FilePartial, segmentOf: Int32Array, only?: number): Map<number, FilePartial> {
  const { state: s } = p;
  const w = s.width;
  const whole = segmentOf[0] ?? -1;
  let one = s.groups > 0;
  for (let g = 1; g < s.groups && one; g++) one = segmentOf[g] === whole;
  if (one) {
    return only === undefined || only === whole ? new Map([[whole, { ...p, ...emptyCounts }]]) : new Map();
  }
  // typed arrays and plain loops throughout: this runs on the coordinating thread for every file of the day
  const segs: number[] = []; // piece -> segment, in first-seen order
  const pieceOf = new Int32Array(s.groups); // group -> piece, -1 when not cut out
  const localOf = new Int32Array(s.groups); // group -> index within its piece
  const groupCount: number[] = [];
  const pieceOfSeg = new Map<number, number>();
  let lastSeg = Number.NaN;
  let lastPiece = -1;
  for (let g = 0; g < s.groups; g++) {
    const seg = segmentOf[g]!;
    if (only !== undefined && seg !== only) {
      pieceOf[g] = -1;
      continue;
    }
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
  const c = p.counterSamples;
  const sampleCount = new Array<number>(segs.length).fill(0);
  for (let i = 0; i < c.group.length; i++) {
    const piece = pieceOf[c.group[i]!]!;
    if (piece >= 0) sampleCount[piece]!++;
  }
  const pieces = segs.map((seg, piece) => {
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
  for (let g = 0; g < s.groups; g++) {
    const piece = pieceOf[g]!;
    if (piece < 0) continue;
    const x = pieces[piece]!;
    x.groups[x.filled++] = g;
  }
  for (let i = 0; i < c.group.length; i++) {
    const g = c.group[i]!;
    const piece = pieceOf[g]!;
    if (piece < 0) continue;
    const x = pieces[piece]!;
    const k = x.sampled++;
    x.counterSamples.group[k] = localOf[g]!;
    x.counterSamples.time[k] = c.time[i]!;
    x.counterSamples.value[k] = c.value[i]!;
  }
  const out = new Map<number, FilePartial>();
  for (const { seg, n, groups, counterSamples } of pieces.sort((a, b) => a.seg - b.seg)) {
    const keys = new Int32Array(n * w);
    const measures = emptySampleMeasures(n);
    const used = Array.from({ length: w - 1 }, (_, j) =>
      new Int32Array(j === 0 ? p.metrics.length : p.dimensionValues[j - 1]!.length).fill(-1),
    );
    const values: (string | null)[][] = used.map(() => []);
    for (let k = 0; k < n; k++) {
      const g = groups[k]!;
      keys[k * w] = s.keys[g * w]!;
      for (let j = 1; j < w; j++) {
        const id = s.keys[g * w + j]!;
        const remap = used[j - 1]!;
        if (remap[id] === -1) {
          remap[id] = values[j - 1]!.length;
          values[j - 1]!.push(j === 1 ? p.metrics[id]! : p.dimensionValues[j - 2]![id]!);
        }
        keys[k * w + j] = remap[id]!;
      }
      copySampleMeasures(measures, k, s, g);
    }
    out.set(seg, {
      ...p,
      ...emptyCounts,
      state: { ...measures, groups: n, width: w, keys },
      counterSamples,
      metrics: values[0]!,
      dimensionValues: values.slice(1),
    });
  }
  return out;
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
