import { DataType, Type, type Data } from 'apache-arrow';
import { ByteDictionary } from './byte-dictionary.js';
import type { TimeUnit } from './time-bucket.js';
import { isValidAt, validityOf } from '../parquet/arrow-validity.js';

/** Raised when a column's Arrow type cannot serve its role; the caller adds the object name. */
export class ColumnTypeError extends Error {
  override readonly name = 'ColumnTypeError';
  constructor(readonly column: string, readonly expected: string, readonly actual: string) {
    super(`schema column '${column}' expects ${expected}, got ${actual}`);
  }
}

/** Writes the dictionary id of each row of a string or integer column into `out` (null -> ByteDictionary.nullId). */
export function encodeDimension(column: string, data: Data, dict: ByteDictionary, out: Int32Array): void {
  const n = data.length;
  const type = data.type as DataType;
  if (DataType.isDictionary(type)) return encodeDictionaryCodes(column, data, dict, out);
  const validity = data.nullCount > 0 && data.nullBitmap && data.nullBitmap.length > 0 ? data.nullBitmap : null;
  switch (type.typeId) {
    case Type.Utf8:
    case Type.Binary:
      dict.idsOfUtf8(data.valueOffsets as Int32Array, data.values as Uint8Array, 0, n, validity, data.offset, out);
      return;
    case Type.Int: {
      if (data.values instanceof Int32Array) return dict.idsOfInt32(data.values, 0, n, validity, data.offset, out);
      const values = data.values as ArrayLike<number | bigint>;
      for (let i = 0; i < n; i++) {
        const v = values[i]!;
        if (!isValidAt(data, i)) out[i] = ByteDictionary.nullId;
        else if (typeof v === 'number' || (v >= minSafe && v <= maxSafe)) out[i] = dict.idOfNumber(Number(v));
        else out[i] = dict.idOfString(String(v)); // int64 beyond 2^53: Number() would merge neighbours
      }
      return;
    }
    case Type.LargeUtf8: {
      const offsets = data.valueOffsets as unknown as BigInt64Array;
      const bytes = data.values as Uint8Array;
      for (let i = 0; i < n; i++) out[i] = isValidAt(data, i) ? dict.idOfBytes(bytes, Number(offsets[i]!), Number(offsets[i + 1]!)) : ByteDictionary.nullId;
      return;
    }
    default:
      throw new ColumnTypeError(column, 'a string or integer', String(type));
  }
}

/**
 * Dictionary-encoded rows: each dictionary value is interned the first time a row uses it, so ids follow first sight
 * in the rows (as for plain strings) and unused dictionary values get no id.
 */
function encodeDictionaryCodes(column: string, data: Data, dict: ByteDictionary, out: Int32Array): void {
  const idOfCode = dictionaryCodeIds(column, data, dict);
  const n = data.length;
  if (data.values instanceof Int32Array) {
    mapCodes(data.values, n, idOfCode, data.nullCount > 0 ? validityOf(data, nullScratch(n)) : undefined, out);
    return;
  }
  const codes = data.values as ArrayLike<number | bigint>;
  const hasNulls = data.nullCount > 0;
  for (let i = 0; i < n; i++) out[i] = hasNulls && !isValidAt(data, i) ? ByteDictionary.nullId : idOfCode(Number(codes[i]!));
}

/**
 * For a dictionary-encoded column: the id in `dict` of the value a code stands for, interned on first use and
 * remembered; a code outside the dictionary is a ColumnTypeError.
 */
export function dictionaryCodeIds(column: string, data: Data, dict: ByteDictionary): (code: number) => number {
  const dictionary = data.dictionary;
  if (!dictionary) throw new ColumnTypeError(column, 'a string or integer', `${data.type} without dictionary values`);
  const chunks = dictionary.data;
  const chunkStarts = [0];
  for (const chunk of chunks) chunkStarts.push(chunkStarts[chunkStarts.length - 1]! + chunk.length);
  const valueIds = new Int32Array(dictionary.length).fill(-1); // dictionary index -> id, -1 not seen yet
  const one = new Int32Array(1);
  return (code: number): number => {
    const id = valueIds[code]!;
    if (id >= 0) return id;
    if (!(code >= 0 && code < valueIds.length)) throw new ColumnTypeError(column, `dictionary codes below ${valueIds.length}`, `code ${code}`);
    let c = 0;
    while (code >= chunkStarts[c + 1]!) c++;
    encodeDimension(column, chunks[c]!.slice(code - chunkStarts[c]!, 1), dict, one);
    return (valueIds[code] = one[0]!);
  };
}

/** The common case, kept monomorphic: int32 codes; a null row's code is arbitrary, so it is not looked up. */
function mapCodes(codes: Int32Array, n: number, idOfCode: (code: number) => number, valid: Uint8Array | undefined, out: Int32Array): void {
  for (let i = 0; i < n; i++) out[i] = valid && valid[i] === 0 ? ByteDictionary.nullId : idOfCode(codes[i]!);
}

let nullBytes = new Uint8Array(0);

function nullScratch(n: number): Uint8Array {
  if (nullBytes.length < n) nullBytes = new Uint8Array(n);
  return nullBytes;
}

/** Copies a numeric value column into `out` as doubles and marks nulls in `valid` (1 valid, 0 null). */
export function decodeValues(column: string, data: Data, out: Float64Array, valid: Uint8Array): void {
  const n = data.length;
  const type = data.type as DataType;
  if (type.typeId !== Type.Float && type.typeId !== Type.Int) throw new ColumnTypeError(column, 'double', String(type));
  if (data.values instanceof Float64Array) {
    out.set(data.values.subarray(0, n));
  } else {
    const values = data.values as ArrayLike<number | bigint>;
    for (let i = 0; i < n; i++) out[i] = Number(values[i]!);
  }
  validityOf(data, valid);
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
  return { words: new Int32Array(values.buffer, values.byteOffset, values.length * 2), first: 0 };
}

const minSafe = BigInt(Number.MIN_SAFE_INTEGER);
const maxSafe = BigInt(Number.MAX_SAFE_INTEGER);
