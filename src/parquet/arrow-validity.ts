import type { Data } from 'apache-arrow';

/**
 * True when row `i` of `data` is not null.
 * Arrow JS slices value and offset buffers to the Data's first row; only the validity bitmap is indexed from
 * `data.offset`.
 */
export function isValidAt(data: Data, i: number): boolean {
  const bitmap = data.nullBitmap;
  if (!bitmap || bitmap.length === 0 || data.nullCount === 0) return true;
  const j = data.offset + i;
  return ((bitmap[j >> 3]! >> (j & 7)) & 1) === 1;
}

/** Writes 1 for each valid (non-null) row of `data` and 0 for each null row into `out[0..data.length)`. */
export function validityOf(data: Data, out: Uint8Array): Uint8Array {
  const n = data.length;
  const bitmap = data.nullBitmap;
  if (!bitmap || bitmap.length === 0 || data.nullCount === 0) return out.fill(1, 0, n);
  const offset = data.offset;
  for (let i = 0; i < n; i++) {
    const j = offset + i;
    out[i] = (bitmap[j >> 3]! >> (j & 7)) & 1;
  }
  return out;
}
