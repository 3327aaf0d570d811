import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { footerCounts, readFooter } from '../../../src/parquet/parquet-footer.js';
import {
  readInteger,
  readListSize,
  readStructFields,
  ThriftDecodeError,
  writeStruct,
  type ThriftField,
} from '../../../src/parquet/thrift-compact.js';
import { openOracle, sqlString, type Oracle } from '../../helpers/duckdb.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const bytes = (...parts: (number | string)[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p)] : [p])));

/** A struct using every compact-protocol type, short and long field headers, written out by hand from the spec. */
const everyType = bytes(
  0x11, // field 1: bool true (no value bytes)
  0x13,
  0x7f, // 2: byte
  0x14,
  0x03, // 3: i16 (zigzag -2)
  0x15,
  0xac,
  0x02, // 4: i32 300 as varint
  0x16,
  0x80,
  0x80,
  0x80,
  0x80,
  0x80,
  0x80,
  0x80,
  0x80,
  0x80,
  0x01, // 5: i64 with a 10-byte varint
  0x17,
  0,
  0,
  0,
  0,
  0,
  0,
  0xf0,
  0x3f, // 6: double 1.0
  0x18,
  0x03,
  'abc', // 7: binary
  0x19,
  0x21,
  0x01,
  0x02, // 8: list<bool> of 2: a byte per element
  0x1a,
  0xf5,
  0x10,
  ...new Array<number>(16).fill(0x02), // 9: set<i32> of 16: long size form
  0x1b,
  0x01,
  0x8c,
  0x01,
  'k',
  0x15,
  0x02,
  0x00, // 10: map<binary, struct{1: i32}> of 1
  0x0c,
  0xd8,
  0x04,
  0x00, // 300: empty struct, long header (zigzag 300 = 600)
  0x12, // 301: bool false
  0x00,
);

describe('thrift compact protocol', () => {
  it('walks every type and keeps each field value byte-exact', () => {
    const fields = readStructFields(everyType);
    assert.deepEqual(
      fields.map((f) => [f.id, f.type, f.value.length]),
      [
        [1, 1, 0],
        [2, 3, 1],
        [3, 4, 1],
        [4, 5, 2],
        [5, 6, 10],
        [6, 7, 8],
        [7, 8, 4],
        [8, 9, 3],
        [9, 10, 18],
        [10, 11, 7],
        [300, 12, 1],
        [301, 2, 0],
      ],
    );
    assert.deepEqual([...fields[6]!.value], [0x03, 0x61, 0x62, 0x63]);
  });

  it('writes a struct back that reads as the same fields, whatever order they come in', () => {
    const fields = readStructFields(everyType);
    const again = readStructFields(writeStruct([...fields].reverse()));
    const plain = (fs: readonly ThriftField[]): unknown[] => fs.map((f) => [f.id, f.type, [...f.value]]);
    assert.deepEqual(plain(again), plain(fields));
    assert.deepEqual(writeStruct(fields), everyType);
  });

  it('reads i64 values (zigzag) and list sizes, short and long forms', () => {
    assert.equal(readInteger(bytes(0x00)), 0);
    assert.equal(readInteger(bytes(0x03)), -2);
    assert.equal(readInteger(bytes(0xd0, 0x0f)), 1000); // zigzag 2000
    assert.equal(readInteger(bytes(0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x07)), 2 ** 51 - 1);
    assert.throws(() => readInteger(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f)), ThriftDecodeError);
    const fields = readStructFields(everyType);
    assert.equal(readListSize(fields[7]!.value), 2);
    assert.equal(readListSize(fields[8]!.value), 16);
  });

  it('names the offset when the bytes end inside a value', () => {
    assert.throws(
      () => readStructFields(everyType.subarray(0, 40)),
      (e: unknown) => e instanceof ThriftDecodeError && /ends early at byte 40|runs past the end/.test(e.message),
    );
    assert.throws(
      () => readStructFields(bytes(0x1d, 0x00)),
      (e: unknown) => e instanceof ThriftDecodeError && /type 13 at byte 1 is unknown/.test(e.message),
    );
  });

  describe('on real footers', () => {
    let db: Oracle;
    before(async () => {
      db = await openOracle(1);
    });
    after(() => db.close());

    it('re-encodes the footer DuckDB wrote into a struct that reads back field for field', async () => {
      const dir = await makeTempDir('thrift');
      try {
        const file = `${dir.path}/f.parquet`;
        await db.run(
          `COPY (SELECT i, 'v' || (i % 7) AS s, i * 0.5 AS d FROM range(0, 5000) t(i)) TO ${sqlString(file)} (FORMAT parquet, ROW_GROUP_SIZE 1000)`,
        );
        const data = new Uint8Array(await readFile(file));
        const length = new DataView(data.buffer, data.byteOffset).getUint32(data.length - 8, true);
        const footer = data.subarray(data.length - 8 - length, data.length - 8);
        const fields = readStructFields(footer);
        assert.deepEqual(
          fields.map((f) => f.id).filter((id) => id <= 4),
          [1, 2, 3, 4],
        ); // version, schema, num_rows, row_groups
        const again = readStructFields(writeStruct(fields));
        assert.deepEqual(
          again.map((f) => [f.id, f.type, Buffer.from(f.value).toString('hex')]),
          fields.map((f) => [f.id, f.type, Buffer.from(f.value).toString('hex')]),
        );
        const [meta] = await db.rows(
          `SELECT count(DISTINCT row_group_id)::INTEGER AS groups, sum(row_group_num_rows) FILTER (WHERE column_id = 0)::INTEGER AS rows FROM parquet_metadata(${sqlString(file)})`,
        );
        assert.deepEqual(footerCounts(readFooter(data)), { rows: meta!['rows'], rowGroups: meta!['groups'] });
        assert.equal(meta!['rows'], 5000);
      } finally {
        await dir.remove();
      }
    });
  });
});
