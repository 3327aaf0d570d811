import { HyperLogLog } from './hyperloglog.js';
import { QuantileSketch } from './quantile-sketch.js';

/** The sketch state a record may carry: quantiles for distribution metrics, distinct values for distinct metrics. */
export type MeasureSketch = QuantileSketch | HyperLogLog;

/**
 * What a record that merges different metrics' sketches carries (a node aggregate over every metric): no sketch
 * answers for it, and it stays mixed whatever is merged into it later. Written as null.
 */
export const mixedSketch: MeasureSketch = Object.freeze(new HyperLogLog()) as HyperLogLog;

// 'Q': the first byte of QuantileSketch bytes; HLL_8 bytes start with a preamble size of 2, 3 or 10
const quantileTag = 0x51;

/** A sketch from its stored bytes (either kind; the bytes say which). */
export function sketchFromBytes(bytes: Uint8Array): MeasureSketch {
  return bytes[0] === quantileTag ? QuantileSketch.fromBytes(bytes) : HyperLogLog.fromBytes(bytes);
}

/** An independent copy of a sketch (records copied into star nodes must not share state). */
export function cloneSketch(s: MeasureSketch): MeasureSketch {
  return s === mixedSketch ? s : s.clone();
}

/** The bytes stored for a record's sketch, or null (no sketch, or a mixed one). */
export function sketchBytes(s: MeasureSketch | undefined): Uint8Array | null {
  return s === undefined || s === mixedSketch ? null : s.toBytes();
}

/** Folds `b` into `a` (same kind) and returns `a`; a missing side yields a copy of the other. */
export function mergeSketches(a: MeasureSketch | undefined, b: MeasureSketch | undefined): MeasureSketch | undefined {
  if (a === mixedSketch || b === mixedSketch) return mixedSketch;
  if (!b) return a;
  if (!a) return cloneSketch(b);
  if (a instanceof QuantileSketch && b instanceof QuantileSketch) return a.merge(b);
  if (a instanceof HyperLogLog && b instanceof HyperLogLog) return a.merge(b);
  return mixedSketch;
}

/**
 * A quantile sketch per group flagged in `want`, from logged samples (other groups: undefined). `range`, each group's
 * smallest and largest sample where known, sizes each sketch's bins once (QuantileSketch.reserve).
 */
export function quantileSketchesOf(
  groups: number,
  samples: { readonly group: Int32Array; readonly value: Float64Array },
  want: Uint8Array,
  range?: { readonly min: Float64Array; readonly max: Float64Array },
): (MeasureSketch | undefined)[] {
  const out: (QuantileSketch | undefined)[] = new Array(groups);
  for (let i = 0; i < samples.group.length; i++) {
    const g = samples.group[i]!;
    if (want[g] !== 1) continue;
    (out[g] ??= newSketch(g, range)).add(samples.value[i]!);
  }
  return out;
}

/** A new sketch for group g, its bins sized for the group's range when given. */
function newSketch(g: number, range: { readonly min: Float64Array; readonly max: Float64Array } | undefined) {
  const sketch = new QuantileSketch();
  return range === undefined ? sketch : sketch.reserve(range.min[g]!, range.max[g]!);
}

/** A distinct-count sketch holding one value: the combination of a series' counted dimension values. */
export function distinctSketchOf(values: readonly (string | null)[]): MeasureSketch {
  const hll = new HyperLogLog();
  hll.addString(JSON.stringify(values));
  return hll;
}
