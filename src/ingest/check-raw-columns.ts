import { DataType, Type } from 'apache-arrow';
import { dimensionTypes, valueTypes } from './encode-column.js';
import { describeParquetType } from '../parquet/parquet-column-types.js';
import type { ParquetSource } from '../parquet/read-parquet.js';
import type { RawFileSpec } from './raw-file-spec.js';

/** Raised for a raw column whose type cannot play its role; names the object, the column and both its types. */
export class RawColumnTypeError extends Error {
  override readonly name = 'RawColumnTypeError';
}

/** Arrow types (as the decoder gives a file's Parquet types) that each role reads exactly. */
const readable: Readonly<
  Record<
    'timestamp' | 'value' | 'key',
    { readonly expects: string; readonly parquet: string; readonly accepts: (t: DataType) => boolean }
  >
> = {
  timestamp: {
    expects: 'a timestamp or int64 epoch milliseconds',
    parquet:
      'TIMESTAMP (MILLIS, MICROS or NANOS; UTC or local, read as UTC), INT96, ' +
      'or INT64 signed, with or without INT annotation (epoch milliseconds)',
    accepts: (t) => DataType.isTimestamp(t) || (DataType.isInt(t) && t.bitWidth === 64 && t.isSigned),
  },
  value: {
    expects: valueTypes,
    parquet: 'DOUBLE, FLOAT, FLOAT16, INT32 or INT64 of any INT annotation, DECIMAL',
    accepts: (t) =>
      t.typeId === Type.Float || t.typeId === Type.Int || t.typeId === Type.Decimal || t.typeId === Type.Null,
  },
  key: {
    expects: dimensionTypes,
    parquet:
      'BYTE_ARRAY (STRING, ENUM, JSON, BSON or none), FIXED_LEN_BYTE_ARRAY (UUID or none), ' +
      'INT32 or INT64 of any INT annotation, DECIMAL, BOOLEAN',
    accepts: (t) => isKeyType(DataType.isDictionary(t) ? t.dictionary : t),
  },
};

function isKeyType(t: DataType): boolean {
  return [
    Type.Utf8,
    Type.LargeUtf8,
    Type.Utf8View,
    Type.Binary,
    Type.LargeBinary,
    Type.BinaryView,
    Type.FixedSizeBinary,
    Type.Int,
    Type.Decimal,
    Type.Bool,
    Type.Null,
  ].includes(t.typeId);
}

/**
 * Checks, before any row is decoded, that each column the spec reads appears once and has a type its role reads
 * exactly; else a RawColumnTypeError naming the object, the column, and its count or its Parquet type and the Parquet
 * types the role reads.
 */
export function checkRawColumns(source: ParquetSource, spec: RawFileSpec): void {
  const roles: [keyof typeof readable, string][] = [
    ['timestamp', spec.timestampColumn],
    ['value', spec.valueColumn],
    ['key', spec.metricColumn],
    ...spec.dimensions.map((d): [keyof typeof readable, string] => ['key', d]),
  ];
  for (const [, column] of roles) {
    const times = source.schema.fields.filter((f) => f.name === column).length;
    // writers such as pyarrow, arrow-rs and case-sensitive Spark can write two top-level columns of one name
    if (times > 1)
      throw new RawColumnTypeError(
        `schema column '${column}' appears ${times} times among the file's top-level columns: which one holds the ` +
          `data is ambiguous; write it once; in ${source.name}`,
      );
  }
  for (const [role, column] of roles) {
    const field = source.schema.fields.find((f) => f.name === column);
    if (!field) continue; // a missing required column is reported by the caller; a missing dimension reads as null
    const rule = readable[role];
    if (rule.accepts(field.type)) continue;
    const parquet = describeParquetType(source.columnTypes.get(column));
    throw new RawColumnTypeError(
      `schema column '${column}' has Parquet type ${parquet}: expects ${rule.expects}, got ${String(field.type)} ` +
        `(the Arrow type it reads as: from its Parquet type, or from the Arrow schema its writer stored in the file); ` +
        `readable: ${rule.parquet}; in ${source.name}`,
    );
  }
}

/** The columns of a file that hold UUIDs (Parquet UUID logical type): dimensions write them as canonical UUID text. */
export function uuidColumns(source: ParquetSource): ReadonlySet<string> {
  return new Set([...source.columnTypes.values()].filter((t) => t.logical === 'UUID').map((t) => t.name));
}
