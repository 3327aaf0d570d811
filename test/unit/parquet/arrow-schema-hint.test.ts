import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Dictionary, Field, Float64, Int32, Int64, Schema, Utf8 } from 'apache-arrow';
import { arrowSchemaValue, dictionaryHint, withArrowSchema } from '../../../src/parquet/arrow-schema-hint.js';
import { footerCounts, readFooter } from '../../../src/parquet/parquet-footer.js';
import { readBinary, readStructList } from '../../../src/parquet/thrift-compact.js';

const raw = new Schema([
  new Field('ts', new Int64(), false),
  new Field('metric', new Utf8(), true),
  new Field('zone', new Utf8(), false),
  new Field('value', new Float64(), true),
]);

/** Fields as `name: type nullable`. */
const fieldsOf = (s: Schema): string[] => s.fields.map((f) => `${f.name}: ${String(f.type)} ${f.nullable}`);

describe('dictionaryHint', () => {
  it('turns the named string columns into Dictionary<Int32, Utf8>, keeping nullability and the others', () => {
    const hinted = dictionaryHint(raw, new Set(['metric', 'zone', 'value', 'absent']))!;
    assert.deepEqual(fieldsOf(hinted), [
      'ts: Int64 false',
      'metric: Dictionary<Int32, Utf8> true',
      'zone: Dictionary<Int32, Utf8> false',
      'value: Float64 true',
    ]);
    assert.deepEqual(
      hinted.fields.filter((f) => f.type instanceof Dictionary).map((f) => (f.type as Dictionary).id),
      [0, 1],
    );
  });

  it('undefined when nothing changes: no string column named', () => {
    assert.equal(dictionaryHint(raw, new Set(['ts', 'value'])), undefined);
    assert.equal(dictionaryHint(raw, new Set()), undefined);
  });

  it('new dictionary ids follow the ones the schema has', () => {
    const withDict = new Schema([
      new Field('a', new Dictionary(new Utf8(), new Int32(), 4), true),
      new Field('b', new Utf8(), true),
    ]);
    const hinted = dictionaryHint(withDict, new Set(['b']))!;
    assert.equal((hinted.fields[1]!.type as Dictionary).id, 5);
  });
});

describe('arrowSchemaValue', () => {
  it('is base64 of one IPC schema message: continuation marker, length, then the message', () => {
    const bytes = Buffer.from(arrowSchemaValue(raw), 'base64');
    assert.deepEqual([...bytes.subarray(0, 4)], [0xff, 0xff, 0xff, 0xff]);
    assert.equal(bytes.readInt32LE(4), bytes.length - 8);
    assert.equal((bytes.length - 8) % 8, 0);
    assert.ok(bytes.includes(Buffer.from('metric')) && bytes.includes(Buffer.from('zone')));
  });
});

describe('withArrowSchema', () => {
  const magic = [0x50, 0x41, 0x52, 0x31];
  // hand-encoded Thrift compact footer: num_rows 5 (field 3, i64), row_groups = 1 empty struct (field 4, list)
  const base = [0x36, 0x0a, 0x19, 0x1c, 0x00];
  /**
   * key-value metadata (field 5 after field 4: delta 1, list) holding the given entries of short ASCII key and value.
   */
  const kv = (entries: [string, string][]): number[] => {
    const binary = (s: string): number[] => [s.length, ...Buffer.from(s)];
    return [
      0x19,
      (entries.length << 4) | 12,
      ...entries.flatMap(([k, v]) => [0x18, ...binary(k), 0x18, ...binary(v), 0x00]),
    ];
  };
  const fileWith = (footer: number[]): Uint8Array =>
    Uint8Array.from([...magic, 1, 2, 3, ...footer, footer.length, 0, 0, 0, ...magic]);
  const entriesOf = (bytes: Uint8Array): [string, string][] => {
    const field = readFooter(bytes).fields.find((f) => f.id === 5)!;
    return readStructList(field.value).map((e) => [
      readBinary(e.find((f) => f.id === 1)!.value),
      readBinary(e.find((f) => f.id === 2)!.value),
    ]);
  };

  it('adds an ARROW:schema entry; the body is a view of the unchanged bytes', () => {
    const file = fileWith([...base, 0x00]);
    const [body, tail] = withArrowSchema(file, readFooter(file), 'SCHEMA');
    assert.equal(body.buffer, file.buffer);
    assert.deepEqual([...body], [...magic, 1, 2, 3]);
    const out = Buffer.concat([body, tail]);
    assert.deepEqual([...out.subarray(out.length - 4)], magic);
    assert.deepEqual(footerCounts(readFooter(out)), { rows: 5, rowGroups: 1 });
    assert.deepEqual(entriesOf(out), [['ARROW:schema', 'SCHEMA']]);
  });

  it('replaces an ARROW:schema entry and keeps the others', () => {
    const file = fileWith([
      ...base,
      ...kv([
        ['writer', 'duckdb'],
        ['ARROW:schema', 'OLD'],
      ]),
      0x00,
    ]);
    assert.deepEqual(entriesOf(file), [
      ['writer', 'duckdb'],
      ['ARROW:schema', 'OLD'],
    ]);
    const out = Buffer.concat(withArrowSchema(file, readFooter(file), 'NEW'));
    assert.deepEqual(entriesOf(out), [
      ['writer', 'duckdb'],
      ['ARROW:schema', 'NEW'],
    ]);
    assert.deepEqual(footerCounts(readFooter(out)), { rows: 5, rowGroups: 1 });
  });
});
