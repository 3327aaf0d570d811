import { DataType, Type, type Data, type Decimal, type FixedSizeBinary } from 'apache-arrow';
import { ByteDictionary } from './byte-dictionary.js';
import { hexOf } from './value-text.js';
import type { TimeUnit } from './time-bucket.js';
import { isValidAt, validityOf } from '../parquet/arrow-validity.js';

/** Raised when a column's Arrow type cannot serve its role; the caller adds the object name. */
export class ColumnTypeError extends Error {
  override readonly name = 'ColumnTypeError';
  constructor(
    readonly column: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`schema column '${column}' expects ${expected}, got ${actual}`);
  }
}

/**
 * What a dimension column must be, in messages (encodeDimension also reads binary, decimal, boolean and UUID columns).
 */
export const dimensionTypes = 'a string or integer';

/**
 * Writes the dictionary id of each row of a dimension column into `out` (null -> ByteDictionary.nullId). Strings
 * and binary values are interned as their bytes; integers, decimals and booleans as their text (as DuckDB prints
 * them), so `7` read as an integer and `'7'` read as a string are the same value; a 16-byte value of a column that
 * `uuid` names is interned as its canonical UUID text.
 */
export function encodeDimension(column: string, data: Data, dict: ByteDictionary, out: Int32Array, uuid = false): void {
  const n = data.length;
  const type = data.type as DataType;
  if (DataType.isDictionary(type)) {
    encodeDictionaryCodes(column, data, dict, out, uuid);
    return;
  }
  const validity = data.nullCount > 0 && data.nullBitmap && data.nullBitmap.length > 0 ? data.nullBitmap : null;
  switch (type.typeId) {
    case Type.Utf8:
    case Type.Binary:
      dict.idsOfUtf8(data.valueOffsets as Int32Array, data.values as Uint8Array, 0, n, validity, data.offset, out);
      return;
    case Type.Int: {
      if (data.values instanceof Int32Array) {
        dict.idsOfInt32(data.values, 0, n, validity, data.offset, out);
        return;
      }
      const values = data.values as ArrayLike<number | bigint>;
      for (let i = 0; i < n; i++) {
        const v = values[i]!;
        if (!isValidAt(data, i)) out[i] = ByteDictionary.nullId;
        else if (typeof v === 'number' || (v >= minSafe && v <= maxSafe)) out[i] = dict.idOfNumber(Number(v));
        else out[i] = dict.idOfString(String(v)); // int64 beyond 2^53: Number() would merge neighbours
      }
      return;
    }
    case Type.LargeUtf8:
    case Type.LargeBinary: {
      const offsets = data.valueOffsets as unknown as BigInt64Array;
      const bytes = data.values as Uint8Array;
      for (let i = 0; i < n; i++)
        out[i] = isValidAt(data, i)
          ? dict.idOfBytes(bytes, Number(offsets[i]!), Number(offsets[i + 1]!))
          : ByteDictionary.nullId;
      return;
    }
    case Type.FixedSizeBinary: {
      const width = (type as FixedSizeBinary).byteWidth;
      const bytes = data.values as Uint8Array;
      for (let i = 0; i < n; i++) {
        if (!isValidAt(data, i)) out[i] = ByteDictionary.nullId;
        else if (uuid && width === 16) out[i] = dict.idOfString(uuidText(bytes, 16 * i));
        else out[i] = dict.idOfBytes(bytes, width * i, width * (i + 1));
      }
      return;
    }
    case Type.Bool: {
      const ids = [dict.idOfString('false'), dict.idOfString('true')];
      for (let i = 0; i < n; i++) out[i] = isValidAt(data, i) ? ids[Number(boolAt(data, i))]! : ByteDictionary.nullId;
      return;
    }
    case Type.Decimal: {
      const words = decimalWords(data);
      const scale = (type as Decimal).scale;
      for (let i = 0; i < n; i++)
        out[i] = isValidAt(data, i)
          ? dict.idOfString(decimalText(decimalAt(words, type as Decimal, i), scale))
          : ByteDictionary.nullId;
      return;
    }
    case Type.Null:
      out.fill(ByteDictionary.nullId, 0, n);
      return;
    default:
      throw new ColumnTypeError(column, dimensionTypes, String(type));
  }
}

