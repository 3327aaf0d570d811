import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FilePartial } from '../../../src/ingest/aggregate-raw-file.js';
import { rejectReasons, type RejectReason } from '../../../src/ingest/reject-reason.js';
import { hashOfKey, hashOfKeyBytes, partOfKey, partsOfGroups } from '../../../src/ingest/series-part.js';

describe('series part (secondary hash over the rest of the series key)', () => {
  it('hashes each value (UTF-8, null = 0xff) plus a 0xfe terminator with FNV-1a 32, then fmix32 (reference values)', () => {
    // reference values from an independent implementation (Python: FNV-1a 32 over the bytes, then MurmurHash3 fmix32)
    const cases: [readonly (string | null)[], number][] = [
      [[], 0xab3e7c0b],
      [['cpu'], 0x02a8dbce],
      [['cpu', null], 0x711fd207],
      [['received_bytes', 'tn-0001-wayne', 'broker-3', 'orders', '7'], 0x8a1602c1],
      [['ab', 'c'], 0x9b82a1c9],
      [['a', 'bc'], 0xb90da36d],
      [['é'], 0x0d16c631],
    ];
    for (const [values, want] of cases) assert.equal(hashOfKey(values), want, JSON.stringify(values));
    // the same values given as their bytes (how the day tier reads them back), against the same reference values
    const bytes = (values: readonly (string | null)[]) => values.map((v) => (v === null ? null : Buffer.from(v)));
    for (const [values, want] of cases) assert.equal(hashOfKeyBytes(bytes(values)), want, JSON.stringify(values));
  });

  it('tells apart keys whose bytes would concatenate alike, and null from the empty string', () => {
    assert.notEqual(hashOfKey(['ab', 'c']), hashOfKey(['a', 'bc']));
    assert.notEqual(hashOfKey([null]), hashOfKey(['']));
  });

  it('takes the hash mod parts; one part is part 0', () => {
    assert.equal(partOfKey(['received_bytes', 'tn-0001-wayne', 'broker-3', 'orders', '7'], 4), 0x8a1602c1 % 4);
    assert.equal(partOfKey(['cpu'], 7), 0x02a8dbce % 7);
    assert.equal(partOfKey(['cpu'], 1), 0);
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[partOfKey(['cpu', 'tn', `broker-${i % 40}`, `topic-${i}`], 8)]!++;
    for (const c of counts) assert.ok(c > 800 && c < 1200, `part sizes ${counts.join(', ')}`);
  });

  it('gives every group of a partial the part of its key without the partition dimension', () => {
    const metrics = ['cpu', 'bytes'];
    const dims = [
      ['lkc-hot', 'lkc-cold'],
      ['t1', null, 't3'],
    ];
    const keys = [
      [3, 0, 0, 0],
      [3, 1, 0, 1],
      [4, 0, 1, 2],
      [4, 1, 1, 0],
    ];
    const partial = {
      key: 'k',
      role: 'own',
      state: { groups: keys.length, width: 4, keys: Int32Array.from(keys.flat()) },
      metrics,
      dimensionValues: dims,
      rejected: Object.fromEntries(rejectReasons.map((r) => [r, 0])) as Record<RejectReason, number>,
    } as unknown as FilePartial; // only the keys and dictionaries are read
    const want = keys.map(([, m, , t]) => partOfKey([metrics[m!]!, dims[1]![t!]!], 5));
    assert.deepEqual([...partsOfGroups(partial, 0, 5)], want);
    // the hour and the partition value (cluster) do not move a series between parts
    assert.equal(want[0], partOfKey(['cpu', 't1'], 5));
    assert.equal(want[3], partOfKey(['bytes', 't1'], 5));
    assert.deepEqual([...partsOfGroups(partial, 0, 1)], [0, 0, 0, 0]);
  });
});
