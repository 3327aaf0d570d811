import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { footerCounts, keyValueMetadataField, readFooter, schemaKeyOf } from '../../../src/parquet/parquet-footer.js';

const magic = [0x50, 0x41, 0x52, 0x31]; // 'PAR1'

/** A file around a hand-encoded footer: magic, `body` bytes of column data, footer, footer length (u32 LE), magic. */
function fileWith(footer: readonly number[], body: readonly number[] = [0xde, 0xad, 0xbf]): Uint8Array {
  const n = footer.length;
  return Uint8Array.from([
    ...magic,
    ...body,
    ...footer,
    n & 0xff,
    (n >> 8) & 0xff,
    (n >> 16) & 0xff,
    n >>> 24,
    ...magic,
  ]);
}

// Thrift compact protocol, written by hand: a field header is (id delta << 4) | type; i64 is a zigzag varint;
// a list header is (size << 4) | element type; an empty struct is its stop byte 0.
const rows300 = [0x36, 0xd8, 0x04]; // field 3 (num_rows), i64: zigzag(300) = 600 = varint d8 04
const twoGroups = [0x19, 0x2c, 0x00, 0x00]; // field 4 (row_groups), list of 2 empty structs
const schemaOne = [0x29, 0x1c, 0x00]; // field 2 (schema), list of 1 empty struct
const stop = [0x00];

describe('readFooter and footerCounts', () => {
  it('reads rows and row groups from a footer', () => {
    const bytes = fileWith([...rows300, ...twoGroups, ...stop]);
    const footer = readFooter(bytes);
    assert.equal(footer.start, 7); // 4 magic bytes + 3 body bytes
    assert.deepEqual(
      footer.fields.map((f) => [f.id, f.type, [...f.value]]),
      [
        [3, 6, [0xd8, 0x04]],
        [4, 9, [0x2c, 0x00, 0x00]],
      ],
    );
    assert.deepEqual(footerCounts(footer), { rows: 300, rowGroups: 2 });
  });

  it('reads a footer inside a view of a larger buffer', () => {
    const bytes = fileWith([...rows300, ...twoGroups, ...stop]);
    const padded = new Uint8Array(bytes.length + 5);
    padded.set(bytes, 5);
    assert.deepEqual(footerCounts(readFooter(padded.subarray(5))), { rows: 300, rowGroups: 2 });
  });

  it('refuses a footer length beyond the file', () => {
    const bytes = fileWith([...rows300, ...twoGroups, ...stop]);
    new DataView(bytes.buffer).setUint32(bytes.length - 8, 1000, true);
    assert.throws(() => readFooter(bytes), {
      name: 'RangeError',
      message: `footer length 1000 exceeds the file (${bytes.length} bytes)`,
    });
  });

  it('refuses a footer without row groups', () => {
    assert.throws(
      () => footerCounts(readFooter(fileWith([...rows300, ...stop]))),
      /footer lacks num_rows or row_groups/,
    );
  });
});

describe('schemaKeyOf', () => {
  it('is the schema bytes and the key-value metadata bytes, joined by NUL', () => {
    const footer = readFooter(fileWith([...schemaOne, 0x16, 0xd8, 0x04, ...twoGroups, ...stop]));
    assert.equal(schemaKeyOf(footer), '\u001c\u0000\u0000');
  });

  it('files that differ only in row counts share a key; another schema does not', () => {
    const a = readFooter(fileWith([...schemaOne, 0x16, 0x0a, ...twoGroups, ...stop]));
    const b = readFooter(fileWith([...schemaOne, 0x16, 0xd8, 0x04, ...twoGroups, ...stop]));
    const c = readFooter(fileWith([...rows300, ...twoGroups, ...stop]));
    assert.equal(schemaKeyOf(a), schemaKeyOf(b));
    assert.notEqual(schemaKeyOf(a), schemaKeyOf(c));
  });

  it('key-value metadata is field 5', () => assert.equal(keyValueMetadataField, 5));
});
