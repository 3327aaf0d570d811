import { CubeRecords, STAR } from './cube-records.js';

/**
 * Merges the chosen records of `from` into one record per (time bucket, `groupLevels` values), every other level
 * set to STAR, sorted by key. This is how a traversal's records become an answer or a cuboid.
 */
export function groupRecords(
  from: CubeRecords,
  chosen: readonly number[],
  groupLevels: readonly number[],
): CubeRecords {
  const w = from.width;
  const kept = Int32Array.from(new Set([0, ...groupLevels]));
  const n = chosen.length;
  const keys = scratchOf(n * w); // the chosen records' keys, other levels STAR: sorted before anything is copied
  keys.fill(STAR);
  const fromKeys = from.keys;
  for (let k = 0; k < n; k++) {
    const r = chosen[k]! * w;
    for (let t = 0; t < kept.length; t++) keys[k * w + kept[t]!] = fromKeys[r + kept[t]!]!;
  }
  const out = new CubeRecords(w, Math.max(16, n >> 2)); // merging usually leaves a fraction; the list grows if not
  out.appendMergedInKeyOrder(from, chosen, keys, 0);
  return out;
}

let scratch = new Int32Array(4096); // reused call after call: the keys are consumed before groupRecords returns

function scratchOf(length: number): Int32Array {
  if (scratch.length < length) scratch = new Int32Array(Math.max(length, 2 * scratch.length));
  return scratch.subarray(0, length);
}
