/**
 * Which shard of a partition a series belongs to: a hash of its partition-dimension value, so that one value (a
 * cluster) always lands in one shard and a query filtered on it reads one shard per hour.
 *
 * shard = fmix32(fnv1a32(UTF-8 bytes of the value)) mod shards; null hashes the single byte 0xff (no UTF-8 text is
 * that byte alone, so null never shares a hash with a value by construction). Documented in docs/data-contract.md.
 */

/** Name of the hash recorded in manifests. */
export const shardHashName = 'fnv1a32-fmix32';

const encoder = new TextEncoder();
const nullBytes = Uint8Array.of(0xff);

/** The shard (0 .. shards - 1) of a partition-dimension value. */
export function shardOfValue(value: string | null, shards: number): number {
  if (shards <= 1) return 0;
  return hashOfValue(value) % shards;
}

/** The unsigned 32-bit hash of a partition-dimension value. */
export function hashOfValue(value: string | null): number {
  const bytes = value === null ? nullBytes : encoder.encode(value);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return fmix32(h);
}

/** MurmurHash3's 32-bit finalizer, as an unsigned number: spreads the low bits that `mod n` keeps. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The shard of every value of a dictionary (index = id). */
export function shardsOfValues(values: readonly (string | null)[], shards: number): Int32Array {
  const out = new Int32Array(values.length);
  if (shards > 1) for (let i = 0; i < values.length; i++) out[i] = shardOfValue(values[i]!, shards);
  return out;
}
