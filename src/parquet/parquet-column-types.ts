import { schemaElements, topLevelIndexes, type ParquetFooter } from './parquet-footer.js';
import { readBinary, readInteger, readStructFields, thriftType, type ThriftField } from './thrift-compact.js';

/** The Parquet type of one top-level column, as the file's footer declares it (for checks and messages). */
export interface ParquetColumnType {
  readonly name: string;
  // BOOLEAN, INT32, INT64, INT96, FLOAT, DOUBLE, BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY; null: a group (nested)
  readonly physical: string | null;
  // logical annotation, e.g. FLOAT16, DECIMAL(9,2), TIMESTAMP(NANOS, isAdjustedToUTC=false), UUID
  readonly logical: string | null;
  readonly converted: string | null; // legacy converted type, e.g. UTF8, UINT_64, INTERVAL
  readonly repetition: 'REQUIRED' | 'OPTIONAL' | 'REPEATED';
}

const physicalNames = [
  'BOOLEAN',
  'INT32',
  'INT64',
  'INT96',
  'FLOAT',
  'DOUBLE',
  'BYTE_ARRAY',
  'FIXED_LEN_BYTE_ARRAY',
] as const;
const convertedNames = [
  'UTF8',
  'MAP',
  'MAP_KEY_VALUE',
  'LIST',
  'ENUM',
  'DECIMAL',
  'DATE',
  'TIME_MILLIS',
  'TIME_MICROS',
  'TIMESTAMP_MILLIS',
  'TIMESTAMP_MICROS',
  'UINT_8',
  'UINT_16',
  'UINT_32',
  'UINT_64',
  'INT_8',
  'INT_16',
  'INT_32',
  'INT_64',
  'JSON',
  'BSON',
  'INTERVAL',
] as const;
const logicalNames: Readonly<Record<number, string>> = {
  1: 'STRING',
  2: 'MAP',
  3: 'LIST',
  4: 'ENUM',
  5: 'DECIMAL',
  6: 'DATE',
  7: 'TIME',
  8: 'TIMESTAMP',
  10: 'INT',
  11: 'NULL',
  12: 'JSON',
  13: 'BSON',
  14: 'UUID',
  15: 'FLOAT16',
  16: 'VARIANT',
  17: 'GEOMETRY',
  18: 'GEOGRAPHY',
};
const repetitions = ['REQUIRED', 'OPTIONAL', 'REPEATED'] as const;
const timeUnits: Readonly<Record<number, string>> = { 1: 'MILLIS', 2: 'MICROS', 3: 'NANOS' };

/** The Parquet type of each top-level column of a file, by column name. */
export function parquetColumnTypes(footer: ParquetFooter): ReadonlyMap<string, ParquetColumnType> {
  const elements = schemaElements(footer);
  const out = new Map<string, ParquetColumnType>();
  for (const at of topLevelIndexes(elements)) {
    const column = columnTypeOf(elements[at]!);
    out.set(column.name, column);
  }
  return out;
}

/**
 * How a column's Parquet type reads in a message: `FIXED_LEN_BYTE_ARRAY(2) FLOAT16`, `group LIST`, `group STRUCT` (no
 * annotation), `INT96`.
 */
export function describeParquetType(type: ParquetColumnType | undefined): string {
  if (!type) return 'unknown';
  const annotation = type.logical ?? type.converted ?? (type.physical === null ? 'STRUCT' : null);
  const base = type.physical ?? 'group';
  return `${type.repetition === 'REPEATED' ? 'repeated ' : ''}${base}${annotation ? ` ${annotation}` : ''}`;
}

function columnTypeOf(element: readonly ThriftField[]): ParquetColumnType {
  const nameField = element.find((f) => f.id === 4 && f.type === thriftType.binary);
  const physicalId = intOf(element, 1, -1);
  const typeLength = intOf(element, 2, -1);
  let physical: string | null = element.some((f) => f.id === 5)
    ? null
    : (physicalNames[physicalId] ?? `physical type ${physicalId}`);
  if (physical === 'FIXED_LEN_BYTE_ARRAY') physical = `FIXED_LEN_BYTE_ARRAY(${typeLength})`;
  const convertedId = intOf(element, 6, -1);
  const converted = convertedId < 0 ? null : (convertedNames[convertedId] ?? `converted type ${convertedId}`);
  return {
    name: nameField ? readBinary(nameField.value) : '',
    physical,
    logical: logicalOf(
      element,
      converted === 'DECIMAL' ? `DECIMAL(${intOf(element, 8, 0)},${intOf(element, 7, 0)})` : null,
    ),
    converted: converted === 'DECIMAL' ? `DECIMAL(${intOf(element, 8, 0)},${intOf(element, 7, 0)})` : converted,
    repetition: repetitions[intOf(element, 3, 0)] ?? 'REQUIRED',
  };
}

/** The logical annotation with its parameters; `fallback` when there is none. */
function logicalOf(element: readonly ThriftField[], fallback: string | null): string | null {
  const field = element.find((f) => f.id === 10 && f.type === thriftType.struct);
  if (!field) return fallback;
  const member = readStructFields(field.value)[0];
  if (!member) return fallback;
  const name = logicalNames[member.id] ?? `logical type ${member.id}`;
  const params = member.type === thriftType.struct ? readStructFields(member.value) : [];
  const bool = (id: number): boolean => params.find((p) => p.id === id)?.type === thriftType.true;
  const unit = (): string => {
    const u = params.find((p) => p.id === 2 && p.type === thriftType.struct);
    const which = u ? readStructFields(u.value)[0]?.id : undefined;
    return which === undefined ? '?' : (timeUnits[which] ?? '?');
  };
  switch (name) {
    case 'DECIMAL':
      return `DECIMAL(${intOf(params, 2, 0)},${intOf(params, 1, 0)})`;
    case 'TIME':
    case 'TIMESTAMP':
      return `${name}(${unit()}, isAdjustedToUTC=${bool(1)})`;
    case 'INT': {
      const width = params.find((p) => p.id === 1 && p.type === thriftType.byte)?.value[0] ?? 0;
      return `INT(${width}, ${bool(2) ? 'signed' : 'unsigned'})`;
    }
    default:
      return name;
  }
}

function intOf(element: readonly ThriftField[], id: number, otherwise: number): number {
  const f = element.find((x) => x.id === id && x.type === thriftType.i32);
  return f ? readInteger(f.value) : otherwise;
}
