import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { readStarTreeIndex } from '../../../src/cube/read-star-tree-index.js';
import type { StarTree } from '../../../src/cube/star-tree.js';
import { nodeColumnNames, treeFromIndex } from '../../../src/cube/star-tree-index.js';
import {
  decodeStarTreeIndexV2 as decodeStarTreeIndex,
  encodeStarTreeIndexV2 as encodeStarTreeIndex,
} from '../../../src/cube/star-tree-index-v2.js';
import { toSidecar } from '../../../src/cube/star-tree-sidecar.js';
import { traverseStarTree } from '../../../src/cube/traverse.js';
import { builtStarTree, dictionaryArb, i32sAt, u32At } from '../../helpers/built-star-tree.js';

const dayStartMs = Date.UTC(2026, 10, 24);
const zlibCrc32 = (zlib as unknown as { crc32: (b: Uint8Array) => number }).crc32; // Node >= 20.15

/** The tree of the sidecar tests: levels (time, a), dictionary ['a0', null]. */
const smallTree = (maxLeafRecords: number): StarTree =>
  builtStarTree(
    [
      [[0, 0], 1],
      [[0, 1], 2],
      [[1, 0], 4],
      [[1, 1], 8],
      [[2, 1], 16],
    ],
    [['a0', null]],
    maxLeafRecords,
  );

/** `bytes` with the CRC-32 trailer recomputed, so a test can alter the inside and reach the checks behind the CRC. */
function resealed(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(out.length - 4, zlibCrc32(out.subarray(0, out.length - 4)), true);
  return out;
}

