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
  const keep = new Uint8Array(w);
  keep[0] = 1;
  for (const l of groupLevels) keep[l] = 1;
  const n = chosen.length;
  const keys = scratchOf(n * w); // the chosen records' keys, other levels STAR: sorted before anything is copied
  for (let k = 0; k < n; k++) {
    const r = chosen[k]!;
    for (let j = 0; j < w; j++) keys[k * w + j] = keep[j] ? from.keys[r * w + j]! : STAR;
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
