import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Binary,
  Float64,
  Int32,
  Int64,
  makeData,
  makeVector,
  Table,
  tableToIPC,
  Type,
  TimestampMillisecond,
  TimestampNanosecond,
  Utf8,
  type Vector,
} from 'apache-arrow';
import * as wasm from '../../../src/parquet/parquet-wasm.js';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { measureColumnsOf, writeParquet } from '../../../src/parquet/write-parquet.js';
import { dictionaryColumnFromIds, utf8ColumnFromIds } from '../../../src/parquet/utf8-column.js';
import fc from 'fast-check';

/** parquet-wasm's public path (tableToIPC, then Table.fromIPCStream) with writeParquet's documented properties. */
function publicPathBytes(table: Table, rowGroupRows: number, plainColumns: readonly string[]): Uint8Array {
  let builder = wasm
    .writerPropertiesBuilder()
    .setCompression(wasm.Compression.ZSTD)
    .setMaxRowGroupSize(rowGroupRows)
    .setStatisticsEnabled(wasm.EnabledStatistics.Page)
    .setCreatedBy('telemetry-rollup');
  for (const c of plainColumns) builder = builder.setColumnDictionaryEnabled(c, false);
  for (const c of plainColumns.filter((c) => table.schema.fields.find((f) => f.name === c)?.typeId === Type.Float))
    builder = builder.setColumnEncoding(c, wasm.Encoding.BYTE_STREAM_SPLIT);
  return wasm.writeParquet(wasm.tableFromIpcStream(tableToIPC(table, 'stream')), builder.build());
}

/** A column with a validity bitmap: row i is null where `valid(i)` is false. */
function nullable(type: Float64 | Utf8 | Binary, n: number, valid: (i: number) => boolean, rest: object): Vector {
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (valid(i)) bitmap[i >> 3]! |= 1 << (i & 7);
    else nulls++;
  }
  return makeVector(makeData({ type, length: n, nullCount: nulls, nullBitmap: bitmap, ...rest } as never));
}

/** Every column type the rollup writes, with nulls in the nullable ones; n rows. */
function sampleTable(n: number, seed: number): Table {
  const text = ['a', 'bb', 'ccc', 'é日本', ''];
  const offsets = new Int32Array(n + 1);
  const chars: number[] = [];
  const utf8 = new TextEncoder();
  for (let i = 0; i < n; i++) {
    chars.push(...utf8.encode(text[(i * 7 + seed) % text.length]!));
    offsets[i + 1] = chars.length;
  }
  const binOffsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) binOffsets[i + 1] = binOffsets[i]! + (i % 3 === 0 ? 0 : 4);
  return new Table({
    hour: makeVector({
      type: new TimestampMillisecond('UTC'),
      data: BigInt64Array.from({ length: n }, (_, i) => 1_779_580_800_000n + BigInt(i % 24) * 3_600_000n),
    }),
    tenant: nullable(new Utf8(), n, (i) => (i + seed) % 5 !== 0, {
      valueOffsets: offsets,
      data: Uint8Array.from(chars),
    }),
    grouping_id: makeVector({ type: new Int32(), data: Int32Array.from({ length: n }, (_, i) => i % 4) }),
    count: makeVector({ type: new Int64(), data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i * 60)) }),
    sum: makeVector({ type: new Float64(), data: Float64Array.from({ length: n }, (_, i) => i * 1.5 + seed) }),
    last_time: makeVector({
      type: new TimestampNanosecond('UTC'),
      data: BigInt64Array.from({ length: n }, (_, i) => 1_779_580_800_000_000_000n + BigInt(i) * 1_000_000_007n),
    }),
    increase: nullable(new Float64(), n, (i) => i % 4 === 1, {
      data: Float64Array.from({ length: n }, (_, i) => i / 7),
    }),
    sketch: nullable(new Binary(), n, (i) => i % 3 !== 0, {
      valueOffsets: binOffsets,
      data: Uint8Array.from({ length: binOffsets[n]! }, (_, i) => (i * 31 + seed) & 0xff),
    }),
  });
}

const plain = ['sum', 'increase', 'sketch'];

describe('writeParquet', () => {
  const cases: { name: string; table: () => Table; rowGroupRows: number }[] = [
    { name: 'every column type, nulls included', table: () => sampleTable(1000, 1), rowGroupRows: 131072 },
    { name: 'several row groups', table: () => sampleTable(5000, 2), rowGroupRows: 1024 },
    { name: 'a slice starting mid-byte of the validity bitmaps', table: () => sampleTable(3000, 3).slice(13, 2011) },
    {
      name: 'several record batches (cuboid tables are concatenated)',
      table: () => new Table([...sampleTable(700, 4).batches, ...sampleTable(300, 5).batches]),
    },
    { name: 'no rows', table: () => sampleTable(0, 6), rowGroupRows: 131072 },
  ].map((c) => ({ rowGroupRows: 131072, ...c }));
  for (const c of cases) {
    it(`writes the bytes of parquet-wasm's public IPC path: ${c.name}`, () => {
      const table = c.table();
      const ours = writeParquet(table, { rowGroupRows: c.rowGroupRows, plainColumns: plain });
      assert.ok(ours.length > 100);
      assert.deepEqual(ours, publicPathBytes(table, c.rowGroupRows, plain));
    });
  }
});

