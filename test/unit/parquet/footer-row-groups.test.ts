import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Float64, Int64, makeVector, Table, vectorFromArray } from 'apache-arrow';
import { parquetMetadata } from 'hyparquet';
import { footerOfRowGroups, indexFooter } from '../../../src/parquet/footer-row-groups.js';
import { openRangedParquet } from '../../../src/parquet/read-parquet-ranges.js';
import { writeParquet } from '../../../src/parquet/write-parquet.js';

const n = 700;
const groupRows = 64; // 11 row groups, the last one short

const bytes = writeParquet(
  new Table({
    count: makeVector({
      type: new Int64(),
      data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i * 5)),
      length: n,
    }),
    sum: makeVector({ type: new Float64(), data: Float64Array.from({ length: n }, (_, i) => i / 3 - 20), length: n }),
    zone: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : `zone-${i % 13}`))),
  }),
  { rowGroupRows: groupRows, metadata: new Map([['telemetry-rollup.test', 'kept']]) },
);
const whole = new Uint8Array(bytes).buffer;
const footerLength = new DataView(whole).getUint32(bytes.length - 8, true);
const footer = bytes.subarray(bytes.length - 8 - footerLength, bytes.length - 8);
/** hyparquet's reading of the whole footer: the oracle. */
const full = parquetMetadata(whole);

describe('footer row groups', () => {
  it('indexes every row group with its rows, as hyparquet reads the whole footer', () => {
    const index = indexFooter(footer);
    assert.equal(index.rowGroups.length, 11);
    assert.deepEqual(index.rowGroupStarts, [
      0,
      ...full.row_groups.map((_, g) => full.row_groups.slice(0, g + 1).reduce((s, r) => s + Number(r.num_rows), 0)),
    ]);
    assert.equal(index.rowGroupStarts.at(-1), n);
  });

  it('a footer of row groups [from, to) reads as the whole footer does, for those row groups only', () => {
    const index = indexFooter(footer);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 1, max: 11 }), (a, b) => {
        const from = Math.min(a, b - 1);
        const to = Math.max(b, from + 1);
        const part = parquetMetadata(footerOfRowGroups(index, from, to).buffer as ArrayBuffer);
        assert.deepEqual(part.schema, full.schema);
        assert.deepEqual(part.row_groups, full.row_groups.slice(from, to));
        assert.deepEqual(part.key_value_metadata, full.key_value_metadata);
        assert.equal(part.created_by, full.created_by);
        assert.equal(part.version, full.version);
        assert.equal(Number(part.num_rows), index.rowGroupStarts[to]! - index.rowGroupStarts[from]!);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses row groups the footer does not hold, and a footer without row groups', () => {
    const index = indexFooter(footer);
    assert.throws(() => footerOfRowGroups(index, 3, 3), /row groups \[3, 3\) of a footer with 11/);
    assert.throws(() => footerOfRowGroups(index, 10, 12), /row groups \[10, 12\)/);
    assert.throws(() => indexFooter(Uint8Array.of(0x15, 0x02, 0x00)), /no row_groups list/);
    assert.throws(() => indexFooter(footer.subarray(0, footer.length - 40)), /ends early|runs past the end/);
  });

  it('rows read through the per-read footers equal rows read whole, for any range', async () => {
    const file = await openRangedParquet(
      { byteLength: bytes.length, read: async (s, e) => bytes.slice(s, e) },
      'groups.parquet',
    );
    const all = await file.readRows(['count', 'sum', 'zone'], 0, n);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 1, max: 200 }), async (start, length) => {
        const end = Math.min(n, start + length);
        const got = await file.readRows(['count', 'sum', 'zone'], start, end);
        for (const name of ['count', 'sum', 'zone'])
          assert.deepEqual(Array.from(got.get(name)!), Array.from(all.get(name)!).slice(start, end), name);
      }),
      { numRuns: 60 },
    );
    assert.deepEqual(Array.from(all.get('count')!).slice(0, 3), [0n, 5n, 10n]);
    assert.equal(all.get('zone')![0], null);
    assert.equal(all.get('zone')![1], 'zone-1');
  });
});
