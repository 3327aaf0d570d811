import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashOfValue, shardOfValue, shardsOfValues } from '../../../src/ingest/series-shard.js';

describe('series shard', () => {
  it('hashes UTF-8 bytes with FNV-1a 32 and the murmur3 finalizer (reference values)', () => {
    // fnv1a32('') = 0x811c9dc5, fnv1a32('a') = 0xe40c292c (the published FNV test vectors), then fmix32
    const fmix = (h: number): number => {
      h ^= h >>> 16;
      h = Math.imul(h, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
      return h >>> 0;
    };
    assert.equal(hashOfValue(''), fmix(0x811c9dc5));
    assert.equal(hashOfValue('a'), fmix(0xe40c292c));
    assert.equal(hashOfValue('foobar'), fmix(0xbf9cf968));
  });

  it('gives null the hash of the byte 0xff, which no text has', () => {
    assert.notEqual(hashOfValue(null), hashOfValue(''));
    assert.notEqual(hashOfValue(null), hashOfValue('ÿ')); // U+00FF is two bytes in UTF-8
  });

  it('puts everything in shard 0 of 1 and spreads values over 8 shards', () => {
    assert.equal(shardOfValue('lkc-akmy1', 1), 0);
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[shardOfValue(`lkc-${i}`, 8)]!++;
    for (const c of counts) assert.ok(c > 800 && c < 1200, `shard sizes ${counts.join(', ')}`);
  });

  it('maps a dictionary to shards, index by index', () => {
    const values = [null, 'a', 'b', '__proto__'];
    assert.deepEqual(
      [...shardsOfValues(values, 3)],
      values.map((v) => shardOfValue(v, 3)),
    );
    assert.deepEqual([...shardsOfValues(values, 1)], [0, 0, 0, 0]);
  });
});
