import { type Data, DataType, Dictionary, Int32, makeData, makeVector, Utf8, type Vector } from 'apache-arrow';

/** A dictionary's values as UTF-8, back to back: value v is bytes[start[v], start[v + 1]); a null has no bytes. */
interface EncodedValues {
  readonly count: number; // values encoded (dictionaries only grow: a longer one is encoded again)
  readonly bytes: Uint8Array;
  readonly view: DataView; // over bytes and 3 bytes more: copyUtf8 reads 4 bytes at a time
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
  const { view, start, present } = encodedOf(values);
  const n = ids.length;
  const offsets = new Int32Array(n + 1);
  const bitmap = new Uint8Array((n + 7) >> 3);
  const nulls = utf8Offsets(ids, start, present, offsets, bitmap);
  const data = new Uint8Array(new ArrayBuffer(offsets[n]! + 3), 0, offsets[n]!); // + 3: see copyUtf8
  copyUtf8(ids, start, view, offsets, new DataView(data.buffer));
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

/**
 * An Arrow Dictionary<Utf8, Int32> vector whose row r holds values[ids[r]] (null where the value is null or the id is
 * negative, STAR): the values once, as the dictionary, and a code per row. A table of long values then holds each value
 * once, not once per row: a day tier's hour cuboid of 240,000 rows of 4 KB topic names was a 983 MB column, copied
 * again into the Parquet writer (the day tier peaked at 3.4 GB under a 1 GiB budget; 1.4 GB now, in the hour tier).
 * Written to Parquet, its pages are a Utf8 column's to the byte (the writer interns the values a column chunk uses, as
 * it meets them, either way) while the chunk's dictionary stays under the writer's dictionary page limit (1 MiB); past
 * it a Utf8 column falls back to plain pages for the rest of the chunk, and a coded one keeps its dictionary (the same
 * values, in fewer bytes). The Arrow schema in the footer is the Utf8 one either way (`writeParquet`).
 */
export function dictionaryColumnFromIds(
  ids: Int32Array,
  values: readonly (string | null)[],
): Vector<Dictionary<Utf8, Int32>> {
  const { present } = encodedOf(values);
  const { type, vector } = dictionaryOf(values);
  const n = ids.length;
  const codes = new Int32Array(n);
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let r = 0; r < n; r++) {
    const id = ids[r]!;
    if (id >= 0 && present[id] === 1) {
      codes[r] = id;
      bitmap[r >> 3]! |= 1 << (r & 7);
    } else nulls++;
  }
  return makeVector(
    makeData({
      type,
      length: n,
      nullCount: nulls,
      nullBitmap: nulls > 0 ? bitmap : null,
      data: codes,
      dictionary: vector,
    }),
  );
}

/** A dictionary's values as one Utf8 vector, and the one Dictionary type (one id) of every column coded into it. */
interface DictionaryVector {
  readonly count: number; // values held (dictionaries only grow: a longer one is built again)
  readonly type: Dictionary<Utf8, Int32>;
  readonly vector: Vector<Utf8>;
}

// one type per dictionary: tables of one segment coded into the same values have equal schemas (cuboid tables are
// joined into one)
const dictionaries = new WeakMap<readonly (string | null)[], DictionaryVector>();

/** The values as one Utf8 vector (a null value: a null entry, which no code points at), built once per dictionary. */
function dictionaryOf(values: readonly (string | null)[]): DictionaryVector {
  const cached = dictionaries.get(values);
  if (cached?.count === values.length) return cached;
  const { bytes, start, present } = encodedOf(values);
  const n = values.length;
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let v = 0; v < n; v++) {
    if (present[v] === 1) bitmap[v >> 3]! |= 1 << (v & 7);
    else nulls++;
  }
  const vector = makeVector(
    makeData({
      type: new Utf8(),
      length: n,
      nullCount: nulls,
      nullBitmap: nulls > 0 ? bitmap : null,
      valueOffsets: start,
      data: bytes,
    }),
  );
  const built = { count: n, type: new Dictionary(new Utf8(), new Int32()), vector };
  dictionaries.set(values, built);
  return built;
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

/**
 * Copies each row's value bytes from the dictionary's bytes to data[offsets[r]..], four bytes at a time (twice as fast
 * as byte by byte on the short values of dimensions): a row's last word may spill up to 3 bytes past its value, which
 * the next row's copy overwrites (rows are copied in order) or which land in the 3 bytes both buffers have past
 * their end.
 */
function copyUtf8(ids: Int32Array, start: Int32Array, dictionary: DataView, offsets: Int32Array, data: DataView): void {
  for (let r = 0; r < ids.length; r++) {
    const id = ids[r]!;
    if (id < 0) continue;
    const to = offsets[r]!;
    const from = start[id]!;
    const length = start[id + 1]! - from;
    for (let k = 0; k < length; k += 4) data.setUint32(to + k, dictionary.getUint32(from + k, true), true);
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
  const buffer = new ArrayBuffer(start[values.length]! + 3); // + 3: copyUtf8 reads 4 bytes at a time
  const bytes = new Uint8Array(buffer, 0, start[values.length]!);
  encoded.forEach((b, v) => b && bytes.set(b, start[v]!));
  const out = { count: values.length, bytes, view: new DataView(buffer), start, present };
  encodedValues.set(values, out);
  return out;
}

/**
 * A reader of row i's value of an Arrow column as text: a Utf8 or LargeUtf8 column (or a dictionary of one) decoded
 * from its bytes with a leading U+FEFF kept (Arrow's own `get` drops it, so '\ufeffx' read as 'x'); any other type as
 * `String` of Arrow's value. Null (or invalid) rows are not its concern: the caller checks validity.
 */
export function textReader(data: Data): (i: number) => string | null {
  if (DataType.isDictionary(data.type)) {
    const dictionary = data.dictionary!;
    const codes = data.values as ArrayLike<number>;
    const chunk = dictionary.data.length === 1 ? dictionary.data[0]! : undefined;
    const textOfCode = chunk ? textReader(chunk) : (code: number) => textOfValue(dictionary.get(code));
    return (i) => textOfCode(codes[i]!);
  }
  if (DataType.isUtf8(data.type) || DataType.isLargeUtf8(data.type)) {
    const offsets = data.valueOffsets as ArrayLike<number | bigint>;
    const bytes = data.values as Uint8Array;
    return (i) => {
      const at = data.offset + i;
      return textDecoder.decode(bytes.subarray(Number(offsets[at]!), Number(offsets[at + 1]!)));
    };
  }
  const vector = makeVector(data);
  return (i) => textOfValue(vector.get(i));
}

function textOfValue(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

const textDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
