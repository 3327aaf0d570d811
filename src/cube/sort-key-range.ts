/**
 * Stable ordering of a range of cube record keys (`keys[r * width + level]`), compared level by level from
 * `fromLevel` on, ties by record index. Returns the records [start, end) in that order, or undefined when the range is
 * already in order; with `reuse`, the order is a view of scratch arrays valid only until the next reusing call
 * (the hot callers consume it at once: the builder sorts one range per star node). Keys are small ints (time buckets, dictionary ids, STAR = -1), so it sorts by counting (LSD radix,
 * one stable pass per level that varies); a comparison sort is kept for tiny ranges and for levels whose ids are too
 * sparse for counting.
 */
export function sortKeyRange(
  keys: Int32Array,
  width: number,
  start: number,
  end: number,
  fromLevel: number,
  reuse = false,
): Int32Array | undefined {
  const n = end - start;
  if (isSorted(keys, width, start, end, fromLevel)) return undefined;
  let order = reuse ? scratchOf(0, n) : new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = start + i;
  if (n <= insertionMax) return insertionSort(order, keys, width, fromLevel);
  let next = reuse ? scratchOf(1, n) : new Int32Array(n);
  for (let j = width - 1; j >= fromLevel; j--) {
    let min = keys[start * width + j]!;
    let max = min;
    for (let r = start + 1; r < end; r++) {
      const v = keys[r * width + j]!;
      if (v < min) min = v;
      else if (v > max) max = v;
    }
    if (min === max) continue; // the level does not vary: the pass would not move anything
    const span = max - min + 1;
    if (span > 4 * n + 1024) return comparisonSort(order, start, keys, width, fromLevel); // too sparse to count
    const starts = countsOf(span + 1);
    for (let r = start; r < end; r++) starts[keys[r * width + j]! - min + 1]!++;
    for (let k = 1; k <= span; k++) starts[k]! += starts[k - 1]!;
    for (let i = 0; i < n; i++) {
      const r = order[i]!;
      next[starts[keys[r * width + j]! - min]!++] = r;
    }
    [order, next] = [next, order];
  }
  return order;
}

const insertionMax = 24; // ranges this small sort faster by insertion than by counting passes

/** Negative, zero or positive as record a's keys from `fromLevel` on sort before, equal to or after record b's. */
function compareKeys(keys: Int32Array, width: number, a: number, b: number, fromLevel: number): number {
  for (let j = fromLevel; j < width; j++) {
    const d = keys[a * width + j]! - keys[b * width + j]!;
    if (d !== 0) return d;
  }
  return 0;
}

function isSorted(keys: Int32Array, width: number, start: number, end: number, fromLevel: number): boolean {
  for (let r = start + 1; r < end; r++) if (compareKeys(keys, width, r - 1, r, fromLevel) > 0) return false;
  return true;
}

function insertionSort(order: Int32Array, keys: Int32Array, width: number, fromLevel: number): Int32Array {
  for (let i = 1; i < order.length; i++) {
    const r = order[i]!;
    let k = i - 1;
    while (k >= 0 && compareKeys(keys, width, order[k]!, r, fromLevel) > 0) {
      order[k + 1] = order[k]!;
      k--;
    }
    order[k + 1] = r;
  }
  return order;
}

function comparisonSort(order: Int32Array, start: number, keys: Int32Array, width: number, fromLevel: number) {
  for (let i = 0; i < order.length; i++) order[i] = start + i;
  return order.sort((a, b) => compareKeys(keys, width, a, b, fromLevel) || a - b);
}

let counts = new Int32Array(4096); // reused by every counting pass (zeroed per pass)
const scratch = [new Int32Array(1024), new Int32Array(1024)]; // the order and its next pass, for reusing callers

function scratchOf(k: 0 | 1, length: number): Int32Array {
  if (scratch[k]!.length < length) scratch[k] = new Int32Array(Math.max(length, 2 * scratch[k]!.length));
  return scratch[k]!.subarray(0, length);
}

function countsOf(length: number): Int32Array {
  if (counts.length < length) counts = new Int32Array(Math.max(length, 2 * counts.length));
  const out = counts.subarray(0, length);
  out.fill(0);
  return out;
}
