import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FilePartial } from '../../../src/ingest/aggregate-raw-file.js';
import { emptyMerge, mergePartial } from '../../../src/ingest/merge-partials.js';
import { rejectReasons, type RejectReason } from '../../../src/ingest/reject-reason.js';
import { shardOfValue } from '../../../src/ingest/series-shard.js';
import { partOfKey } from '../../../src/ingest/series-part.js';
import { countsOfPartial, piecesOfParts, segmentIndex, splitPartial } from '../../../src/ingest/split-partial.js';

const rejected = (r: Partial<Record<RejectReason, number>> = {}): Record<RejectReason, number> =>
  Object.fromEntries(rejectReasons.map((k) => [k, r[k] ?? 0])) as Record<RejectReason, number>;

/** Groups [hour, metric id, cluster id, topic id] with sum = value, one sample each; counter samples per group. */
function partialOf(groups: readonly (readonly [number, number, number, number, number])[]): FilePartial {
  const col = (f: (g: (typeof groups)[number]) => number): Float64Array => Float64Array.from(groups, f);
  return {
    key: 'raw/dt=2026-11-24/hr=05/a.parquet',
    role: 'own',
    state: {
      groups: groups.length,
      width: 4,
      keys: Int32Array.from(groups.flatMap((g) => [g[0], g[1], g[2], g[3]])),
      count: col(() => 1),
      sum: col((g) => g[4]),
      min: col((g) => g[4]),
      max: col((g) => g[4]),
      last: col((g) => g[4]),
      lastTime: col(() => 7),
      first: col((g) => g[4]),
      firstTime: col(() => 7),
    },
    counterSamples: {
      group: Int32Array.from(groups.map((_, g) => g)),
      time: Float64Array.from(groups.map((_, g) => g * 10)),
      value: Float64Array.from(groups.map((g) => g[4])),
    },
    metrics: [null, 'cpu', 'bytes'],
    dimensionValues: [
      [null, 'c1', 'c2', 'c3'],
      [null, 't1', 't2'],
    ],
    rowsRead: 40,
    rejected: rejected({ null_value: 3 }),
    routed: 2,
    late: 0,
    ignored: 0,
    missingDimensions: ['broker'],
  };
}

const file = partialOf([
  [5, 1, 1, 1, 10],
  [5, 2, 2, 1, 20],
  [6, 1, 3, 2, 30],
  [5, 1, 0, 2, 40],
  [6, 2, 1, 1, 50],
]);

/** Each piece's groups as readable tuples: [hour, metric, cluster, topic, sum, counter sample values]. */
function readable(p: FilePartial): unknown[] {
  const w = p.state.width;
  return Array.from({ length: p.state.groups }, (_, g) => [
    p.state.keys[g * w],
    p.metrics[p.state.keys[g * w + 1]!],
    p.dimensionValues[0]![p.state.keys[g * w + 2]!],
    p.dimensionValues[1]![p.state.keys[g * w + 3]!],
    p.state.sum[g],
    [...p.counterSamples.value].filter((_, i) => p.counterSamples.group[i] === g),
  ]);
}

