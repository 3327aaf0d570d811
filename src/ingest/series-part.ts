/**
 * Which part of a split segment a series belongs to: the secondary hash over the rest of its series key, so that a hot
 * partition-dimension value (one cluster holding most series) is cut into parts that each fit the memory budget.
 *
 * The rest of the key is every key column of the tier other than the partition dimension, in file order: `metric`,
 * then each dimension (the day tier: each dimension it keeps). Its hash is FNV-1a 32 over, for each value in turn, the
 * UTF-8 bytes of the value (null: the single byte 0xff) followed by the byte 0xfe, then MurmurHash3's fmix32;
 * part = hash mod parts. 0xfe and 0xff never occur in UTF-8, so the byte string names the values unambiguously.
 * Documented in docs/data-contract.md.
 */
import type { FilePartial } from './aggregate-raw-file.js';
import { fmix32 } from './series-shard.js';

/** Name of the part hash recorded in manifests. */
export const partHashName = 'fnv1a32-fmix32-rest-of-key';

const encoder = new TextEncoder();
const nullBytes = Uint8Array.of(0xff);
const fnvPrime = 0x01000193;

/** The unsigned 32-bit hash of the rest of a series key (its values other than the partition dimension, in order). */
export function hashOfKey(values: readonly (string | null)[]): number {
  return hashOfKeyBytes(values.map((v) => (v === null ? null : encoder.encode(v))));
}

/** hashOfKey of values given as their UTF-8 bytes (null: a null value). */
export function hashOfKeyBytes(values: readonly (Uint8Array | null)[]): number {
  let h = 0x811c9dc5;
  for (const v of values) h = fnvValue(h, v ?? nullBytes);
  return fmix32(h);
}

/** The part (0 .. parts - 1) of a series, from the rest of its key. */
export function partOfKey(values: readonly (string | null)[], parts: number): number {
  return parts <= 1 ? 0 : hashOfKey(values) % parts;
}

/**
 * The part of every group of a partial (keys [hour, metric id, ...dimension ids]), the partition dimension
 * (`partitionDimension`, an index into the dimensions) left out of the key. Each dictionary value is encoded once.
 */
export function partsOfGroups(p: FilePartial, partitionDimension: number, parts: number): Int32Array {
  const { groups, width, keys } = p.state;
  const out = new Int32Array(groups);
  if (parts <= 1) return out;
  const columns = [p.metrics, ...p.dimensionValues]
    .map((values, c) => ({ values, slot: 1 + c }))
    .filter((_, c) => c !== 1 + partitionDimension);
  const bytes = columns.map(({ values }) => new Array<Uint8Array | null | undefined>(values.length));
  const key: (Uint8Array | null)[] = [];
  for (let g = 0; g < groups; g++) {
    for (let c = 0; c < columns.length; c++) {
      const id = keys[g * width + columns[c]!.slot]!;
      const cache = bytes[c]!;
      let b = cache[id];
      if (b === undefined) {
        const v = columns[c]!.values[id]!;
        b = cache[id] = v === null ? null : encoder.encode(v);
      }
      key[c] = b;
    }
    out[g] = hashOfKeyBytes(key) % parts;
  }
  return out;
}

/** FNV-1a over one value's bytes and its 0xfe terminator. */
export function fnvValue(h: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, fnvPrime);
  return Math.imul(h ^ 0xfe, fnvPrime);
}
