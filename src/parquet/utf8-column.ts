import { makeData, makeVector, Utf8, type Vector } from 'apache-arrow';

/**
 * An Arrow Utf8 vector whose row r holds values[ids[r]] (null where the value is null), built from the
 * dictionary's bytes directly: each distinct value is encoded once, never once per row. Negative ids (STAR) are null.
 */
export function utf8ColumnFromIds(ids: Int32Array, values: readonly (string | null)[]): Vector<Utf8> {
  const encoder = new TextEncoder();
  const encoded = values.map((v) => (v === null ? null : encoder.encode(v)));
  const n = ids.length;
  const offsets = new Int32Array(n + 1);
  let total = 0;
  let nulls = 0;
  for (let r = 0; r < n; r++) {
    const bytes = ids[r]! >= 0 ? encoded[ids[r]!] : null;
    if (bytes) total += bytes.length;
    else nulls++;
    offsets[r + 1] = total;
  }
  const data = new Uint8Array(total);
  const bitmap = new Uint8Array((n + 7) >> 3);
  for (let r = 0; r < n; r++) {
    const bytes = ids[r]! >= 0 ? encoded[ids[r]!] : null;
    if (!bytes) continue;
    data.set(bytes, offsets[r]!);
    bitmap[r >> 3]! |= 1 << (r & 7);
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
