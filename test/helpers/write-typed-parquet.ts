import { thriftType, writeStruct, writeStructList, type ThriftField } from '../../src/parquet/thrift-compact.js';

/**
 * A minimal Parquet writer for tests: one row group, one PLAIN uncompressed data page (v1) per column, any physical
 * type with any logical or converted annotation, OPTIONAL columns with nulls. It writes what other producers may
 * (INT96, FLOAT16, DECIMAL on BYTE_ARRAY, invalid UTF-8 in a STRING column, ...) and DuckDB or Arrow cannot.
 */

/** Parquet physical types. */
export const physical = {
  BOOLEAN: 0,
  INT32: 1,
  INT64: 2,
  INT96: 3,
  FLOAT: 4,
  DOUBLE: 5,
  BYTE_ARRAY: 6,
  FIXED_LEN_BYTE_ARRAY: 7,
} as const;

/** Parquet converted types (the legacy annotation). */
export const converted = {
  UTF8: 0,
  ENUM: 4,
  DECIMAL: 5,
  DATE: 6,
  TIMESTAMP_MILLIS: 9,
  TIMESTAMP_MICROS: 10,
  UINT_8: 11,
  UINT_16: 12,
  UINT_32: 13,
  UINT_64: 14,
  INT_8: 15,
  INT_16: 16,
  INT_32: 17,
  INT_64: 18,
  JSON: 19,
  BSON: 20,
  INTERVAL: 21,
} as const;

/** A LogicalType union value (thrift field id and its struct fields). */
export interface LogicalAnnotation {
  // 1 STRING, 4 ENUM, 5 DECIMAL, 6 DATE, 7 TIME, 8 TIMESTAMP, 10 INTEGER, 12 JSON, 13 BSON, 14 UUID, 15 FLOAT16
  readonly id: number;
  readonly fields?: readonly ThriftField[];
}

/** Logical annotations by name. */
export const logical = {
  string: { id: 1 },
  enum: { id: 4 },
  json: { id: 12 },
  bson: { id: 13 },
  uuid: { id: 14 },
  float16: { id: 15 },
  date: { id: 6 },
  decimal: (precision: number, scale: number): LogicalAnnotation => ({
    id: 5,
    fields: [i32Field(1, scale), i32Field(2, precision)],
  }),
  integer: (bitWidth: number, signed: boolean): LogicalAnnotation => ({
    id: 10,
    fields: [{ id: 1, type: thriftType.byte, value: Uint8Array.of(bitWidth) }, boolField(2, signed)],
  }),
  timestamp: (unit: 'ms' | 'us' | 'ns', utc: boolean): LogicalAnnotation => ({
    id: 8,
    fields: [boolField(1, utc), structField(2, [structField(unitIds[unit], [])])],
  }),
  time: (unit: 'ms' | 'us' | 'ns', utc: boolean): LogicalAnnotation => ({
    id: 7,
    fields: [boolField(1, utc), structField(2, [structField(unitIds[unit], [])])],
  }),
} as const;

const unitIds = { ms: 1, us: 2, ns: 3 } as const;

/** One column: its Parquet type and its rows, each already PLAIN-encoded (null: a null row). */
export interface TypedColumn {
  readonly name: string;
  readonly physical: number;
  readonly typeLength?: number; // FIXED_LEN_BYTE_ARRAY only
  readonly logical?: LogicalAnnotation;
  readonly converted?: number;
  readonly precision?: number;
  readonly scale?: number;
  readonly rows: readonly (Uint8Array | null)[];
}

/** The bytes of a Parquet file holding `columns` (all of the same row count) in one row group. */
export function writeTypedParquet(columns: readonly TypedColumn[]): Uint8Array {
  const rows = columns[0]?.rows.length ?? 0;
  const parts: Uint8Array[] = [new TextEncoder().encode('PAR1')];
  let offset = 4;
  const chunks: ThriftField[][] = [];
  for (const c of columns) {
    if (c.rows.length !== rows) throw new Error(`column ${c.name} has ${c.rows.length} rows, expected ${rows}`);
    const page = concat([
      definitionLevels(c.rows),
      ...(c.physical === physical.BOOLEAN ? [packBooleans(c.rows)] : c.rows.filter((r): r is Uint8Array => r !== null)),
    ]);
    const header = writeStruct([
      i32Field(1, 0), // DATA_PAGE
      i32Field(2, page.length),
      i32Field(3, page.length),
      structField(5, [i32Field(1, rows), i32Field(2, 0), i32Field(3, 3), i32Field(4, 3)]), // PLAIN values, RLE levels
    ]);
    const meta: ThriftField[] = [
      i32Field(1, c.physical),
      { id: 2, type: thriftType.list, value: i32List([0, 3]) },
      { id: 3, type: thriftType.list, value: stringList([c.name]) },
      i32Field(4, 0), // UNCOMPRESSED
      i64Field(5, rows),
      i64Field(6, header.length + page.length),
      i64Field(7, header.length + page.length),
      i64Field(9, offset),
    ];
    chunks.push([i64Field(2, offset), structField(3, meta)]);
    parts.push(header, page);
    offset += header.length + page.length;
  }
  const schema: ThriftField[][] = [[stringField(4, 'schema'), i32Field(5, columns.length)]];
  for (const c of columns) {
    const element: ThriftField[] = [i32Field(1, c.physical), i32Field(3, 1), stringField(4, c.name)];
    if (c.typeLength !== undefined) element.push(i32Field(2, c.typeLength));
    if (c.converted !== undefined) element.push(i32Field(6, c.converted));
    if (c.scale !== undefined) element.push(i32Field(7, c.scale));
    if (c.precision !== undefined) element.push(i32Field(8, c.precision));
    if (c.logical) element.push(structField(10, [structField(c.logical.id, c.logical.fields ?? [])]));
    schema.push(element);
  }
  const footer = writeStruct([
    i32Field(1, 1),
    { id: 2, type: thriftType.list, value: writeStructList(schema) },
    i64Field(3, rows),
    {
      id: 4,
      type: thriftType.list,
      value: writeStructList([
        [{ id: 1, type: thriftType.list, value: writeStructList(chunks) }, i64Field(2, offset - 4), i64Field(3, rows)],
      ]),
    },
    stringField(6, 'telemetry-rollup test writer'),
  ]);
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, footer.length, true);
  return concat([...parts, footer, length, new TextEncoder().encode('PAR1')]);
}

