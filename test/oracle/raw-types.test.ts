import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import {
  BinaryView,
  Field,
  Float64,
  Int64,
  LargeBinary,
  LargeUtf8,
  Schema,
  TimestampSecond,
  Utf8,
  Utf8View,
} from 'apache-arrow';
import { arrowSchemaValue, withArrowSchema } from '../../src/parquet/arrow-schema-hint.js';
import { readFooter } from '../../src/parquet/parquet-footer.js';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import type { JobConfig } from '../../src/config/job-config.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { openOracle, sqlString, type Oracle } from '../helpers/duckdb.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { hourBaseJob } from '../helpers/hour-base-job.js';
import {
  converted as C,
  decimalBytes,
  logical as L,
  physical as P,
  plain,
  writeTypedParquet,
  type TypedColumn,
} from '../helpers/write-typed-parquet.js';

// Every Parquet type a producer may write for the timestamp, value and dimension columns is either read exactly
// (the committed records equal DuckDB's reading of the same raw file) or refused by name: file, column, Parquet type.

const date = '2026-11-24';
const dayStart = BigInt(Date.UTC(2026, 10, 24));
const rawKey = `raw/dt=${date}/hr=05/part-0.parquet`;
const rows = 240;

/** A raw file of `rows` rows: timestamps spread over the day, two metrics, a tenant, plus the given columns. */
function rawFile(
  columns: Partial<Record<'timestamp' | 'value' | 'metric', TypedColumn>> & { readonly extra?: readonly TypedColumn[] },
): Uint8Array {
  const i = Array.from({ length: rows }, (_, k) => k);
  return writeTypedParquet([
    columns.timestamp ?? {
      name: 'timestamp',
      physical: P.INT64,
      logical: L.timestamp('ms', true),
      converted: C.TIMESTAMP_MILLIS,
      rows: i.map((k) => plain.int64(dayStart + BigInt(k) * 359_000n)),
    },
    columns.metric ?? {
      name: 'metric',
      physical: P.BYTE_ARRAY,
      logical: L.string,
      converted: C.UTF8,
      rows: i.map((k) => plain.byteArray(k % 2 === 0 ? 'received_bytes' : 'cpu_usage')),
    },
    columns.value ?? { name: 'value', physical: P.DOUBLE, rows: i.map((k) => plain.double(k * 1.25)) },
    {
      name: 'tenant',
      physical: P.BYTE_ARRAY,
      logical: L.string,
      converted: C.UTF8,
      rows: i.map((k) => (k % 7 === 0 ? null : plain.byteArray(`tenant-${k % 3}`))),
    },
    ...(columns.extra ?? []),
  ]);
}

/** A value column of `rows` rows (every 11th null) from one PLAIN-encoded value per row. */
function valueColumn(type: Omit<TypedColumn, 'name' | 'rows'>, encode: (k: number) => Uint8Array): TypedColumn {
  return { name: 'value', ...type, rows: Array.from({ length: rows }, (_, k) => (k % 11 === 5 ? null : encode(k))) };
}

/** A dimension column `partition` from one value per row (null: a null row). */
function partitionColumn(
  type: Omit<TypedColumn, 'name' | 'rows'>,
  encode: (k: number) => Uint8Array | null,
): TypedColumn {
  return { name: 'partition', ...type, rows: Array.from({ length: rows }, (_, k) => encode(k)) };
}

const half = (bits: number): Uint8Array => Uint8Array.of(bits & 0xff, bits >> 8);
// half floats: 1.5, -2, 65504 (the largest), 2^-24 (the smallest subnormal), 0.333251953125, -0
const halves = [0x3e00, 0xc000, 0x7bff, 0x0001, 0x3555, 0x8000];

