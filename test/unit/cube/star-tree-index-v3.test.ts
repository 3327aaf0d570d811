import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { indexFirstReadBytes, openStarTreeIndex, readStarTreeIndex } from '../../../src/cube/read-star-tree-index.js';
import type { StarTree } from '../../../src/cube/star-tree.js';
import { nodeColumnNames, treeFromIndex, type StarTreeIndex } from '../../../src/cube/star-tree-index.js';
import { encodeStarTreeIndexV2 } from '../../../src/cube/star-tree-index-v2.js';
import {
  decodeStarTreeIndexV3,
  encodeStarTreeIndex,
  openStarTreeIndexV3,
  type IndexByteSource,
} from '../../../src/cube/star-tree-index-v3.js';
import { planStarTreeReads, traverseStarTree, type TreeQuery } from '../../../src/cube/traverse.js';
import { builtStarTree, dictionaryArb, i32sAt, u32At } from '../../helpers/built-star-tree.js';

const dayStartMs = Date.UTC(2026, 10, 24);
const zlibCrc32 = (zlib as unknown as { crc32: (b: Uint8Array) => number }).crc32; // Node >= 20.15

/** Levels (time, a), dictionary ['a0', null]: 10 nodes with T = 1. */
const smallTree = (): StarTree =>
  builtStarTree(
    [
      [[0, 0], 1],
      [[0, 1], 2],
      [[1, 0], 4],
      [[1, 1], 8],
      [[2, 1], 16],
    ],
    [['a0', null]],
    1,
  );

/** A source over `bytes` that records every range read. */
function sourceOf(bytes: Uint8Array): IndexByteSource & { reads: [number, number][] } {
  const reads: [number, number][] = [];
  return {
    byteLength: bytes.length,
    reads,
    read(start, end) {
      if (!(start >= 0 && start < end && end <= bytes.length)) throw new RangeError(`read [${start}, ${end})`);
      reads.push([start, end]);
      return Promise.resolve(bytes.slice(start, end));
    },
  };
}

/** The node columns of an index, as plain arrays (of the nodes `has` says are read). */
const columnsOf = (index: StarTreeIndex, has: (node: number) => boolean = () => true): Record<string, number[]> =>
  Object.fromEntries(nodeColumnNames.map((name) => [name, [...index.nodes[name]].filter((_, i) => has(i))]));

