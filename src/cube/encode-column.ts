import { DataType, Type, type Data } from 'apache-arrow';
import { ByteDictionary } from './byte-dictionary.js';
import type { TimeUnit } from './time-bucket.js';

/** Raised when a column's Arrow type cannot serve its role; the caller adds the object name. */
export class ColumnTypeError extends Error {
  override readonly name = 'ColumnTypeError';
  constructor(readonly column: string, readonly expected: string, readonly actual: string) {
    super(`schema column '${column}' expects ${expected}, got ${actual}`);
  }
}

/** True when row `i` of `data` is not null. */
export function isValidAt(data: Data, i: number): boolean {
  const bitmap = data.nullBitmap;
  if (!bitmap || bitmap.length === 0 || data.nullCount === 0) return true;
  const j = data.offset + i;
  return ((bitmap[j >> 3]! >> (j & 7)) & 1) === 1;
}

/** Writes the dictionary id of each row of a string or integer column into `out` (null -> ByteDictionary.nullId). */
export function encodeDimension(column: string, data: Data, dict: ByteDictionary, out: Int32Array): void {
  const n = data.length;
  const hasNulls = data.nullCount > 0;
  const type = data.type as DataType;
  if (DataType.isDictionary(type)) {
    const dictionary = data.dictionary;
    if (!dictionary) throw new ColumnTypeError(column, 'a string or integer', `${type} without dictionary values`);
    const valueIds = new Int32Array(dictionary.length);
    let offset = 0;
    for (const chunk of dictionary.data) {
      encodeDimension(column, chunk, dict, valueIds.subarray(offset, offset + chunk.length));
      offset += chunk.length;
    }
    const codes = data.values as ArrayLike<number | bigint>;
    for (let i = 0; i < n; i++) out[i] = hasNulls && !isValidAt(data, i) ? ByteDictionary.nullId : valueIds[Number(codes[data.offset + i]!)]!;
    return;
  }
  switch (type.typeId) {
    case Type.Utf8:
    case Type.Binary: {
      const offsets = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      const base = data.offset;
      let prevStart = -1;
      let prevEnd = -1;
      let prevId = ByteDictionary.nullId;
      for (let i = 0; i < n; i++) {
        if (hasNulls && !isValidAt(data, i)) {
          out[i] = ByteDictionary.nullId;
          continue;
        }
        const s = offsets[base + i]!;
        const e = offsets[base + i + 1]!;
        if (prevStart >= 0 && e - s === prevEnd - prevStart && sameRange(bytes, s, prevStart, e - s)) {
          out[i] = prevId;
          continue;
        }
        prevId = dict.idOfBytes(bytes, s, e);
        prevStart = s;
        prevEnd = e;
        out[i] = prevId;
      }
      return;
    }
    case Type.Int: {
      const values = data.values as ArrayLike<number | bigint>;
      const base = data.offset;
      for (let i = 0; i < n; i++) {
        out[i] = hasNulls && !isValidAt(data, i) ? ByteDictionary.nullId : dict.idOfNumber(Number(values[base + i]!));
      }
      return;
    }
    case Type.LargeUtf8: {
      const vector = data as Data<DataType>;
      for (let i = 0; i < n; i++) {
        const v = valueAt(vector, i);
        out[i] = v === null ? ByteDictionary.nullId : dict.idOfString(String(v));
      }
      return;
    }
    default:
      throw new ColumnTypeError(column, 'a string or integer', String(type));
  }
}

/** Copies a numeric value column into `out` as doubles and marks nulls in `valid` (1 valid, 0 null). */
export function decodeValues(column: string, data: Data, out: Float64Array, valid: Uint8Array): void {
  const n = data.length;
  const type = data.type as DataType;
  if (type.typeId !== Type.Float && type.typeId !== Type.Int) throw new ColumnTypeError(column, 'double', String(type));
  const hasNulls = data.nullCount > 0;
  if (data.values instanceof Float64Array) {
    out.set(data.values.subarray(data.offset, data.offset + n));
  } else {
    const values = data.values as ArrayLike<number | bigint>;
    for (let i = 0; i < n; i++) out[i] = Number(values[data.offset + i]!);
  }
  for (let i = 0; i < n; i++) valid[i] = hasNulls && !isValidAt(data, i) ? 0 : 1;
}

/** The resolution of a timestamp column: Arrow timestamps carry it; plain int64 means epoch milliseconds. */
export function timestampUnitOf(column: string, data: Data): TimeUnit {
  const type = data.type as DataType;
  if (DataType.isTimestamp(type)) return (['s', 'ms', 'us', 'ns'] as const)[type.unit]!;
  if (DataType.isInt(type) && type.bitWidth === 64 && type.isSigned) return 'ms';
  throw new ColumnTypeError(column, 'a timestamp or int64 epoch milliseconds', String(type));
}

/** The int64 values of a timestamp column as [lo, hi] 32-bit word pairs (index 2 * row). */
export function timestampWords(data: Data): { words: Int32Array; first: number } {
  const values = data.values as BigInt64Array;
  return { words: new Int32Array(values.buffer, values.byteOffset, values.length * 2), first: data.offset };
}

function sameRange(bytes: Uint8Array, a: number, b: number, len: number): boolean {
  for (let k = 0; k < len; k++) if (bytes[a + k] !== bytes[b + k]) return false;
  return true;
}

function valueAt(data: Data, i: number): unknown {
  if (!isValidAt(data, i)) return null;
  const offsets = data.valueOffsets as unknown as BigInt64Array;
  const s = Number(offsets[data.offset + i]!);
  const e = Number(offsets[data.offset + i + 1]!);
  return new TextDecoder().decode((data.values as Uint8Array).subarray(s, e));
}