describe('raw column types: read exactly as DuckDB reads them, or refused by name', { timeout: 300_000 }, () => {
  let db: Oracle;
  let config: JobConfig;
  before(async () => {
    db = await openOracle(1);
    await db.run(`SET TimeZone = 'UTC'`);
    config = hourBaseJob(await loadJobConfig());
  });
  after(() => db.close());

  /** Rolls up a day holding only `bytes` as its raw file; returns the store directory and the committed part files. */
  async function rollUp(
    bytes: Uint8Array,
  ): Promise<{ dir: string; raw: string; parts: string[]; remove: () => Promise<void> }> {
    const dir = await makeTempDir('raw-types');
    await mkdir(`${dir.path}/raw/dt=${date}/hr=05`, { recursive: true });
    await writeFile(`${dir.path}/${rawKey}`, bytes);
    try {
      const result = await runRollup({
        store: new LocalStore(dir.path),
        config,
        configHash: hashJobConfig(config),
        date,
        workers: 0,
      });
      const manifest = JSON.parse(await readFile(`${dir.path}/${result.manifestKey}`, 'utf8')) as {
        outputs: { key: string }[];
      };
      return {
        dir: dir.path,
        raw: `${dir.path}/${rawKey}`,
        parts: manifest.outputs.map((o) => `${dir.path}/${o.key}`),
        remove: dir.remove,
      };
    } catch (e) {
      await dir.remove();
      throw e;
    }
  }

  /** Our records and DuckDB's GROUP BY of the raw file, per (hour, metric, tenant, partition): count, sum, min, max. */
  async function compareWithDuckDb(bytes: Uint8Array, ts = 'timestamp::TIMESTAMP'): Promise<void> {
    const run = await rollUp(bytes);
    try {
      const partition =
        (
          await db.rows(
            `SELECT count(*) AS n FROM (DESCRIBE SELECT * FROM read_parquet(${sqlString(run.raw)})) WHERE column_name = 'partition'`,
          )
        )[0]!.n === 1n
          ? 'partition::VARCHAR'
          : 'NULL::VARCHAR';
      const expected =
        await db.rows(`SELECT epoch_ms(date_trunc('hour', ${ts}))::BIGINT AS hour, metric, tenant, ${partition} AS partition, count(*)::BIGINT AS count,
          sum(value::DOUBLE) AS sum, min(value::DOUBLE) AS min, max(value::DOUBLE) AS max
        FROM read_parquet(${sqlString(run.raw)}) WHERE value IS NOT NULL GROUP BY ALL ORDER BY ALL`);
      const actual =
        await db.rows(`SELECT epoch_ms(hour::TIMESTAMP)::BIGINT AS hour, metric, tenant, partition, count::BIGINT AS count, sum, min, max
        FROM read_parquet([${run.parts.map(sqlString).join(', ')}]) ORDER BY ALL`);
      assert.ok(expected.length > 20, `expected many groups, got ${expected.length}`);
      assert.equal(actual.length, expected.length);
      expected.forEach((e, g) => {
        const a = actual[g]!;
        assert.deepEqual({ ...a, sum: 0 }, { ...e, sum: 0 }, `group ${g}`);
        assert.ok(
          Math.abs(Number(a.sum) - Number(e.sum)) <= 1e-12 * Math.abs(Number(e.sum)),
          `group ${g} sum ${a.sum} vs ${e.sum}`,
        );
      });
    } finally {
      await run.remove();
    }
  }

  /** Asserts the rollup halts with a message naming the raw file, the column and each of `names`. */
  async function assertRefused(bytes: Uint8Array, column: string, names: readonly (string | RegExp)[]): Promise<void> {
    await assert.rejects(rollUp(bytes), (e: Error) => {
      for (const n of [rawKey, `'${column}'`, ...names]) {
        if (typeof n === 'string') assert.ok(e.message.includes(n), `message lacks ${n}: ${e.message}`);
        else assert.match(e.message, n);
      }
      return true;
    });
  }

  describe('value column types read exactly', () => {
    const cases: Record<string, TypedColumn> = {
      'FLOAT16 (FIXED_LEN_BYTE_ARRAY(2) Float16: half floats, subnormal, -0, largest)': valueColumn(
        { physical: P.FIXED_LEN_BYTE_ARRAY, typeLength: 2, logical: L.float16 },
        (k) => half(halves[k % halves.length]!),
      ),
      FLOAT: valueColumn({ physical: P.FLOAT }, (k) => plain.float(k * 0.1 - 7)),
      'INT32 INT(8, signed)': valueColumn({ physical: P.INT32, logical: L.integer(8, true), converted: C.INT_8 }, (k) =>
        plain.int32((k % 256) - 128),
      ),
      'INT32 INT(16, unsigned)': valueColumn(
        { physical: P.INT32, logical: L.integer(16, false), converted: C.UINT_16 },
        (k) => plain.int32(65535 - k),
      ),
      'INT32 INT(32, unsigned) above 2^31': valueColumn(
        { physical: P.INT32, logical: L.integer(32, false), converted: C.UINT_32 },
        (k) => plain.int32((4_000_000_000 + k) | 0),
      ),
      'INT64 INT(64, unsigned) above 2^63': valueColumn(
        { physical: P.INT64, logical: L.integer(64, false), converted: C.UINT_64 },
        (k) => plain.int64(18_000_000_000_000_000_000n + BigInt(k) * 4097n),
      ),
      'INT64 plain, beyond 2^53': valueColumn({ physical: P.INT64 }, (k) => plain.int64(2n ** 60n + BigInt(k) - 100n)),
      'DECIMAL(9,2) on INT32': valueColumn(
        { physical: P.INT32, logical: L.decimal(9, 2), converted: C.DECIMAL, precision: 9, scale: 2 },
        (k) => plain.int32(k * 1013 - 50_000),
      ),
      'DECIMAL(18,6) on INT64': valueColumn(
        { physical: P.INT64, logical: L.decimal(18, 6), converted: C.DECIMAL, precision: 18, scale: 6 },
        (k) => plain.int64(BigInt(k) * 123_456_789n - 7n),
      ),
      'DECIMAL(30,4) on FIXED_LEN_BYTE_ARRAY(13)': valueColumn(
        {
          physical: P.FIXED_LEN_BYTE_ARRAY,
          typeLength: 13,
          logical: L.decimal(30, 4),
          converted: C.DECIMAL,
          precision: 30,
          scale: 4,
        },
        (k) => decimalBytes(BigInt(k) * 31_415_926_535n - 10n ** 12n, 13),
      ),
      'DECIMAL(20,3) on BYTE_ARRAY': valueColumn(
        { physical: P.BYTE_ARRAY, logical: L.decimal(20, 3), converted: C.DECIMAL, precision: 20, scale: 3 },
        (k) => plain.byteArray(decimalBytes(BigInt(k * k) - 999n, 1 + (k % 6))),
      ),
    };
    for (const [name, value] of Object.entries(cases)) {
      it(`${name} equals DuckDB`, async () => compareWithDuckDb(rawFile({ value })));
    }

    it('a DECIMAL value that no double holds exactly halts naming the value, the column, file and row group', async () => {
      const value = valueColumn(
        {
          physical: P.FIXED_LEN_BYTE_ARRAY,
          typeLength: 16,
          logical: L.decimal(38, 2),
          converted: C.DECIMAL,
          precision: 38,
          scale: 2,
        },
        (k) => decimalBytes(k === 9 ? 123_456_789_012_345_678_901n : BigInt(k), 16),
      );
      await assertRefused(rawFile({ value }), 'value', ['DECIMAL value 1234567890123456789.01', 'row group 0']);
    });
  });

  describe('timestamp column types read exactly', () => {
    // epoch nanoseconds
    const at = (k: number): bigint => (dayStart + BigInt(k) * 359_000n) * 1_000_000n + BigInt(k * 777);
    const cases: Record<string, { column: TypedColumn; duck?: string }> = {
      'INT96 (Impala, Spark, Hive)': {
        column: {
          name: 'timestamp',
          physical: P.INT96,
          rows: Array.from({ length: rows }, (_, k) => plain.int96(at(k))),
        },
      },
      'TIMESTAMP(NANOS, isAdjustedToUTC=false) read as UTC': {
        column: {
          name: 'timestamp',
          physical: P.INT64,
          logical: L.timestamp('ns', false),
          rows: Array.from({ length: rows }, (_, k) => plain.int64(at(k))),
        },
      },
      'TIMESTAMP(MICROS, isAdjustedToUTC=true)': {
        column: {
          name: 'timestamp',
          physical: P.INT64,
          logical: L.timestamp('us', true),
          converted: C.TIMESTAMP_MICROS,
          rows: Array.from({ length: rows }, (_, k) => plain.int64(at(k) / 1000n)),
        },
      },
      'TIMESTAMP_MILLIS (converted type only, a legacy writer)': {
        column: {
          name: 'timestamp',
          physical: P.INT64,
          converted: C.TIMESTAMP_MILLIS,
          rows: Array.from({ length: rows }, (_, k) => plain.int64(at(k) / 1_000_000n)),
        },
      },
      'INT64 without annotation (epoch milliseconds)': {
        column: {
          name: 'timestamp',
          physical: P.INT64,
          rows: Array.from({ length: rows }, (_, k) => plain.int64(at(k) / 1_000_000n)),
        },
        duck: 'make_timestamp(timestamp * 1000)',
      },
      "INT64 with INT(64, signed) (DuckDB's BIGINT; epoch milliseconds)": {
        column: {
          name: 'timestamp',
          physical: P.INT64,
          logical: L.integer(64, true),
          converted: C.INT_64,
          rows: Array.from({ length: rows }, (_, k) => plain.int64(at(k) / 1_000_000n)),
        },
        duck: 'make_timestamp(timestamp * 1000)',
      },
    };
    for (const [name, { column, duck }] of Object.entries(cases)) {
      it(`${name} equals DuckDB`, async () => compareWithDuckDb(rawFile({ timestamp: column }), duck));
    }

    it('INT96 instants 2^64 ns away (years 1442 and 2611) are outside the day, as DuckDB reads them, not wrapped in', async () => {
      const wrap = 1n << 64n; // int64 nanoseconds wrap every 2^64 ns, 584.5 years
      const column: TypedColumn = {
        name: 'timestamp',
        physical: P.INT96,
        rows: Array.from({ length: rows }, (_, k) => plain.int96(at(k) + [0n, wrap, -wrap][k % 3]!)),
      };
      const run = await rollUp(rawFile({ timestamp: column }));
      try {
        const [duck] = await db.rows(`SELECT
            count(*) FILTER (WHERE timestamp::TIMESTAMP >= DATE '${date}' AND timestamp::TIMESTAMP < DATE '${date}' + 1
              AND value IS NOT NULL)::INTEGER AS accepted,
            count(*) FILTER (WHERE year(timestamp::TIMESTAMP) IN (1442, 2611))::INTEGER AS outside
          FROM read_parquet(${sqlString(run.raw)})`);
        const manifest = JSON.parse(await readFile(`${run.dir}/rollup/hour/dt=${date}/_manifest.json`, 'utf8')) as {
          rows: { accepted: number; rejected: Record<string, number> };
        };
        assert.equal(duck!.outside, Math.floor((2 * rows) / 3));
        assert.equal(manifest.rows.rejected.timestamp_outside_day, duck!.outside);
        assert.equal(manifest.rows.accepted, duck!.accepted);
      } finally {
        await run.remove();
      }
    });
  });

  describe("dimension column types read exactly (the committed text equals DuckDB's text of the value)", () => {
    const cases: Record<string, TypedColumn> = {
      'INT64 INT(64, unsigned) above 2^53 and 2^63 stays exact': partitionColumn(
        { physical: P.INT64, logical: L.integer(64, false), converted: C.UINT_64 },
        (k) => plain.int64([2n ** 53n, 2n ** 53n + 1n, 2n ** 64n - 1n, 2n ** 63n + 1n, 7n][k % 5]!),
      ),
      'INT64 signed beyond 2^53': partitionColumn({ physical: P.INT64 }, (k) =>
        plain.int64([-(2n ** 63n), 2n ** 62n + 1n, 2n ** 62n][k % 3]!),
      ),
      'INT32 INT(32, unsigned) above 2^31': partitionColumn(
        { physical: P.INT32, logical: L.integer(32, false), converted: C.UINT_32 },
        (k) => plain.int32([-1, -2, 5][k % 3]!),
      ),
      'INT32 INT(8, signed)': partitionColumn(
        { physical: P.INT32, logical: L.integer(8, true), converted: C.INT_8 },
        (k) => (k % 4 === 0 ? null : plain.int32((k % 9) - 4)),
      ),
      'DECIMAL(9,2) as its exact text': partitionColumn(
        { physical: P.INT32, logical: L.decimal(9, 2), converted: C.DECIMAL, precision: 9, scale: 2 },
        (k) => plain.int32([1230, -5, 0, 99][k % 4]!),
      ),
      'DECIMAL(25,3) on FIXED_LEN_BYTE_ARRAY as its exact text': partitionColumn(
        {
          physical: P.FIXED_LEN_BYTE_ARRAY,
          typeLength: 11,
          logical: L.decimal(25, 3),
          converted: C.DECIMAL,
          precision: 25,
          scale: 3,
        },
        (k) => decimalBytes([10n ** 24n - 1n, 10n ** 24n - 2n, -7n][k % 3]!, 11),
      ),
      BOOLEAN: partitionColumn({ physical: P.BOOLEAN }, (k) => (k % 5 === 0 ? null : plain.boolean(k % 3 === 0))),
      'UUID as its canonical text': partitionColumn(
        { physical: P.FIXED_LEN_BYTE_ARRAY, typeLength: 16, logical: L.uuid },
        (k) => new Uint8Array(16).map((_, b) => (b * 17 + (k % 3) * 101) & 0xff),
      ),
      ENUM: partitionColumn({ physical: P.BYTE_ARRAY, logical: L.enum, converted: C.ENUM }, (k) =>
        plain.byteArray(['a', 'b', 'ç'][k % 3]!),
      ),
      JSON: partitionColumn({ physical: P.BYTE_ARRAY, logical: L.json, converted: C.JSON }, (k) =>
        plain.byteArray(`{"p":${k % 4}}`),
      ),
    };
    for (const [name, partition] of Object.entries(cases)) {
      it(`${name} equals DuckDB`, async () => compareWithDuckDb(rawFile({ extra: [partition] })));
    }
  });

  /**
   * Writes the rows of DuckDB's `select` (over `range(0, rows) t(i)`) to Parquet, sets the footer's ARROW:schema to
   * `producer` (as an Arrow writer leaves it), and compares the rollup with DuckDB reading the timestamp as `ts`.
   */
  async function compareWithProducerSchema(select: string, producer: Schema, ts: string): Promise<void> {
    const dir = await makeTempDir('producer-schema');
    try {
      const file = `${dir.path}/p.parquet`;
      await db.run(`COPY (${select} FROM range(0, ${rows}) t(i)) TO ${sqlString(file)} (FORMAT parquet)`);
      const bytes = new Uint8Array(await readFile(file));
      await compareWithDuckDb(Buffer.concat(withArrowSchema(bytes, readFooter(bytes), arrowSchemaValue(producer))), ts);
    } finally {
      await dir.remove();
    }
  }

  it("Arrow large and view string and binary types (a producer's ARROW:schema) equal DuckDB", async () =>
    compareWithProducerSchema(
      `SELECT epoch_ms(TIMESTAMP '${date}') + i * 359000 AS timestamp, CASE WHEN i % 2 = 0 THEN 'received_bytes' ELSE 'cpu_usage' END AS metric,
          i * 0.5 AS value, CASE WHEN i % 7 = 0 THEN NULL ELSE 'tenant-' || (i % 3) END AS tenant, ('p' || (i % 4))::BLOB AS partition,
          ('r' || (i % 2))::BLOB AS region`,
      new Schema([
        new Field('timestamp', new Int64()),
        new Field('metric', new LargeUtf8()),
        new Field('value', new Float64()),
        new Field('tenant', new Utf8View()),
        new Field('partition', new LargeBinary()),
        new Field('region', new BinaryView()),
      ]),
      'make_timestamp(timestamp * 1000)',
    ));

  it("an INT64 column a producer's Arrow schema declares Timestamp(second) is read as epoch seconds", async () =>
    compareWithProducerSchema(
      `SELECT epoch(TIMESTAMP '${date}')::BIGINT + i * 359 AS timestamp, CASE WHEN i % 2 = 0 THEN 'received_bytes' ELSE 'cpu_usage' END AS metric,
          i * 0.5 AS value, 'tenant-' || (i % 3) AS tenant`,
      new Schema([
        new Field('timestamp', new TimestampSecond()), // arrow-rs stores it as INT64 without annotation
        new Field('metric', new Utf8()),
        new Field('value', new Float64()),
        new Field('tenant', new Utf8()),
      ]),
      'make_timestamp(timestamp * 1000000)',
    ));

  it('a column of the NULL (UNKNOWN) logical type: every value row counted as null_value, a dimension read as null', async () => {
    const nulls = (name: string): TypedColumn => ({
      name,
      physical: P.INT32,
      logical: { id: 11 },
      rows: Array.from({ length: rows }, () => null),
    });
    const dir = await makeTempDir('null-type');
    try {
      await mkdir(`${dir.path}/raw/dt=${date}/hr=05`, { recursive: true });
      await writeFile(`${dir.path}/${rawKey}`, rawFile({ value: nulls('value') }));
      const result = await runRollup({
        store: new LocalStore(dir.path),
        config,
        configHash: hashJobConfig(config),
        date,
        workers: 0,
      });
      assert.equal(result.rejected.null_value, rows);
      assert.equal(result.rowsAccepted, 0);
    } finally {
      await dir.remove();
    }
    await compareWithDuckDb(rawFile({ extra: [nulls('partition')] }));
  });

  describe('distinct bytes stay distinct: values that are not UTF-8 (or start with hex:) are written as hex: and their bytes', () => {
    // bytes per row; expected committed text per distinct value (constants, not computed by the code under test)
    const values: readonly [Uint8Array, string][] = [
      [Uint8Array.of(0xff, 0x41), 'hex:ff41'],
      [Uint8Array.of(0xfe, 0x41), 'hex:fe41'],
      [Uint8Array.of(0xc3, 0x28), 'hex:c328'], // a broken two-byte sequence
      [Uint8Array.of(0xef, 0xbf, 0xbd), '\ufffd'], // the replacement character itself is valid UTF-8
      [new TextEncoder().encode('hex:ff41'), 'hex:6865783a66663431'], // text that looks like the marker is escaped
      [Uint8Array.of(0xef, 0xbb, 0xbf, 0x61), '\ufeffa'], // a leading byte order mark is kept
      [Uint8Array.of(0x61), 'a'],
    ];
    const types: Record<string, Omit<TypedColumn, 'name' | 'rows'>> = {
      'BYTE_ARRAY without annotation (BLOB)': { physical: P.BYTE_ARRAY },
      'BYTE_ARRAY STRING holding invalid UTF-8': { physical: P.BYTE_ARRAY, logical: L.string, converted: C.UTF8 },
      'BYTE_ARRAY BSON': { physical: P.BYTE_ARRAY, logical: L.bson, converted: C.BSON },
    };
    for (const [name, type] of Object.entries(types)) {
      it(`${name}: one series per distinct byte string`, async () => {
        const run = await rollUp(
          rawFile({ extra: [partitionColumn(type, (k) => plain.byteArray(values[k % values.length]![0]))] }),
        );
        try {
          // compared as UTF-8 bytes in hex: DuckDB's JS strings drop a leading byte order mark
          const got = await db.rows(
            `SELECT lower(hex(encode(partition))) AS text, sum(count)::BIGINT AS n FROM read_parquet([${run.parts.map(sqlString).join(', ')}]) GROUP BY ALL ORDER BY text`,
          );
          const expected = values
            .map(([, text], v) => ({
              text: Buffer.from(text, 'utf8').toString('hex'),
              n: BigInt(Array.from({ length: rows }, (_, k) => k).filter((k) => k % values.length === v).length),
            }))
            .sort((a, b) => (a.text < b.text ? -1 : 1));
          assert.deepEqual(got, expected);
          if (name.startsWith('BYTE_ARRAY without')) {
            // DuckDB reads a BLOB: the same number of distinct values, and our hex digits are its bytes
            const [duck] = await db.rows(
              `SELECT count(DISTINCT partition)::BIGINT AS n, list(DISTINCT lower(hex(partition))) AS hex FROM read_parquet(${sqlString(run.raw)})`,
            );
            assert.equal(duck!.n, BigInt(values.length));
            assert.ok((duck!.hex as string[]).includes('ff41') && (duck!.hex as string[]).includes('fe41'));
          }
        } finally {
          await run.remove();
        }
      });
    }
  });

  describe('types no role reads exactly are refused with the file, the column and the Parquet type', () => {
    const days = (k: number): Uint8Array => plain.int32(20_000 + k);
    const refusals: Record<
      string,
      { column: 'timestamp' | 'value' | 'metric' | 'partition'; typed: TypedColumn; names: readonly string[] }
    > = {
      'value BOOLEAN': {
        column: 'value',
        typed: valueColumn({ physical: P.BOOLEAN }, (k) => plain.boolean(k % 2 === 0)),
        names: ['BOOLEAN'],
      },
      'value DATE': {
        column: 'value',
        typed: valueColumn({ physical: P.INT32, logical: L.date, converted: C.DATE }, days),
        names: ['INT32 DATE'],
      },
      'value TIME': {
        column: 'value',
        typed: valueColumn({ physical: P.INT32, logical: L.time('ms', true) }, days),
        names: ['INT32 TIME(MILLIS, isAdjustedToUTC=true)'],
      },
      'value INTERVAL': {
        column: 'value',
        typed: valueColumn(
          { physical: P.FIXED_LEN_BYTE_ARRAY, typeLength: 12, converted: C.INTERVAL },
          () => new Uint8Array(12),
        ),
        names: ['FIXED_LEN_BYTE_ARRAY(12) INTERVAL'],
      },
      'value STRING': {
        column: 'value',
        typed: valueColumn({ physical: P.BYTE_ARRAY, logical: L.string, converted: C.UTF8 }, (k) =>
          plain.byteArray(String(k)),
        ),
        names: ['BYTE_ARRAY STRING'],
      },
      'value UUID': {
        column: 'value',
        typed: valueColumn(
          { physical: P.FIXED_LEN_BYTE_ARRAY, typeLength: 16, logical: L.uuid },
          () => new Uint8Array(16),
        ),
        names: ['FIXED_LEN_BYTE_ARRAY(16) UUID'],
      },
      'timestamp DATE': {
        column: 'timestamp',
        typed: {
          name: 'timestamp',
          physical: P.INT32,
          logical: L.date,
          converted: C.DATE,
          rows: Array.from({ length: rows }, (_, k) => days(k)),
        },
        names: ['INT32 DATE'],
      },
      'timestamp TIME(NANOS)': {
        column: 'timestamp',
        typed: {
          name: 'timestamp',
          physical: P.INT64,
          logical: L.time('ns', false),
          rows: Array.from({ length: rows }, (_, k) => plain.int64(BigInt(k))),
        },
        names: ['INT64 TIME(NANOS, isAdjustedToUTC=false)'],
      },
      'timestamp INT64 INT(64, unsigned)': {
        column: 'timestamp',
        typed: {
          name: 'timestamp',
          physical: P.INT64,
          logical: L.integer(64, false),
          converted: C.UINT_64,
          rows: Array.from({ length: rows }, (_, k) => plain.int64(dayStart + BigInt(k))),
        },
        names: ['INT64 INT(64, unsigned)'],
      },
      'timestamp DOUBLE': {
        column: 'timestamp',
        typed: {
          name: 'timestamp',
          physical: P.DOUBLE,
          rows: Array.from({ length: rows }, (_, k) => plain.double(Number(dayStart) + k)),
        },
        names: ['DOUBLE'],
      },
      'dimension FLOAT16': {
        column: 'partition',
        typed: partitionColumn({ physical: P.FIXED_LEN_BYTE_ARRAY, typeLength: 2, logical: L.float16 }, () =>
          half(0x3e00),
        ),
        names: ['FIXED_LEN_BYTE_ARRAY(2) FLOAT16'],
      },
      'dimension DOUBLE': {
        column: 'partition',
        typed: partitionColumn({ physical: P.DOUBLE }, (k) => plain.double(k / 3)),
        names: ['DOUBLE'],
      },
      'dimension TIMESTAMP': {
        column: 'partition',
        typed: partitionColumn({ physical: P.INT64, logical: L.timestamp('us', true) }, (k) => plain.int64(BigInt(k))),
        names: ['INT64 TIMESTAMP(MICROS, isAdjustedToUTC=true)'],
      },
      'dimension DATE': {
        column: 'partition',
        typed: partitionColumn({ physical: P.INT32, logical: L.date, converted: C.DATE }, days),
        names: ['INT32 DATE'],
      },
      'dimension INTERVAL': {
        column: 'partition',
        typed: partitionColumn(
          { physical: P.FIXED_LEN_BYTE_ARRAY, typeLength: 12, converted: C.INTERVAL },
          () => new Uint8Array(12),
        ),
        names: ['FIXED_LEN_BYTE_ARRAY(12) INTERVAL'],
      },
      'metric DOUBLE': {
        column: 'metric',
        typed: { name: 'metric', physical: P.DOUBLE, rows: Array.from({ length: rows }, (_, k) => plain.double(k)) },
        names: ['DOUBLE'],
      },
    };
    for (const [name, { column, typed, names }] of Object.entries(refusals)) {
      it(name, async () => {
        const bytes = column === 'partition' ? rawFile({ extra: [typed] }) : rawFile({ [column]: typed });
        await assertRefused(bytes, column, [...names, 'readable:']);
      });
    }

    const tenantTwice: TypedColumn = {
      name: 'tenant',
      physical: P.BYTE_ARRAY,
      logical: L.string,
      converted: C.UTF8,
      rows: Array.from({ length: rows }, () => plain.byteArray('other')),
    };
    const partitionTwice = (n: number): TypedColumn => partitionColumn({ physical: P.INT32 }, () => plain.int32(n));
    const stringValue: TypedColumn = {
      name: 'value',
      physical: P.BYTE_ARRAY,
      logical: L.string,
      converted: C.UTF8,
      rows: Array.from({ length: rows }, () => plain.byteArray('x')),
    };
    const twice: Record<string, { column: string; extra: readonly TypedColumn[] }> = {
      'a dimension written twice (two string columns tenant)': { column: 'tenant', extra: [tenantTwice] },
      'a dimension written twice with equal types (int32 partition)': {
        column: 'partition',
        extra: [partitionTwice(1), partitionTwice(2)],
      },
      'the value written twice, then as a string': { column: 'value', extra: [stringValue] },
    };
    for (const [name, { column, extra }] of Object.entries(twice))
      it(`${name}: refused naming the column and how often it appears, not its second type`, async () => {
        await assertRefused(rawFile({ extra }), column, ['appears 2 times', 'ambiguous']);
      });

    for (const [name, sql] of Object.entries({ LIST: '[i, i + 1]', STRUCT: "{'a': i}", MAP: "MAP {'k': i}" })) {
      for (const column of ['value', 'partition', 'timestamp']) {
        it(`${column} ${name} (nested, written by DuckDB)`, async () => {
          const dir = await makeTempDir('nested');
          try {
            const file = `${dir.path}/n.parquet`;
            const cols: Record<string, string> = {
              timestamp: `TIMESTAMP '${date} 01:00:00' + to_seconds(i)`,
              metric: `'cpu_usage'`,
              value: 'i::DOUBLE',
              partition: 'i::INTEGER',
            };
            cols[column] = sql;
            await db.run(
              `COPY (SELECT ${Object.entries(cols)
                .map(([k, v]) => `${v} AS ${k}`)
                .join(', ')} FROM range(0, 10) t(i)) TO ${sqlString(file)} (FORMAT parquet)`,
            );
            await assertRefused(new Uint8Array(await readFile(file)), column, [`group ${name}`, 'readable:']);
          } finally {
            await dir.remove();
          }
        });
      }
    }
  });
});