describe('star-tree index format 3 (binary, node blocks)', () => {
  it('lays out the documented bytes: head and its CRC, dictionaries and theirs, node blocks with theirs, file CRC', () => {
    const tree = smallTree();
    const n = tree.nodes.length;
    assert.equal(n, 10);
    const b = encodeStarTreeIndex(tree, dayStartMs, 3);
    assert.deepEqual([...b.subarray(0, 8)], [0x89, 0x53, 0x54, 0x49, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(u32At(b, 8), 3);
    assert.equal(u32At(b, 12), b.length);
    const h = u32At(b, 16);
    const header =
      `{"format":"telemetry-rollup/star-tree","formatVersion":3,"timeGrain":"hour","dayStartMs":${dayStartMs},` +
      `"splitOrder":["d0"],"skipStar":[true,false],"starAlso":[[],[]],"maxLeafRecords":1,` +
      `"records":{"count":${tree.records.length},"baseRecords":5},"nodes":10,` +
      `"dictionaries":[{"values":2,"textBytes":2}],"nodeBlock":3}`;
    assert.equal(new TextDecoder().decode(b.subarray(20, 20 + h)), header.padEnd(h, ' '));
    assert.equal(u32At(b, 20 + h), zlibCrc32(b.subarray(0, 20 + h)), 'the head CRC-32');
    const dict = 20 + h + 4;
    assert.deepEqual(i32sAt(b, dict, 3), [0, 2, 2], 'byte offsets: "a0" then null (no bytes)');
    assert.deepEqual([...b.subarray(dict + 12, dict + 16)], [0, 1, 0, 0], 'null flags, padded to 4');
    assert.deepEqual([...b.subarray(dict + 16, dict + 20)], [0x61, 0x30, 0, 0], 'UTF-8 "a0", padded to 4');
    assert.equal(u32At(b, dict + 20), zlibCrc32(b.subarray(dict, dict + 20)), 'the dictionaries CRC-32');
    const cols = tree.nodes.columns();
    let at = dict + 24;
    for (const [from, count] of [
      [0, 3],
      [3, 3],
      [6, 3],
      [9, 1],
    ] as const) {
      nodeColumnNames.forEach((name, c) =>
        assert.deepEqual(i32sAt(b, at + 4 * count * c, count), [...cols[name].subarray(from, from + count)], name),
      );
      assert.equal(u32At(b, at + 36 * count), zlibCrc32(b.subarray(at, at + 36 * count)), `block of node ${from}`);
      at += 36 * count + 4;
    }
    assert.equal(b.length, at + 4);
    assert.equal(u32At(b, b.length - 4), zlibCrc32(b.subarray(0, b.length - 4)), 'the file CRC-32');
  });

  const treeArb = fc.array(dictionaryArb, { minLength: 0, maxLength: 3 }).chain((dictionaries) =>
    fc.record({
      dictionaries: fc.constant(dictionaries),
      rows: fc.array(
        fc.tuple(
          fc.tuple(fc.integer({ min: 0, max: 23 }), ...dictionaries.map((d) => fc.nat(d.length - 1))),
          fc.integer({ min: -1000, max: 1000 }),
        ),
        { maxLength: 60 },
      ),
      maxLeafRecords: fc.constantFrom(1, 2, 10, Infinity),
      nodeBlock: fc.constantFrom(1, 2, 3, 7, 256),
      // the first read: the fixed start only, some node blocks, or the whole file
      firstRead: fc.oneof(fc.constant(20), fc.integer({ min: 20, max: 4000 })),
      queries: fc.array(
        fc.record({
          hours: fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 1, max: 24 })),
          filter: fc.option(fc.tuple(fc.nat(2), fc.nat(5), fc.boolean()), { nil: undefined }),
          groupBy: fc.subarray([1, 2, 3]),
        }),
        { minLength: 1, maxLength: 4 },
      ),
    }),
  );

  it('round trip: whole decode gives the tree; a partial read plans and answers as the whole tree (property)', async () => {
    await fc.assert(
      fc.asyncProperty(treeArb, async (t) => {
        const tree = builtStarTree(t.rows, t.dictionaries, t.maxLeafRecords);
        const bytes = encodeStarTreeIndex(tree, dayStartMs, t.nodeBlock);
        assert.deepEqual(encodeStarTreeIndex(tree, dayStartMs, t.nodeBlock), bytes, 'deterministic');
        const whole = decodeStarTreeIndexV3(bytes, 'x.bin', zlibCrc32);
        assert.equal(whole.formatVersion, 3);
        assert.deepEqual(whole.dictionaries, tree.dictionaries);
        assert.deepEqual(columnsOf(whole), columnsOf({ nodes: tree.nodes.columns() } as StarTreeIndex));
        assert.deepEqual(readStarTreeIndex(bytes, 'x.bin'), whole, 'readStarTreeIndex tells format 3 apart');
        const levels = t.dictionaries.length;
        for (const query of t.queries) {
          const [from, span] = query.hours;
          const filters = new Map();
          if (query.filter && levels > 0) {
            const [d, id, inList] = query.filter;
            const level = 1 + (d % levels);
            filters.set(level, { kind: inList ? 'in' : 'not-in', ids: new Set([id]) });
          }
          const q: TreeQuery = {
            timeFrom: from,
            timeTo: Math.min(24, from + span),
            filters,
            groupBy: query.groupBy.filter((l) => l <= levels),
          };
          const source = sourceOf(bytes);
          const first = bytes.slice(0, Math.min(bytes.length, t.firstRead));
          const fetched = { bytes: first.length };
          const partial = await openStarTreeIndexV3(first, source, 'x.bin', zlibCrc32, fetched);
          assert.deepEqual(partial.dictionaries, tree.dictionaries);
          const partialTree = treeFromIndex(partial, tree.records);
          const asked: number[] = [];
          const reads = await planStarTreeReads(partialTree, q, (nodes) => {
            asked.push(...nodes);
            return partial.nodeBlocks!.read(nodes);
          });
          assert.deepEqual(reads, await planStarTreeReads(tree, q), 'the same records to read');
          const answer = traverseStarTree(partialTree, q);
          assert.deepEqual(answer, traverseStarTree(tree, q), 'the same traversal');
          const has = (node: number): boolean => partial.nodeBlocks!.has(node);
          assert.deepEqual(columnsOf(partial, has), columnsOf(whole, has), 'every node read holds the file values');
          assert.equal(
            fetched.bytes,
            first.length + source.reads.reduce((s, [a, b]) => s + b - a, 0),
            'fetched counts every byte',
          );
          for (const node of asked) assert.ok(has(node), `node ${node} asked for is read`);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('reads only the node blocks a traversal visits: a query of one hour on a deep tree reads few of them', async () => {
    // 24 hours x 20 values x 20 values, T = 1: thousands of nodes, blocks of 16
    const a = Array.from({ length: 20 }, (_, i) => `a${String(i).padStart(2, '0')}`);
    const rows: [number[], number][] = [];
    for (let h = 0; h < 24; h++) for (let i = 0; i < 20; i++) for (let j = 0; j < 20; j++) rows.push([[h, i, j], 1]);
    const tree = builtStarTree(rows, [a, a], 1);
    const bytes = encodeStarTreeIndex(tree, dayStartMs, 16);
    const blocks = Math.ceil(tree.nodes.length / 16);
    assert.ok(blocks > 100, `${blocks} blocks`);
    const source = sourceOf(bytes);
    const fetched = { bytes: 0 };
    const index = await openStarTreeIndexV3(bytes.slice(0, 20), source, 'x.bin', zlibCrc32, fetched);
    const partialTree = treeFromIndex(index, tree.records);
    const q: TreeQuery = {
      timeFrom: 5,
      timeTo: 6,
      filters: new Map([[1, { kind: 'in', ids: new Set([3]) }]]),
      groupBy: [],
    };
    const reads = await planStarTreeReads(partialTree, q, (nodes) => index.nodeBlocks!.read(nodes));
    assert.deepEqual(reads, await planStarTreeReads(tree, q));
    const read = Array.from({ length: blocks }, (_, k) => k).filter((k) => index.nodeBlocks!.has(16 * k));
    assert.ok(read.length < 12, `${read.length} of ${blocks} blocks read`);
    assert.ok(fetched.bytes < bytes.length / 50, `${fetched.bytes} of ${bytes.length} bytes fetched`);
    // through openStarTreeIndex: its first read holds the head, the dictionaries and the first blocks
    const opened = { bytes: 0 };
    const first = await openStarTreeIndex(sourceOf(bytes), 'x.bin', zlibCrc32, opened);
    assert.equal(opened.bytes, indexFirstReadBytes);
    assert.ok(first.nodeBlocks!.has(0) && !first.nodeBlocks!.has(tree.nodes.length - 1));
    assert.throws(
      () => traverseStarTree(partialTree, { ...q, timeFrom: 0, timeTo: 24 }),
      /star-tree node \d+ is not read: plan the traversal's reads \(planStarTreeReads\) first/,
    );
  });

  it('opens format 1 and 2 indexes whole, and reads them as before', async () => {
    const tree = smallTree();
    const v2 = encodeStarTreeIndexV2(tree, dayStartMs);
    const big = builtStarTree(
      Array.from({ length: 3000 }, (_, i) => [[i % 24, i % 2], i] as const),
      [['a0', null]],
      1,
    );
    for (const bytes of [v2, encodeStarTreeIndexV2(big, dayStartMs)]) {
      const fetched = { bytes: 0 };
      const index = await openStarTreeIndex(sourceOf(bytes), 'x.bin', zlibCrc32, fetched);
      assert.equal(index.formatVersion, 2);
      assert.equal(index.nodeBlocks, undefined);
      assert.equal(fetched.bytes, bytes.length);
      assert.deepEqual(columnsOf(index), columnsOf(readStarTreeIndex(bytes, 'x.bin')));
    }
  });

  describe('refuses a damaged file, naming it and the part', () => {
    const tree = builtStarTree(
      Array.from({ length: 200 }, (_, i) => [[i % 24, i % 3], i] as const),
      [['a', 'b', null]],
      1,
    );
    const good = encodeStarTreeIndex(tree, dayStartMs, 8);
    const src = 'rollup/hour/dt=2026-11-24/star-tree-h00-s0000-00000-abc.bin';
    const h = u32At(good, 16);
    const dict = 20 + h + 4;
    const nodesAt = dict + 4 * 4 + 4 + 4 + 4; // offsets of 3 values, flags, text "ab", the dictionaries CRC
    const blockBytes = 36 * 8 + 4;
    const open = async (bytes: Uint8Array, firstRead = 20): Promise<StarTreeIndex> =>
      openStarTreeIndexV3(bytes.slice(0, firstRead), sourceOf(bytes), src, zlibCrc32, { bytes: 0 });
    const flipped = (at: number): Uint8Array => {
      const out = good.slice();
      out[at]! ^= 0x10;
      return out;
    };

    it('a whole decode: any single flipped bit, a truncated file, another version', () => {
      for (let at = 0; at < good.length; at++)
        assert.throws(() => decodeStarTreeIndexV3(flipped(at), src), new RegExp(`star-tree index ${src} `), `${at}`);
      assert.throws(
        () => decodeStarTreeIndexV3(good.subarray(0, good.length - 1), src),
        /its header says \d+: truncated/,
      );
      const v4 = good.slice();
      v4[8] = 4;
      assert.throws(() => readStarTreeIndex(v4, src), /has formatVersion 4, this reader knows 1 \(JSON\), 2 and 3/);
    });

    it('a partial read: the head, the dictionaries, a node block when it is read', async () => {
      await assert.rejects(
        open(flipped(30)),
        new RegExp(`star-tree index ${src} head has CRC-32 [0-9a-f]{8}, the file`),
      );
      await assert.rejects(
        open(flipped(dict + 2)),
        /dictionaries has CRC-32 [0-9a-f]{8}, the file stores [0-9a-f]{8}: dam/,
      );
      const damaged = flipped(nodesAt + 2 * blockBytes + 5); // block 2
      const index = await open(damaged);
      await index.nodeBlocks!.read([0, 1, 8]); // blocks 0 and 1: intact
      assert.ok(index.nodeBlocks!.has(15) && !index.nodeBlocks!.has(16));
      await assert.rejects(index.nodeBlocks!.read([17]), new RegExp(`${src} node block 2 has CRC-32 [0-9a-f]{8}`));
      assert.ok(!index.nodeBlocks!.has(17), 'a damaged block stays unread');
      // damage in a block inside the first read is found at open
      await assert.rejects(open(damaged, good.length), /node block 2 has CRC-32/);
    });

    it('a file whose sections do not add up to its size (behind valid CRCs)', async () => {
      const longer = new Uint8Array(good.length + 4);
      longer.set(good);
      new DataView(longer.buffer).setUint32(12, longer.length, true);
      const head = 20 + h;
      new DataView(longer.buffer).setUint32(head, zlibCrc32(longer.subarray(0, head)), true);
      await assert.rejects(open(longer), new RegExp(`sections end at byte ${good.length - 4}, the checksum is at`));
    });
  });
});
