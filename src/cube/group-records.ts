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
  const out = new CubeRecords(w, Math.max(16, chosen.length));
  for (const r of chosen) {
    const i = out.appendCopy(from, r);
    for (let j = 0; j < w; j++) if (!keep[j]) out.keys[i * w + j] = STAR;
  }
  out.sortAndMergeTail(0, 0);
  return out;
}
