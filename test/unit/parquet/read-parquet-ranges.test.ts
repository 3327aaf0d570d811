import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Binary,
  Field,
  Float64,
  Int32,
  Int64,
  makeData,
  makeVector,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampMillisecond,
  TimestampNanosecond,
  vectorFromArray,
  type Vector,
} from 'apache-arrow';
import { openRangedParquet, type ByteRangeSource } from '../../../src/parquet/read-parquet-ranges.js';
import { utf8ColumnFromIds } from '../../../src/parquet/utf8-column.js';
import { writeParquet } from '../../../src/parquet/write-parquet.js';

const n = 1000;
const groupRows = 100;
const dayStartMs = Date.UTC(2026, 4, 1);
const values = ['b-zone', 'a-zone', null, 'é-zone'];

/** Every physical and logical type a star-tree record file holds, with nulls, edge values and bigints past 2^53. */
function table(): Table {
  const hour = BigInt64Array.from({ length: n }, (_, i) => BigInt(dayStartMs + (i % 24) * 3_600_000));
  const ns = BigInt64Array.from({ length: n }, (_, i) => BigInt(dayStartMs) * 1_000_000n + BigInt(i) * 999_999_937n);
  const count = BigInt64Array.from({ length: n }, (_, i) => (i === 7 ? 2n ** 60n + 3n : BigInt(i * 3)));
  const doubles = Float64Array.from({ length: n }, (_, i) => (i === 5 ? -0 : i === 6 ? 1e308 : i / 7 - 50));
  return new Table({
    hour: makeVector({ type: new TimestampMillisecond('UTC'), data: hour, length: n }),
    zone: utf8ColumnFromIds(
      Int32Array.from({ length: n }, (_, i) => i % 4),
      values,
    ),
    grouping_id: makeVector({ type: new Int32(), data: Int32Array.from({ length: n }, (_, i) => i % 3), length: n }),
    count: makeVector({ type: new Int64(), data: count, length: n }),
    sum: makeVector({ type: new Float64(), data: doubles, length: n }),
    last_time: makeVector({ type: new TimestampNanosecond('UTC'), data: ns, length: n }),
    increase: vectorFromArray(
      Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : i * 0.25)),
      new Float64(),
    ),
    sketch: vectorFromArray(
      Array.from({ length: n }, (_, i) => (i % 3 === 0 ? null : Uint8Array.from([i & 0xff, i >> 8, 0, 255]))),
      new Binary(),
    ),
  });
}

/** A table whose columns are all non-nullable (written REQUIRED), as star-tree record files write measures. */
function requiredTable(columns: Record<string, Vector>): Table {
  const fields = Object.entries(columns).map(([name, v]) => new Field(name, v.type, false));
  const schema = new Schema(fields);
  const children = Object.values(columns).map((v) => v.data[0]!);
  const length = children[0]!.length;
  return new Table(
    schema,
    new RecordBatch(schema, makeData({ type: new Struct(fields), length, nullCount: 0, children })),
  );
}

/** A source over bytes in memory that records every range read. */
function memorySource(bytes: Uint8Array): ByteRangeSource & { reads: [number, number][] } {
  const reads: [number, number][] = [];
  return {
    byteLength: bytes.length,
    reads,
    read: async (start, end) => {
      reads.push([start, end]);
      return bytes.slice(start, end);
    },
  };
}

/** File offsets of the zstd frames (one per page) of column `sum` in row group 0 of `file`. */
async function sumZstdFrames(file: Uint8Array): Promise<number[]> {
  const { parquetMetadata } = await import('hyparquet');
  const sum = parquetMetadata(file.slice().buffer).row_groups[0]!.columns.find(
    (c) => c.meta_data?.path_in_schema[0] === 'sum',
  )!.meta_data!;
  const from = Number(sum.data_page_offset);
  const to = from + Number(sum.total_compressed_size);
  const frames: number[] = [];
  for (let i = from; i < to; i++) if (file[i] === 0x28 && file[i + 1] === 0xb5 && file[i + 2] === 0x2f) frames.push(i);
  return frames;
}