describe('star-tree index format 2 (binary)', () => {
  it('lays out the documented bytes: magic, version, sizes, header, node columns, dictionaries, CRC-32', () => {
    const tree = smallTree(1);
    const b = encodeStarTreeIndex(tree, dayStartMs);
    const n = tree.nodes.length;
    assert.deepEqual([...b.subarray(0, 8)], [0x89, 0x53, 0x54, 0x49, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(u32At(b, 8), 2);
    assert.equal(u32At(b, 12), b.length);
    const h = u32At(b, 16);
    assert.equal(h % 4, 0);
    const header =
      `{"format":"telemetry-rollup/star-tree","formatVersion":2,"timeGrain":"hour","dayStartMs":${dayStartMs},` +
      `"splitOrder":["d0"],"skipStar":[true,false],"starAlso":[[],[]],"maxLeafRecords":1,` +
      `"records":{"count":${tree.records.length},"baseRecords":5},"nodes":${n},` +
      `"dictionaries":[{"values":2,"textBytes":2}]}`;
    assert.equal(new TextDecoder().decode(b.subarray(20, 20 + h)), header.padEnd(h, ' '));
    assert.equal(h - header.length < 4, true);
    const cols = tree.nodes.columns();
    nodeColumnNames.forEach((name, c) => assert.deepEqual(i32sAt(b, 20 + h + 4 * n * c, n), [...cols[name]], name));
    const dict = 20 + h + 4 * n * 9;
    assert.deepEqual(i32sAt(b, dict, 3), [0, 2, 2], 'byte offsets: "a0" then null (no bytes)');
    assert.deepEqual([...b.subarray(dict + 12, dict + 16)], [0, 1, 0, 0], 'null flags, padded to 4');
    assert.deepEqual([...b.subarray(dict + 16, dict + 20)], [0x61, 0x30, 0, 0], 'UTF-8 "a0", padded to 4');
    assert.equal(b.length, dict + 20 + 4);
    assert.equal(u32At(b, b.length - 4), zlibCrc32(b.subarray(0, b.length - 4)));
  });

  it('decodes node columns as Int32Array views over the bytes (no copy when aligned)', () => {
    const b = encodeStarTreeIndex(smallTree(1), dayStartMs);
    const index = decodeStarTreeIndex(b, 'x.bin');
    assert.ok(index.nodes.level instanceof Int32Array);
    assert.equal(index.nodes.level.buffer, b.buffer);
    const shifted = new Uint8Array(b.length + 1);
    shifted.set(b, 1);
    const copy = decodeStarTreeIndex(shifted.subarray(1), 'x.bin');
    assert.deepEqual(copy.nodes.star, index.nodes.star, 'a misaligned buffer is copied once and reads the same');
  });

  const treeArb = fc.array(dictionaryArb, { minLength: 0, maxLength: 3 }).chain((dictionaries) =>
    fc.record({
      dictionaries: fc.constant(dictionaries),
      rows: fc.array(
        fc.tuple(
          fc.tuple(fc.integer({ min: 0, max: 23 }), ...dictionaries.map((d) => fc.nat(d.length - 1))),
          fc.integer({ min: -1000, max: 1000 }),
        ),
        { maxLength: 40 },
      ),
      maxLeafRecords: fc.constantFrom(1, 2, 10, Infinity),
      skip: fc.array(fc.boolean(), { minLength: dictionaries.length, maxLength: dictionaries.length }),
      dayStartMs: fc.integer({ min: 0, max: 4_000_000_000_000 }),
    }),
  );

  it('round trip: the same layout, dictionaries, nodes and answers as the tree and as the format 1 sidecar', () => {
    fc.assert(
      fc.property(treeArb, (t) => {
        const tree = builtStarTree(t.rows, t.dictionaries, t.maxLeafRecords, [true, ...t.skip]);
        const bytes = encodeStarTreeIndex(tree, t.dayStartMs);
        const index = decodeStarTreeIndex(bytes, 'x.bin');
        assert.equal(index.formatVersion, 2);
        assert.equal(index.dayStartMs, t.dayStartMs);
        assert.deepEqual(index.dictionaries, t.dictionaries);
        assert.deepEqual({ ...index.nodes }, tree.nodes.columns());
        const json = new TextEncoder().encode(JSON.stringify(toSidecar(tree, t.dayStartMs)));
        assert.deepEqual({ ...readStarTreeIndex(json, 'x.json'), formatVersion: 2 }, { ...index });
        const back = treeFromIndex(index, tree.records);
        assert.deepEqual(back.layout, tree.layout);
        assert.equal(back.baseRecords, tree.baseRecords);
        for (const groupBy of [[], t.dictionaries.map((_, d) => d + 1)]) {
          const q = { timeFrom: 0, timeTo: 24, filters: new Map(), groupBy };
          assert.deepEqual(traverseStarTree(back, q), traverseStarTree(tree, q));
        }
        assert.deepEqual(encodeStarTreeIndex(back, t.dayStartMs), bytes, 'deterministic: re-encoding gives the bytes');
      }),
    );
  });

  it('refuses a value that is not well-formed Unicode when writing, naming the dimension', () => {
    const tree = smallTree(1);
    const bad = { ...tree, dictionaries: [['a\ud800', null]] };
    assert.throws(
      () => encodeStarTreeIndex(bad, dayStartMs),
      /star-tree index dictionary d0 value "a\\ud800" is not well-formed Unicode/,
    );
  });

  describe('refuses a truncated or damaged file, naming it', () => {
    const good = encodeStarTreeIndex(smallTree(1), dayStartMs);
    const src = 'rollup/hour/dt=2026-11-24/star-tree-00000-abc.bin';
    const refused = (bytes: Uint8Array, message: RegExp): void =>
      assert.throws(
        () => decodeStarTreeIndex(bytes, src),
        (e: Error) => {
          assert.ok(e.message.startsWith(`star-tree index ${src} `), e.message);
          assert.match(e.message, message);
          return true;
        },
      );
    it('empty or shorter than the fixed header', () => {
      refused(new Uint8Array(0), /has 0 bytes, fewer than the 24 of any index/);
      refused(good.subarray(0, 23), /has 23 bytes, fewer than the 24/);
    });
    it('truncated anywhere after the fixed header', () => {
      for (const length of [24, 40, good.length >> 1, good.length - 1])
        refused(good.subarray(0, length), new RegExp(`has ${length} bytes, its header says ${good.length}: truncated`));
    });
    it('extended by a byte', () => {
      refused(
        Uint8Array.from([...good, 0]),
        new RegExp(`has ${good.length + 1} bytes, its header says ${good.length}`),
      );
    });
    it('any single flipped bit', () => {
      for (let at = 0; at < good.length; at++)
        for (const bit of [0, 7]) {
          const bytes = good.slice();
          bytes[at]! ^= 1 << bit;
          assert.throws(() => decodeStarTreeIndex(bytes, src), new RegExp(`star-tree index ${src} `), `byte ${at}`);
        }
      const body = good.slice();
      body[good.length - 10]! ^= 0x04;
      refused(body, /has CRC-32 [0-9a-f]{8}, the file stores [0-9a-f]{8}: damaged/);
      const magic = good.slice();
      magic[1] = 0x54;
      refused(magic, /does not start with the star-tree index magic bytes 89 53 54 49 0d 0a 1a 0a/);
    });
    it('a newer format version', () => {
      const v4 = good.slice();
      v4[8] = 4;
      refused(v4, /has formatVersion 4, this reader knows 1 \(JSON\), 2 and 3/);
      const v3 = good.slice();
      v3[8] = 3;
      refused(v3, /has formatVersion 3, not 2/);
    });
    it('a header that does not describe the sections (behind a valid CRC)', () => {
      const h = u32At(good, 16);
      const withHeader = (edit: (text: string) => string): Uint8Array => {
        const text = edit(new TextDecoder().decode(good.subarray(20, 20 + h)));
        assert.equal(text.length, h);
        const out = good.slice();
        out.set(new TextEncoder().encode(text), 20);
        return resealed(out);
      };
      refused(
        withHeader((t) => t.replace('"textBytes":2', '"textBytes":6')),
        /dictionary d0 overruns the file/,
      );
      refused(
        withHeader((t) => t.replace('"values":2,', '"values":1,')),
        new RegExp(`sections end at byte ${good.length - 8}, the checksum is at ${good.length - 4}`),
      );
      refused(
        withHeader((t) => t.replace('star-tree', 'star-tre3')),
        /header names format telemetry-rollup\/star-tre3, not telemetry-rollup\/star-tree/,
      );
      refused(
        withHeader((t) => t.replace('"skipStar":[true,false]', '"skipStar":[false]     ')),
        /header has 1 split dimensions, 1 dictionaries, 1 levels/,
      );
    });
    it('dictionary offsets that go backwards (behind a valid CRC)', () => {
      const n = smallTree(1).nodes.length;
      const dict = 20 + u32At(good, 16) + 4 * n * 9;
      const out = good.slice();
      new DataView(out.buffer).setInt32(dict + 4, 3, true);
      refused(resealed(out), /dictionary d0 offset 2 \(2\) is below offset 1 \(3\)/);
    });
  });
});
