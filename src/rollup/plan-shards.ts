import type { ManifestInput } from '../partition/manifest.js';
import { folderHourOf } from './list-raw-inputs.js';

/**
 * Memory a segment build takes per byte of raw Parquet it covers (decoded columns, the hash aggregate, sorted records,
 * the star-tree and the encoders), measured on the sample fleet: a 50M-row day (234 MB of raw Parquet) built as one
 * segment peaked at 3.9 GB.
 */
export const buildBytesPerRawByte = 16;

/** The most shards a day is cut into: beyond it, raise `output.limits.memoryBytes` or set `segments.shards`. */
export const maxAutoShards = 256;

/**
 * How many shards every hour of a day is cut into: the job's `segments.shards`, or (auto) enough that the largest
 * hour's segments each fit in a quarter of the memory budget (two segments build at once; the other half holds the
 * spill and the decode in flight),
 * estimated from the raw bytes listed per hour folder. Depends only on the listing, so every process plans the same.
 */
export function planShards(
  config: {
    readonly output: {
      readonly segments: { readonly shards: 'auto' | number };
      readonly limits: { readonly memoryBytes: number };
    };
  },
  inputs: readonly ManifestInput[],
): number {
  const declared = config.output.segments.shards;
  if (declared !== 'auto') return declared;
  const bytesByHour = new Map<number, number>();
  for (const i of inputs) {
    if (i.late) continue;
    const hour = folderHourOf(i.key);
    bytesByHour.set(hour, (bytesByHour.get(hour) ?? 0) + i.size);
  }
  const largest = Math.max(0, ...bytesByHour.values());
  const perSegment = config.output.limits.memoryBytes / 4;
  return Math.min(maxAutoShards, Math.max(1, Math.ceil((largest * buildBytesPerRawByte) / perSegment)));
}

/**
 * Memory the day tier takes per hour record it reads (JS arrays of values, then the typed records), measured: what
 * plans the parts of a day shard (`planParts`).
 */
export const dayTierBytesPerRecord = 600;