/** PLAIN encodings of single values. */
export const plain = {
  int32(v: number): Uint8Array {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, v, true);
    return b;
  },
  int64(v: bigint): Uint8Array {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, BigInt.asIntN(64, v), true);
    return b;
  },
  float(v: number): Uint8Array {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    return b;
  },
  double(v: number): Uint8Array {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    return b;
  },
  /** INT96 timestamp: nanoseconds of the day (int64) then the Julian day (int32). */
  int96(epochNanos: bigint): Uint8Array {
    const day = epochNanos / 86_400_000_000_000n - (epochNanos % 86_400_000_000_000n < 0n ? 1n : 0n);
    const nanos = epochNanos - day * 86_400_000_000_000n;
    const b = new Uint8Array(12);
    const view = new DataView(b.buffer);
    view.setBigInt64(0, nanos, true);
    view.setInt32(8, Number(day) + 2_440_588, true);
    return b;
  },
  byteArray(bytes: Uint8Array | string): Uint8Array {
    const value = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
    const b = new Uint8Array(4 + value.length);
    new DataView(b.buffer).setUint32(0, value.length, true);
    b.set(value, 4);
    return b;
  },
  /** A boolean row: one byte 0 or 1 here, packed into bits by the writer. */
  boolean(v: boolean): Uint8Array {
    return Uint8Array.of(v ? 1 : 0);
  },
};

/** Big-endian two's complement bytes of `unscaled` in `length` bytes (DECIMAL on FIXED_LEN_BYTE_ARRAY / BYTE_ARRAY). */
export function decimalBytes(unscaled: bigint, length: number): Uint8Array {
  const b = new Uint8Array(length);
  let v = BigInt.asUintN(8 * length, unscaled);
  for (let i = length - 1; i >= 0; i--) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return b;
}

/** Definition levels (bit width 1) as one bit-packed run with its 4-byte length prefix. */
function definitionLevels(rows: readonly (Uint8Array | null)[]): Uint8Array {
  const groups = Math.ceil(rows.length / 8);
  const run = new Uint8Array(1 + groups);
  if (groups > 63) throw new Error('test writer: at most 504 rows');
  run[0] = (groups << 1) | 1;
  rows.forEach((r, i) => {
    if (r !== null) run[1 + (i >> 3)]! |= 1 << (i & 7);
  });
  const out = new Uint8Array(4 + run.length);
  new DataView(out.buffer).setUint32(0, run.length, true);
  out.set(run, 4);
  return out;
}

function packBooleans(rows: readonly (Uint8Array | null)[]): Uint8Array {
  const values = rows.filter((r): r is Uint8Array => r !== null);
  const out = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((v, i) => {
    if (v[0] === 1) out[i >> 3]! |= 1 << (i & 7);
  });
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function varint(v: bigint): number[] {
  const out: number[] = [];
  let u = v;
  while (u >= 0x80n) {
    out.push(Number(u & 0x7fn) | 0x80);
    u >>= 7n;
  }
  out.push(Number(u));
  return out;
}

function zigzag(v: bigint): number[] {
  return varint(v >= 0n ? v * 2n : -v * 2n - 1n);
}

function i32Field(id: number, v: number): ThriftField {
  return { id, type: thriftType.i32, value: Uint8Array.from(zigzag(BigInt(v))) };
}

function i64Field(id: number, v: number): ThriftField {
  return { id, type: thriftType.i64, value: Uint8Array.from(zigzag(BigInt(v))) };
}

function boolField(id: number, v: boolean): ThriftField {
  return { id, type: v ? thriftType.true : thriftType.false, value: new Uint8Array(0) };
}

function structField(id: number, fields: readonly ThriftField[]): ThriftField {
  const bytes = writeStruct(fields);
  return { id, type: thriftType.struct, value: bytes };
}

function stringField(id: number, s: string): ThriftField {
  const utf8 = new TextEncoder().encode(s);
  return { id, type: thriftType.binary, value: Uint8Array.from([...varint(BigInt(utf8.length)), ...utf8]) };
}

function i32List(values: readonly number[]): Uint8Array {
  return Uint8Array.from([(values.length << 4) | thriftType.i32, ...values.flatMap((v) => zigzag(BigInt(v)))]);
}

function stringList(values: readonly string[]): Uint8Array {
  return Uint8Array.from([
    (values.length << 4) | thriftType.binary,
    ...values.flatMap((s) => {
      const utf8 = new TextEncoder().encode(s);
      return [...varint(BigInt(utf8.length)), ...utf8];
    }),
  ]);
}