/**
 * Dictionary-encoded rows: each dictionary value is interned the first time a row uses it, so ids follow first sight
 * in the rows (as for plain strings) and unused dictionary values get no id.
 */
function encodeDictionaryCodes(column: string, data: Data, dict: ByteDictionary, out: Int32Array, uuid: boolean): void {
  const codeIds = new DictionaryCodeIds(column, data, dict, uuid);
  const n = data.length;
  if (data.values instanceof Int32Array) {
    mapCodes(data.values, n, codeIds, data.nullCount > 0 ? validityOf(data, nullScratch(n)) : undefined, out);
    return;
  }
  const codes = data.values as ArrayLike<number | bigint>;
  const hasNulls = data.nullCount > 0;
  for (let i = 0; i < n; i++)
    out[i] = hasNulls && !isValidAt(data, i) ? ByteDictionary.nullId : codeIds.idOf(Number(codes[i]!));
}

/**
 * For a dictionary-encoded column: the id in `dict` of the value a code stands for, interned on first use and
 * remembered; a code outside the dictionary is a ColumnTypeError. (A class, not a closure per column and batch: the
 * per-row loops that call it then keep one call target, where a fresh closure each batch threw their optimized code
 * away.)
 */
export class DictionaryCodeIds {
  private readonly chunks: readonly Data[];
  private readonly chunkStarts: number[];
  private readonly valueIds: Int32Array; // dictionary index -> id, -1 not seen yet
  private readonly one = new Int32Array(1);

  constructor(
    private readonly column: string,
    data: Data,
    private readonly dict: ByteDictionary,
    private readonly uuid = false,
  ) {
    const dictionary = data.dictionary;
    if (!dictionary) throw new ColumnTypeError(column, dimensionTypes, `${data.type} without dictionary values`);
    this.chunks = dictionary.data;
    this.chunkStarts = [0];
    for (const chunk of this.chunks)
      this.chunkStarts.push(this.chunkStarts[this.chunkStarts.length - 1]! + chunk.length);
    this.valueIds = new Int32Array(dictionary.length).fill(-1);
  }

  /** The id of the value `code` stands for. */
  idOf(code: number): number {
    const id = this.valueIds[code]!;
    if (id >= 0) return id;
    return this.intern(code);
  }

  private intern(code: number): number {
    if (!(code >= 0 && code < this.valueIds.length))
      throw new ColumnTypeError(this.column, `dictionary codes below ${this.valueIds.length}`, `code ${code}`);
    let c = 0;
    while (code >= this.chunkStarts[c + 1]!) c++;
    const chunk = this.chunks[c]!;
    const at = code - this.chunkStarts[c]!;
    const one = this.one;
    if (chunk.typeId === Type.Utf8 || chunk.typeId === Type.Binary) {
      // encodeDimension's loop over the one value, without slicing the chunk (a Data and its views per code)
      const validity = chunk.nullCount > 0 && chunk.nullBitmap && chunk.nullBitmap.length > 0 ? chunk.nullBitmap : null;
      const offsets = chunk.valueOffsets as Int32Array;
      this.dict.idsOfUtf8(offsets, chunk.values as Uint8Array, at, 1, validity, chunk.offset + at, one);
    } else encodeDimension(this.column, chunk.slice(at, 1), this.dict, one, this.uuid);
    return (this.valueIds[code] = one[0]!);
  }
}

/** The common case, kept monomorphic: int32 codes; a null row's code is arbitrary, so it is not looked up. */
function mapCodes(
  codes: Int32Array,
  n: number,
  codeIds: DictionaryCodeIds,
  valid: Uint8Array | undefined,
  out: Int32Array,
): void {
  for (let i = 0; i < n; i++) out[i] = valid && valid[i] === 0 ? ByteDictionary.nullId : codeIds.idOf(codes[i]!);
}

let nullBytes = new Uint8Array(0);

function nullScratch(n: number): Uint8Array {
  if (nullBytes.length < n) nullBytes = new Uint8Array(n);
  return nullBytes;
}

/**
 * What a value column must be, in messages (decodeValues reads integer, float, half float and decimal columns as
 * doubles).
 */
export const valueTypes = 'double';

