import { makeData, makeVector, Utf8, type Vector } from 'apache-arrow';

/** A dictionary's values as UTF-8, back to back: value v is bytes[start[v], start[v + 1]); a null has no bytes. */
interface EncodedValues {
  readonly count: number; // values encoded (dictionaries only grow: a longer one is encoded again)
  readonly bytes: Uint8Array;
  readonly start: Int32Array;
  readonly present: Uint8Array; // 1 where the value is not null
}

// a segment writes its dictionaries into many tables (base records, star-tree records, every cuboid): encode once
const encodedValues = new WeakMap<readonly (string | null)[], EncodedValues>();

/**
 * An Arrow Utf8 vector whose row r holds values[ids[r]] (null where the value is null), built from the
 * dictionary's bytes directly: each distinct value is encoded once, never once per row. Negative ids (STAR) are null.
 */
export function utf8ColumnFromIds(ids: Int32Array, values: readonly (string | null)[]): Vector<Utf8> {
  // the loops are small functions apart from the Arrow calls: as one function it was compiled on-stack in its first
  // loop, then deoptimised at the code after it (no type feedback yet) and compiled again, some 25 times a run
  const { bytes: dictionary, start, present } = encodedOf(values);
  const n = ids.length;
  const offsets = new Int32Array(n + 1);
  const bitmap = new Uint8Array((n + 7) >> 3);
  const nulls = utf8Offsets(ids, start, present, offsets, bitmap);
  const data = new Uint8Array(offsets[n]!);
  copyUtf8(ids, start, dictionary, offsets, data);
  return makeVector(
    makeData({
      type: new Utf8(),
      length: n,
      nullCount: nulls,
      nullBitmap: nulls > 0 ? bitmap : null,
      valueOffsets: offsets,
      data,
    }),
  );
}

/** Fills the offsets and validity bitmap of rows `ids` (values start[id] .. start[id + 1]); returns the null count. */
function utf8Offsets(
  ids: Int32Array,
  start: Int32Array,
  present: Uint8Array,
  offsets: Int32Array,
  bitmap: Uint8Array,
): number {
  let total = 0;
  let nulls = 0;
  for (let r = 0; r < ids.length; r++) {
    const id = ids[r]!;
    if (id >= 0 && present[id] === 1) {
      total += start[id + 1]! - start[id]!;
      bitmap[r >> 3]! |= 1 << (r & 7);
    } else nulls++;
    offsets[r + 1] = total;
  }
  return nulls;
}

/** Copies each row's value bytes from the dictionary's bytes to data[offsets[r]..]. */
function copyUtf8(
  ids: Int32Array,
  start: Int32Array,
  dictionary: Uint8Array,
  offsets: Int32Array,
  data: Uint8Array,
): void {
  for (let r = 0; r < ids.length; r++) {
    const id = ids[r]!;
    if (id < 0) continue;
    const to = offsets[r]!;
    const from = start[id]!;
    const length = start[id + 1]! - from;
    for (let k = 0; k < length; k++) data[to + k] = dictionary[from + k]!;
  }
}

/** The values' UTF-8, encoded on first use of this dictionary (and again once it has grown). */
function encodedOf(values: readonly (string | null)[]): EncodedValues {
  const cached = encodedValues.get(values);
  if (cached?.count === values.length) return cached;
  const encoder = new TextEncoder();
  const encoded = values.map((v) => (v === null ? null : encoder.encode(v)));
  const start = new Int32Array(values.length + 1);
  const present = new Uint8Array(values.length);
  encoded.forEach((bytes, v) => {
    start[v + 1] = start[v]! + (bytes?.length ?? 0);
    if (bytes) present[v] = 1;
  });
  const bytes = new Uint8Array(start[values.length]!);
  encoded.forEach((b, v) => b && bytes.set(b, start[v]!));
  const out = { count: values.length, bytes, start, present };
  encodedValues.set(values, out);
  return out;
}