describe('openRangedParquet', () => {
  const t = table();
  const bytes = writeParquet(t, { rowGroupRows: groupRows, plainColumns: ['sum', 'increase', 'sketch'] });

  it('decodes every type exactly as written: bigints, timestamps as raw bigints, strings, nulls, bytes', async () => {
    const file = await openRangedParquet(memorySource(bytes), 'mem.parquet');
    assert.equal(file.rows, n);
    assert.deepEqual(
      file.rowGroupStarts,
      Array.from({ length: n / groupRows + 1 }, (_, g) => g * groupRows),
    );
    const names = ['hour', 'zone', 'grouping_id', 'count', 'sum', 'last_time', 'increase', 'sketch'];
    const decoded = await file.readRows(names, 0, n);
    for (const name of names) {
      const got = decoded.get(name)!;
      const want = t.getChild(name)!;
      for (let r = 0; r < n; r++) {
        const w = want.get(r) as unknown;
        const g = got[r];
        if (name === 'hour') assert.equal(g, BigInt(w as number), `${name}[${r}]`);
        else if (name === 'last_time') assert.equal(g, (want.data[0]!.values as BigInt64Array)[r], `${name}[${r}]`);
        else if (name === 'grouping_id') assert.equal(Number(g), w, `${name}[${r}]`);
        else if (name === 'sum') assert.ok(Object.is(g, w), `${name}[${r}]: ${String(g)} vs ${String(w)}`);
        else assert.deepEqual(g ?? null, w ?? null, `${name}[${r}]`);
      }
    }
    assert.equal((decoded.get('count')![7] as bigint) - 2n ** 60n, 3n);
    assert.equal(file.cost.rowGroupsRead, n / groupRows);
  });

  it('reads only the row groups overlapping the rows asked for, and only the columns asked for', async () => {
    const source = memorySource(bytes);
    const file = await openRangedParquet(source, 'mem.parquet', 4096); // the footer alone, not the whole file
    const footerBytes = file.cost.bytesRead;
    const count = await file.readRows(['count'], 250, 260); // inside row group 2
    assert.deepEqual([...count.keys()], ['count']);
    assert.deepEqual(
      Array.from(count.get('count')!, (v) => Number(v)),
      Array.from({ length: 10 }, (_, i) => (250 + i) * 3),
    );
    const chunkBytes = file.cost.bytesRead - footerBytes;
    assert.ok(chunkBytes > 0 && chunkBytes < bytes.length / 20, `read ${chunkBytes} of ${bytes.length} bytes`);
    assert.equal(file.cost.rowGroupsRead, 1);
    const zone = (await file.readRows(['zone'], 199, 301)).get('zone')!; // rows of groups 1, 2 and 3
    assert.equal(zone.length, 102);
    assert.deepEqual(Array.from(zone).slice(0, 4), [values[3], values[0], values[1], null]);
    assert.equal(file.cost.rowGroupsRead, 3); // distinct row groups: group 2 counted once
  });

  it('takes a REQUIRED integer column whose statistics say one value per row group from them, fetching nothing', async () => {
    // row groups of 100: hour is one value in groups 0-4 and another in 5-9; level is 7 throughout; code varies
    const hourMs = (i: number): bigint => BigInt(dayStartMs + (i < 500 ? 3 : 4) * 3_600_000);
    const hourNs = (i: number): bigint => hourMs(i) * 1_000_000n;
    const constant = requiredTable({
      hour: makeVector({
        type: new TimestampMillisecond('UTC'),
        data: BigInt64Array.from({ length: n }, (_, i) => hourMs(i)),
        length: n,
      }),
      hour_ns: makeVector({
        type: new TimestampNanosecond('UTC'),
        data: BigInt64Array.from({ length: n }, (_, i) => hourNs(i)),
        length: n,
      }),
      level: makeVector({ type: new Int32(), data: new Int32Array(n).fill(7), length: n }),
      big: makeVector({ type: new Int64(), data: new BigInt64Array(n).fill(2n ** 60n + 1n), length: n }),
      code: makeVector({
        type: new Int32(),
        data: Int32Array.from({ length: n }, (_, i) => (i === 150 ? 1 : 7)),
        length: n,
      }),
      half: makeVector({ type: new Float64(), data: new Float64Array(n).fill(0.5), length: n }),
    });
    const file = writeParquet(constant, { rowGroupRows: groupRows });
    const source = memorySource(file);
    const opened = await openRangedParquet(source, 'mem.parquet', 4096);
    const footerBytes = opened.cost.bytesRead;
    const names = ['hour', 'hour_ns', 'level', 'big'];
    const rows = await opened.readRows(names, 120, 380);
    assert.equal(opened.cost.bytesRead, footerBytes, 'no column chunk fetched');
    assert.deepEqual([...rows.keys()], names);
    assert.deepEqual(
      new Set(Array.from(rows.get('hour')!)),
      new Set([hourMs(120)]),
      'raw bigint milliseconds, as decoding gives',
    );
    assert.deepEqual(new Set(Array.from(rows.get('hour_ns')!)), new Set([hourNs(120)]));
    assert.deepEqual(new Set(Array.from(rows.get('level')!)), new Set([7]));
    assert.deepEqual(new Set(Array.from(rows.get('big')!)), new Set([2n ** 60n + 1n]));
    assert.equal(rows.get('hour')!.length, 260);
    // across row groups of different values, one that varies, and a double: decoded, as they were written
    const decoded = await opened.readRows(['hour', 'code', 'half', 'level'], 140, 560);
    assert.ok(opened.cost.bytesRead > footerBytes);
    assert.deepEqual(
      Array.from(decoded.get('hour')!),
      Array.from({ length: 420 }, (_, i) => hourMs(140 + i)),
    );
    assert.deepEqual(
      Array.from(decoded.get('code')!),
      Array.from({ length: 420 }, (_, i) => (140 + i === 150 ? 1 : 7)),
    );
    assert.deepEqual(new Set(Array.from(decoded.get('half')!)), new Set([0.5]));
    assert.deepEqual([...decoded.keys()], ['hour', 'code', 'half', 'level'], 'in the order asked for');
    // the same rows of a file written without statistics, decoded, are the same values
    const plain = await openRangedParquet(memorySource(file), 'mem.parquet');
    const whole = await plain.readRows(names, 0, n);
    for (const name of names)
      assert.deepEqual(Array.from(whole.get(name)!).slice(120, 380), Array.from(rows.get(name)!), name);
  });

  it('returns exactly the rows asked for across small pages and row groups, and decodes no other page', async () => {
    const paged = writeParquet(t, { rowGroupRows: groupRows, plainColumns: ['sum'], dataPageBytes: 64 });
    const file = await openRangedParquet(memorySource(paged), 'paged.parquet');
    const ranges: [number, number][] = [
      [0, 1],
      [5, 9],
      [37, 38],
      [95, 130],
      [199, 201],
      [420, 777],
      [999, 1000],
    ];
    for (const [a, b] of ranges) {
      const got = await file.readRows(['sum', 'zone', 'count'], a, b);
      for (let r = a; r < b; r++) {
        assert.ok(Object.is(got.get('sum')![r - a], t.getChild('sum')!.get(r)), `sum[${r}]`);
        assert.equal(got.get('zone')![r - a], values[r % 4], `zone[${r}]`);
        assert.equal(got.get('count')![r - a], r === 7 ? 2n ** 60n + 3n : BigInt(r * 3), `count[${r}]`);
      }
      assert.equal(got.get('sum')!.length, b - a);
    }
    // a page past the first of row group 0 damaged: rows of its other pages still read, its own rows refuse
    const frames = await sumZstdFrames(paged);
    assert.ok(frames.length >= 4, `sum's first row group in ${frames.length} zstd pages`);
    const damaged = paged.slice();
    damaged.fill(0, frames.at(-1)!, frames.at(-1)! + 4); // the last page of sum in row group 0
    const broken = await openRangedParquet(memorySource(damaged), 'damaged.parquet');
    const early = await broken.readRows(['sum'], 0, 2);
    assert.ok(Object.is(early.get('sum')![1], 1 / 7 - 50));
    await assert.rejects(broken.readRows(['sum'], 99, 100), /zstd page of \d+ bytes decoded to 0 bytes/);
  });

  it('refuses a damaged zstd page instead of decoding it short', async () => {
    const [magic] = await sumZstdFrames(bytes);
    assert.ok(magic !== undefined, 'the zstd frame of the first page of sum');
    const damaged = bytes.slice();
    damaged.fill(0, magic, magic + 4); // no zstd frame any more
    const file = await openRangedParquet(memorySource(damaged), 'damaged.parquet');
    await assert.rejects(file.readRows(['sum'], 0, 100), /zstd page of \d+ bytes decoded to 0 bytes, expected \d+/);
    const other = await file.readRows(['sum'], 100, 200); // row group 1 is intact
    assert.ok(Object.is(other.get('sum')![0], 100 / 7 - 50));
  });

  it('names the file and the rows when asked for rows it does not hold', async () => {
    const file = await openRangedParquet(memorySource(bytes), 'mem.parquet');
    await assert.rejects(
      file.readRows(['count'], 990, 1001),
      /parquet rows \[990, 1001\) are not within the 1000 rows of mem\.parquet/,
    );
    await assert.rejects(
      openRangedParquet(memorySource(bytes.slice(0, 500)), 'cut.parquet'),
      /parquet footer of cut\.parquet unreadable/,
    );
  });

  it("passes the source's own failures on as they are (storage trouble is not a damaged file)", async () => {
    const trouble = new Error('storage s3 getRange failed: HTTP 503 SlowDown');
    const failing = (after: number): ByteRangeSource => {
      let reads = 0;
      const source = memorySource(bytes);
      return { ...source, read: (start, end) => (reads++ < after ? source.read(start, end) : Promise.reject(trouble)) };
    };
    await assert.rejects(openRangedParquet(failing(0), 'mem.parquet'), (e) => e === trouble);
    const file = await openRangedParquet(failing(2), 'mem.parquet', 8); // its last 8 bytes, then the footer
    await assert.rejects(file.readRows(['sum'], 0, 100), (e) => e === trouble);
  });
});