/**
 * Copies a numeric value column into `out` as doubles and marks nulls in `valid` (1 valid, 0 null). Every value
 * becomes the double nearest to it, as DuckDB's cast to DOUBLE gives: integers (above 2^53 rounded), floats and half
 * floats (exact), decimals whose unscaled value is within 2^53 (one correctly rounded division); a decimal beyond
 * that is a ColumnTypeError naming it rather than a double that DuckDB might round differently.
 */
export function decodeValues(column: string, data: Data, out: Float64Array, valid: Uint8Array): void {
  const n = data.length;
  const type = data.type as DataType;
  if (type.typeId === Type.Null) {
    valid.fill(0, 0, n); // a Null column has no bitmap: every row is null
    return;
  }
  validityOf(data, valid);
  if (DataType.isFloat(type) && data.values instanceof Uint16Array) {
    const bits = data.values;
    for (let i = 0; i < n; i++) out[i] = halfToDouble(bits[i]!);
    return;
  }
  if (DataType.isDecimal(type)) {
    const words = decimalWords(data);
    for (let i = 0; i < n; i++)
      out[i] = valid[i] === 1 ? decimalToDouble(column, decimalAt(words, type, i), type.scale) : 0;
    return;
  }
  if (type.typeId !== Type.Float && type.typeId !== Type.Int)
    throw new ColumnTypeError(column, valueTypes, String(type));
  if (data.values instanceof Float64Array) {
    out.set(data.values.subarray(0, n));
  } else {
    const values = data.values as ArrayLike<number | bigint>;
    for (let i = 0; i < n; i++) out[i] = Number(values[i]!);
  }
}

/** An IEEE 754 half float (binary16) as the double of the same value (every half float is one exactly). */
export function halfToDouble(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1024 + fraction) * 2 ** (exponent - 25);
}

/**
 * The 32-bit words of a Decimal column's values (bitWidth / 32 per row). arrow-js-ffi gives a view of one word per
 * row over the decoder's memory, which holds them all, so the view is widened to the whole buffer here.
 */
function decimalWords(data: Data): Uint32Array {
  const values = data.values as Uint32Array;
  const words = ((data.type as Decimal).bitWidth / 32) * data.length;
  return values.length >= words ? values : new Uint32Array(values.buffer, values.byteOffset, words);
}

/** The unscaled value of row `i` of a Decimal column's words (128 or 256 bits, little-endian 32-bit words). */
function decimalAt(words: Uint32Array, type: Decimal, i: number): bigint {
  const stride = type.bitWidth / 32;
  let v = 0n;
  for (let k = stride - 1; k >= 0; k--) v = (v << 32n) | BigInt(words[stride * i + k]!);
  return BigInt.asIntN(32 * stride, v);
}

/** A decimal's value as the nearest double, when one division gives it (|unscaled| <= 2^53, 10^|scale| exact). */
function decimalToDouble(column: string, unscaled: bigint, scale: number): number {
  if (unscaled > maxExact || unscaled < -maxExact || scale > 22 || scale < -22) {
    throw new ColumnTypeError(
      column,
      'decimal values within 2^53 units of their scale (exact as a double)',
      `DECIMAL value ${decimalText(unscaled, scale)}`,
    );
  }
  return scale >= 0 ? Number(unscaled) / 10 ** scale : Number(unscaled) * 10 ** -scale;
}

/** A decimal as DuckDB prints it: `12.30`, `-0.005`, scale digits after the point. */
export function decimalText(unscaled: bigint, scale: number): string {
  if (scale <= 0) return String(unscaled * 10n ** BigInt(-scale));
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return `${unscaled < 0n ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** The canonical text of the UUID in bytes[at, at + 16): lowercase 8-4-4-4-12 hex digits. */
function uuidText(bytes: Uint8Array, at: number): string {
  const hex = hexOf(bytes, at, at + 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The value of row `i` of a Bool column (values are bits, indexed from the Data's offset like the validity bitmap). */
function boolAt(data: Data, i: number): boolean {
  const j = data.offset + i;
  return (((data.values as Uint8Array)[j >> 3]! >> (j & 7)) & 1) === 1;
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

const maxExact = 2n ** 53n;
const minSafe = BigInt(Number.MIN_SAFE_INTEGER);
const maxSafe = BigInt(Number.MAX_SAFE_INTEGER);
