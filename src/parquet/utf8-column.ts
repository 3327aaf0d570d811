import { makeData, makeVector, Utf8, type Vector } from 'apache-arrow';

/**
 * An Arrow Utf8 vector whose row r holds values[ids[r]] (null where the value is null), built from the
 * dictionary's bytes directly: each distinct value is encoded once, never once per row. Negative ids (STAR) are null.
 */
export function utf8ColumnFromIds(ids: Int32Array, values: readonly (string | null)[]): Vector<Utf8> {
  const encoder = new TextEncoder();
  // every value's UTF-8 once, back to back: value v is dictionary[start[v], start[v + 1]); a null has no bytes
  const encoded = values.map((v) => (v === null ? null : encoder.encode(v)));
  const start = new Int32Array(values.length + 1);
  encoded.forEach((bytes, v) => (start[v + 1] = start[v]! + (bytes?.length ?? 0)));
  const dictionary = new Uint8Array(start[values.length]!);
  encoded.forEach((bytes, v) => bytes && dictionary.set(bytes, start[v]!));
  const n = ids.length;
  const offsets = new Int32Array(n + 1);
  const bitmap = new Uint8Array((n + 7) >> 3);
  let total = 0;
  let nulls = 0;
  for (let r = 0; r < n; r++) {
    const id = ids[r]!;
    if (id >= 0 && encoded[id]) {
      total += start[id + 1]! - start[id]!;
      bitmap[r >> 3]! |= 1 << (r & 7);
    } else nulls++;
    offsets[r + 1] = total;
  }
  const data = new Uint8Array(total);
  for (let r = 0; r < n; r++) {
    const id = ids[r]!;
    if (id < 0) continue;
    const to = offsets[r]!;
    const from = start[id]!;
    const length = start[id + 1]! - from;
    for (let k = 0; k < length; k++) data[to + k] = dictionary[from + k]!;
  }
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
