import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { footerCounts, readFooter } from '../../../src/parquet/parquet-footer.js';
import {
  readInteger,
  readStructWithList,
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

/** A compact-protocol value for the property test: its type id and its bytes, encoded here from the spec. */
interface Encoded {
  readonly type: number;
  readonly bytes: number[];
}
const varint = (n: number): number[] => {
  const out: number[] = [];
  for (let v = n; ; v = Math.floor(v / 128)) {
    if (v < 128) return [...out, v];
    out.push((v % 128) | 0x80);
  }
};
/** A container element's bytes: a bool takes a byte there (1 true, 2 false), elsewhere its type says it. */
const element = (e: Encoded): number[] => (e.type === 1 || e.type === 2 ? [e.type] : e.bytes);
const structOf = (fields: readonly { id: number; value: Encoded }[]): Encoded => {
  const bytes: number[] = [];
  let last = 0;
  for (const { id, value } of fields) {
    const delta = id - last;
    bytes.push(...(delta > 0 && delta <= 15 ? [(delta << 4) | value.type] : [value.type, ...varint(id * 2)]));
    bytes.push(...value.bytes);
    last = id;
  }
  return { type: 12, bytes: [...bytes, 0] };
};
/** A value of one scalar type: bool (1 true, 2 false), byte, i16/i32/i64 varints, double, binary. */
const scalarOf = (type: number): fc.Arbitrary<Encoded> => {
  switch (type) {
    case 1:
    case 2:
      return fc.boolean().map((b) => ({ type: b ? 1 : 2, bytes: [] }));
    case 3:
      return fc.integer({ min: 0, max: 255 }).map((b) => ({ type, bytes: [b] }));
    case 7:
      return fc
        .array(fc.integer({ min: 0, max: 255 }), { minLength: 8, maxLength: 8 })
        .map((b) => ({ type, bytes: b }));
    case 8:
      return fc.uint8Array({ maxLength: 200 }).map((b) => ({ type, bytes: [...varint(b.length), ...b] }));
    default:
      return fc.integer({ min: 0, max: 2 ** 53 - 1 }).map((n) => ({ type, bytes: varint(n) }));
  }
};
const anyScalar = fc.constantFrom(1, 3, 4, 5, 6, 7, 8).chain(scalarOf);
const structOfDepth = (depth: number): fc.Arbitrary<Encoded> =>
  fc
    .uniqueArray(fc.record({ id: fc.integer({ min: 1, max: 400 }), value: anyValueOf(depth - 1) }), {
      selector: (f) => f.id,
      maxLength: 6,
    })
    .map((fields) => structOf([...fields].sort((a, b) => a.id - b.id)));
/** Any value nested at most `depth` deep: scalars, lists and sets (short and long headers), maps, structs. */
function anyValueOf(depth: number): fc.Arbitrary<Encoded> {
  if (depth <= 1) return anyScalar;
  const list = fc.tuple(fc.constantFrom(1, 3, 5, 8, 12), fc.constantFrom(9, 10)).chain(([type, listType]) =>
    fc.array(type === 12 ? structOfDepth(depth - 1) : scalarOf(type), { maxLength: 16 }).map((items): Encoded => {
      const header = items.length < 15 ? [(items.length << 4) | type] : [0xf0 | type, ...varint(items.length)];
      return { type: listType, bytes: [...header, ...items.flatMap(element)] };
    }),
  );
  const map = fc.array(fc.tuple(scalarOf(8), scalarOf(5)), { maxLength: 5 }).map(
    (pairs): Encoded => ({
      type: 11,
      bytes:
        pairs.length === 0
          ? [0]
          : [...varint(pairs.length), 0x85, ...pairs.flatMap(([k, v]) => [...k.bytes, ...v.bytes])],
    }),
  );
  return fc.oneof(anyScalar, list, map, structOfDepth(depth));
}

describe('thrift compact protocol', () => {
  it('walks any struct, nested lists, sets, maps and structs included, and cuts each field at its exact bytes', () => {
    const field = fc.record({ id: fc.integer({ min: 1, max: 400 }), value: anyValueOf(4) });
    fc.assert(
      fc.property(fc.uniqueArray(field, { selector: (f) => f.id, maxLength: 10 }), (unsorted) => {
        const fields = [...unsorted].sort((a, b) => a.id - b.id);
        const read = readStructFields(Uint8Array.from(structOf(fields).bytes));
        assert.deepEqual(
          read.map((f) => [f.id, f.type, [...f.value]]),
          fields.map((f) => [f.id, f.value.type, f.value.bytes]),
        );
        for (const f of read.filter((r) => r.type === 9))
          assert.ok(readListSize(f.value) >= 0 && readListSize(f.value) <= 16);
      }),
      { numRuns: 300 },
    );
  });

  it('reads a list<struct> field element by element in the same pass (readStructWithList)', () => {
    const field = fc.record({ id: fc.integer({ min: 1, max: 400 }), value: anyValueOf(3) });
    const listField = fc.record({
      id: fc.integer({ min: 1, max: 400 }),
      elements: fc.array(structOfDepth(3), { maxLength: 20 }),
    });
    fc.assert(
      fc.property(fc.uniqueArray(field, { selector: (f) => f.id, maxLength: 6 }), listField, (others, list) => {
        const elements = list.elements;
        const header = elements.length < 15 ? [(elements.length << 4) | 12] : [0xfc, ...varint(elements.length)];
        const value: Encoded = { type: 9, bytes: [...header, ...elements.flatMap((e) => e.bytes)] };
        const fields = [...others.filter((f) => f.id !== list.id), { id: list.id, value }].sort((a, b) => a.id - b.id);
        const bytes = Uint8Array.from(structOf(fields).bytes);
        const read = readStructWithList(bytes, list.id);
        assert.deepEqual(read.fields, readStructFields(bytes), 'the same top-level fields as readStructFields');
        assert.deepEqual(
          read.elements!.map((e) => [...e.bytes]),
          elements.map((e) => e.bytes),
          'each element cut at its exact bytes',
        );
        for (const e of read.elements!) assert.deepEqual(e.fields, readStructFields(e.bytes));
        const absent = fields.every((f) => f.id !== 401) ? 401 : 402;
        assert.equal(readStructWithList(bytes, absent).elements, undefined);
      }),
      { numRuns: 200 },
    );
    const notStructs = Uint8Array.from([0x19, 0x25, 0x02, 0x04, 0x00]); // field 1: list<i32> [1, 2]
    assert.throws(() => readStructWithList(notStructs, 1), /thrift list field 1 holds type 5, expected structs/);
  });

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

  it('reads lengths up to 2^31 - 1 and refuses longer ones', () => {
    // a list header in long form: 0xf5 (size follows, i32 elements), then the size as a varint
    assert.equal(readListSize(bytes(0xf5, 0xff, 0xff, 0xff, 0xff, 0x07)), 2 ** 31 - 1);
    assert.equal(readListSize(bytes(0xf5, 0x80, 0x80, 0x80, 0x80, 0x01)), 2 ** 28);
    for (const tooLong of [
      bytes(0xf5, 0x80, 0x80, 0x80, 0x80, 0x08), // 2^31
      bytes(0xf5, 0xff, 0xff, 0xff, 0xff, 0x0f), // 2^32 - 1
      bytes(0xf5, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01), // six bytes
    ])
      assert.throws(() => readListSize(tooLong), /thrift length at byte \d+ is out of range/);
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