describe('measure columns', () => {
  it('are written without dictionaries, the floating-point ones byte-stream-split, and read back bit for bit', async () => {
    const table = sampleTable(3000, 8);
    const plainColumns = measureColumnsOf(table);
    assert.deepEqual(plainColumns, ['sum', 'increase', 'sketch']);
    const bytes = writeParquet(table, { rowGroupRows: 1024, plainColumns, compression: 'none' }); // hyparquet reads it
    const buffer = new Uint8Array(bytes).buffer; // a copy: an ArrayBuffer of its own
    const metadata = parquetMetadata(buffer);
    const encodings = new Map<string, string[]>();
    for (const chunk of metadata.row_groups.flatMap((g) => g.columns))
      encodings.set(chunk.meta_data!.path_in_schema.join('.'), [...new Set(chunk.meta_data!.encodings)].sort());
    assert.deepEqual(encodings.get('sum'), ['BYTE_STREAM_SPLIT', 'RLE']);
    assert.deepEqual(encodings.get('increase'), ['BYTE_STREAM_SPLIT', 'RLE']);
    assert.ok(encodings.get('tenant')!.includes('RLE_DICTIONARY'));
    assert.ok(!encodings.get('sketch')!.includes('RLE_DICTIONARY'));
    // read back by another reader (hyparquet), nulls included
    const rows = await parquetReadObjects({ file: buffer, columns: ['sum', 'increase'] });
    assert.equal(rows.length, 3000);
    rows.forEach((row, i) => {
      assert.ok(Object.is(row.sum, i * 1.5 + 8), `sum of row ${i}`);
      assert.ok(Object.is(row.increase, i % 4 === 1 ? i / 7 : null), `increase of row ${i}`);
    });
  });
});

describe('tableFromIpcWrittenInPlace', () => {
  it("throws parquet-wasm's own error on bytes that are no IPC stream, and the decoder keeps working", () => {
    assert.throws(
      () => wasm.tableFromIpcWrittenInPlace(16, (target) => target.fill(7)),
      (e: unknown) => String(e).length > 0,
    );
    const table = sampleTable(50, 7);
    assert.deepEqual(writeParquet(table, { plainColumns: plain }), publicPathBytes(table, 131072, plain));
  });
});

describe('Dictionary<Utf8> key columns', () => {
  /** A table of one key column (dictionary-coded or plain, from the same ids) and a double column. */
  const tableOf = (key: Vector, n: number): Table =>
    new Table({ key, v: makeVector({ type: new Float64(), data: Float64Array.from({ length: n }, (_, i) => i / 3) }) });

  it('write the bytes of the same Utf8 column: pages, statistics and the Arrow schema in the footer', () => {
    // values of 0 to ~3,000 bytes, a null value, unused values and STAR (-1) ids, in any order; slices and small pages
    const value = fc.oneof(
      fc.constant(null),
      fc.string({ unit: 'grapheme', maxLength: 6 }),
      fc.nat({ max: 3000 }).map((n) => 'x'.repeat(n)),
    );
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 400 }),
        fc.record({ rowGroupRows: fc.integer({ min: 1, max: 500 }), from: fc.nat({ max: 50 }) }),
        (values, picks, o) => {
          const ids = Int32Array.from(picks, (p) => (p % (values.length + 1)) - 1);
          const options = { rowGroupRows: o.rowGroupRows, dataPageBytes: 1024 };
          const [coded, plainTable] = [dictionaryColumnFromIds(ids, values), utf8ColumnFromIds(ids, values)].map((c) =>
            tableOf(c, ids.length).slice(Math.min(o.from, ids.length)),
          );
          assert.equal(String(coded!.schema.fields[0]!.type), 'Dictionary<Int32, Utf8>');
          assert.deepEqual(writeParquet(coded!, options), writeParquet(plainTable!, options));
        },
      ),
      { seed: 11, numRuns: 60 },
    );
  });
});

it('a dictionary-coded column past the 1 MiB dictionary page keeps its dictionary, and reads back the same values', async () => {
  // 1,000 values of 2,000 bytes: a Utf8 column falls back to plain pages past 1 MiB of dictionary, a coded one does not
  const values = Array.from({ length: 1000 }, (_, i) => String(i).padStart(2000, 'ab'));
  const ids = Int32Array.from({ length: 2000 }, (_, r) => (r * 7) % 1000);
  const [coded, plain] = [dictionaryColumnFromIds(ids, values), utf8ColumnFromIds(ids, values)].map((key) =>
    writeParquet(new Table({ key }), { compression: 'none' }),
  );
  assert.ok(coded!.length < plain!.length, `${coded!.length} < ${plain!.length}`);
  for (const bytes of [coded!, plain!]) {
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const rows = await parquetReadObjects({ file });
    assert.deepEqual(
      rows.map((r) => r.key),
      [...ids].map((id) => values[id]),
    );
  }
});