describe('splitPartial', () => {
  it('cuts by hour with one shard, keeping group order, samples and only the values each piece uses', () => {
    const pieces = splitPartial(file, { shards: 1, partitionDimension: 0 });
    assert.deepEqual([...pieces.keys()], [5, 6]);
    assert.deepEqual(readable(pieces.get(5)!), [
      [5, 'cpu', 'c1', 't1', 10, [10]],
      [5, 'bytes', 'c2', 't1', 20, [20]],
      [5, 'cpu', null, 't2', 40, [40]],
    ]);
    assert.deepEqual(readable(pieces.get(6)!), [
      [6, 'cpu', 'c3', 't2', 30, [30]],
      [6, 'bytes', 'c1', 't1', 50, [50]],
    ]);
    assert.deepEqual(pieces.get(6)!.metrics, ['cpu', 'bytes']);
    assert.deepEqual(pieces.get(6)!.dimensionValues, [
      ['c3', 'c1'],
      ['t2', 't1'],
    ]);
  });

  it('cuts by (hour, shard of the partition value) and leaves the file-level counts out of every piece', () => {
    const shards = 3;
    const pieces = splitPartial(file, { shards, partitionDimension: 0 });
    const expected = new Map<number, number[]>();
    [
      [5, 'c1', 10],
      [5, 'c2', 20],
      [6, 'c3', 30],
      [5, null, 40],
      [6, 'c1', 50],
    ].forEach(([hour, cluster, sum]) => {
      const seg = segmentIndex(hour as number, shardOfValue(cluster as string | null, shards), shards);
      expected.set(seg, [...(expected.get(seg) ?? []), sum as number]);
    });
    assert.deepEqual(
      new Map([...pieces].map(([seg, p]) => [seg, [...p.state.sum]])),
      new Map([...expected].sort(([a], [b]) => a - b)),
    );
    for (const p of pieces.values()) {
      assert.equal(p.rowsRead, 0);
      assert.equal(p.routed, 0);
      assert.deepEqual(p.missingDimensions, []);
      assert.equal(
        rejectReasons.reduce((n, r) => n + p.rejected[r], 0),
        0,
      );
    }
  });

  it('pieces merged in order plus the counts equal the whole partial merged', () => {
    const spec = { dimensions: ['cluster', 'topic'], limits: { groups: 100, distinctValues: 100, valueBytes: 4096 } };
    const whole = mergePartial(emptyMerge(2), file, spec);
    let parts = mergePartial(emptyMerge(2), countsOfPartial(file), spec);
    for (const piece of splitPartial(file, { shards: 2, partitionDimension: 0 }).values())
      parts = mergePartial(parts, piece, spec);
    const rowsOf = (m: typeof whole): string[] => {
      const s = m.aggregate.toState();
      return Array.from({ length: s.groups }, (_, g) =>
        JSON.stringify([
          s.keys[g * 4],
          m.metrics.values[s.keys[g * 4 + 1]!],
          m.dimensions[0]!.values[s.keys[g * 4 + 2]!],
          m.dimensions[1]!.values[s.keys[g * 4 + 3]!],
          s.sum[g],
        ]),
      ).sort();
    };
    assert.deepEqual(rowsOf(parts), rowsOf(whole));
    assert.equal(parts.rowsRead, 40);
    assert.equal(parts.routed, 2);
    assert.equal(parts.rejected.null_value, 3);
    assert.deepEqual(parts.missingDimensions, [{ key: file.key, columns: ['broker'] }]);
    assert.equal(parts.counterLog.length, 5);
  });

  it('refuses a group outside the day', () => {
    assert.throws(
      () => splitPartial(partialOf([[24, 1, 1, 1, 1]]), { shards: 1, partitionDimension: 0 }),
      /split group 0 of raw\/dt=2026-11-24\/hr=05\/a\.parquet has hour 24, outside the day/,
    );
  });
});

describe('piecesOfParts', () => {
  const parts = 3;
  // the part of each group of `file`: the hash of (metric, topic), cluster (the partition dimension) left out
  const partOf = (metric: string, topic: string | null): number => partOfKey([metric, topic], parts);
  const groups: [number, string, string | null, string | null, number][] = [
    [5, 'cpu', 'c1', 't1', 10],
    [5, 'bytes', 'c2', 't1', 20],
    [6, 'cpu', 'c3', 't2', 30],
    [5, 'cpu', null, 't2', 40],
    [6, 'bytes', 'c1', 't1', 50],
  ];

  it('keeps the groups of one part in order, with their samples, and the parts together hold every group once', () => {
    let total = 0;
    const cut = piecesOfParts(file, 0, parts);
    assert.ok([...cut.keys()].every((part) => part >= 0 && part < parts));
    for (let part = 0; part < parts; part++) {
      const want = groups.filter(([, m, , t]) => partOf(m, t) === part).map((g) => [...g, [g[4]]]);
      const piece = cut.get(part);
      assert.deepEqual(piece ? readable(piece) : [], want, `part ${part}`);
      if (piece) assert.equal(piece.rowsRead, 0);
      total += want.length;
    }
    assert.equal(total, groups.length);
  });

  it('gives the whole piece to its one part when every group hashes there, and nothing to the others', () => {
    const one = partialOf([
      [5, 1, 1, 1, 10],
      [6, 1, 2, 1, 11],
    ]); // (cpu, t1) twice, clusters differ
    const part = partOf('cpu', 't1');
    const cut = piecesOfParts(one, 0, parts);
    assert.deepEqual([...cut.keys()], [part]);
    assert.deepEqual(readable(cut.get(part)!), [
      [5, 'cpu', 'c1', 't1', 10, [10]],
      [6, 'cpu', 'c2', 't1', 11, [11]],
    ]);
  });
});
