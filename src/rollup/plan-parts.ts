/**
 * Memory a segment build takes per group of its pieces (a group: one series-hour of one raw file, before the pieces
 * are merged, so an upper bound of the segment's base records): the merged aggregate, the sorted base records, the
 * star-tree (about two records per base record), the cuboids and the Parquet encoders. Measured on a sample day of
 * 40,000 series (one group per series and hour): built whole with a 1 GiB budget the run peaked at 519 MB, built as 7
 * parts per hour with 64 MiB at 307 MB (a 5,000-series day: 287 MB), about 3.5 KB per base record once the pieces
 * held in memory are set apart; rounded up.
 */
export const buildBytesPerGroup = 4096;

/** The most parts a segment is split into: a part holds at least the series of one rest-of-key hash value. */
export const maxParts = 1024;

/** One unit of build work: part `part` of `parts` of the segment `index` (hour * shards + shard). */
export interface SegmentUnit {
  readonly index: number;
  readonly part: number; // 0 .. parts - 1
  readonly parts: number; // 1: the segment is not split
}

/**
 * The build memory one segment (or part) is planned to: three quarters of its share of the budget (a quarter: two
 * segments build at once, the other half holds the spill and the decode in flight), the rest left for the imbalance
 * of the part hash. Parts are planned to it, shards to three quarters of it (`shardTargetBytes`), so a day whose
 * shards stay near their mean is not split into parts.
 */
export function segmentShareBytes(memoryBytes: number): number {
  return (memoryBytes / 4) * 0.75;
}

/**
 * How many parts a segment is built as: enough that each part's estimated build memory (`sizes`, summed, times
 * `bytesPerUnit`) fits in a segment's share (`segmentShareBytes`). Pure: pods and one process plan the same parts from
 * the same sizes, whatever their order or grouping.
 */
export function planParts(sizes: readonly number[], bytesPerUnit: number, memoryBytes: number): number {
  let units = 0;
  for (const n of sizes) units += n;
  return Math.min(maxParts, Math.max(1, Math.ceil((units * bytesPerUnit) / segmentShareBytes(memoryBytes))));
}

/** The build units of segments 0 .. segments - 1, in output order: by segment, then part. */
export function planUnits(segments: number, partsOf: (index: number) => number): SegmentUnit[] {
  const units: SegmentUnit[] = [];
  for (let index = 0; index < segments; index++) {
    const parts = partsOf(index);
    for (let part = 0; part < parts; part++) units.push({ index, part, parts });
  }
  return units;
}
