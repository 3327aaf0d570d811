import { HyperLogLog } from '../measures/hyperloglog.js';
import { fnvValue } from '../ingest/series-part.js';
import { fmix32 } from '../ingest/series-shard.js';

/**
 * How many day records a day shard rolls up to, known before it is read: each hour segment records a sketch of its
 * records' day-tier keys (their values of the day tier's key columns), and the sketches of a shard's segments, merged,
 * count the shard's distinct day keys. Its hour records alone cannot tell a day whose series fill every hour (one day
 * record per 24 hour records) from one whose series turn over every hour (one per hour record).
 *
 * The sketch is a HyperLogLog of precision 7 (128 registers, ~9% standard error, 168 bytes once dense) in
 * DataSketches HLL_8 bytes, base64 in the manifest. A record's 64-bit hash: per key column, FNV-1a 32 of the value's
 * UTF-8 bytes (null: the byte 0xff) then 0xfe, from two offset bases (one per 32-bit half); the halves of the columns
 * chained by multiplication and finished with MurmurHash3's fmix32.
 */
export const dayKeySketchP = 7;

/**
 * The day-key sketch (base64) of the records `rows` of `keys` (`width` ints per record: hour, then one id per key
 * column, an index into `dictionaries[c]`), over the key columns `columns` (indexes into `dictionaries`).
 */
export function dayKeySketch(
  dictionaries: readonly (readonly (string | null)[])[],
  columns: readonly number[],
  keys: Int32Array,
  width: number,
  rows: Int32Array,
): string {
  const hashes = columns.map((c) => valueHashes(dictionaries[c]!));
  const lo = hashes.map((h) => h.lo);
  const hi = hashes.map((h) => h.hi);
  const sketch = new HyperLogLog(dayKeySketchP);
  addRecords(sketch, columns, lo, hi, keys, width, rows);
  return Buffer.from(sketch.toBytes()).toString('base64');
}

/** The distinct day keys the sketches count together (their union's estimate, rounded). */
export function estimateDayKeys(sketches: readonly string[]): number {
  const union = new HyperLogLog(dayKeySketchP);
  for (const s of sketches) union.merge(HyperLogLog.fromBytes(Buffer.from(s, 'base64')));
  return Math.round(union.estimate());
}

/** The FNV-1a 32 offset bases of a day key's lower and upper hash halves. */
export const offsetLo = 0x811c9dc5; // FNV-1a 32's own
export const offsetHi = 0x5bd1e995; // another, for the upper half
const encoder = new TextEncoder();
const nullBytes = Uint8Array.of(0xff);
const fnvPrime = 0x01000193;

/** Each value's FNV-1a 32 of its UTF-8 bytes and 0xfe, from both offsets (then fmix32), by id. */
export function valueHashes(values: readonly (string | null)[]): { lo: Int32Array; hi: Int32Array } {
  const lo = new Int32Array(values.length);
  const hi = new Int32Array(values.length);
  for (let id = 0; id < values.length; id++) {
    const v = values[id]!;
    let a = offsetLo;
    let b = offsetHi;
    let ascii = v !== null;
    // an ASCII string's UTF-8 bytes are its char codes: hashed without encoding it
    for (let i = 0; ascii && i < v!.length; i++) {
      const ch = v!.charCodeAt(i);
      if (ch >= 0x80) ascii = false;
      a = Math.imul(a ^ ch, fnvPrime);
      b = Math.imul(b ^ ch, fnvPrime);
    }
    if (ascii) {
      a = Math.imul(a ^ 0xfe, fnvPrime);
      b = Math.imul(b ^ 0xfe, fnvPrime);
    } else {
      const bytes = v === null ? nullBytes : encoder.encode(v);
      a = fnvValue(offsetLo, bytes);
      b = fnvValue(offsetHi, bytes);
    }
    lo[id] = fmix32(a);
    hi[id] = fmix32(b);
  }
  return { lo, hi };
}

function addRecords(
  sketch: HyperLogLog,
  columns: readonly number[],
  lo: readonly Int32Array[],
  hi: readonly Int32Array[],
  keys: Int32Array,
  width: number,
  rows: Int32Array,
): void {
  for (let r = 0; r < rows.length; r++) {
    const at = rows[r]! * width + 1;
    let a = offsetLo;
    let b = offsetHi;
    for (let k = 0; k < columns.length; k++) {
      const id = keys[at + columns[k]!]!;
      a = Math.imul(a ^ lo[k]![id]!, fnvPrime);
      b = Math.imul(b ^ hi[k]![id]!, fnvPrime);
    }
    sketch.addHash(fmix32(a) >>> 0, fmix32(b) >>> 0);
  }
}
