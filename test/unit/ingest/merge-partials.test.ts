import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FilePartial } from '../../../src/ingest/aggregate-raw-file.js';
import { emptyMerge, mergePartial, type MergedPartials } from '../../../src/ingest/merge-partials.js';
import { rejectReasons, type RejectReason } from '../../../src/ingest/reject-reason.js';
import type { AggregateState } from '../../../src/ingest/series-aggregate.js';

/** One group by hand: [hour, local metric id, local dimension id], count, sum, and last value (one sample each). */
type Group = readonly [number, number, number, number, number];

function stateOf(groups: readonly Group[]): AggregateState {
  const col = (f: (g: Group) => number): Float64Array => Float64Array.from(groups, f);
  return {
    groups: groups.length,
    width: 3,
    keys: Int32Array.from(groups.flatMap((g) => [g[0], g[1], g[2]])),
    count: col((g) => g[3]),
    sum: col((g) => g[4]),
    min: col((g) => g[4] / g[3]),
    max: col((g) => g[4] / g[3]),
    last: col((g) => g[4] / g[3]),
    lastTime: col(() => 100),
    first: col((g) => g[4] / g[3]),
    firstTime: col(() => 100),
  };
}

const rejected = (r: Partial<Record<RejectReason, number>> = {}): Record<RejectReason, number> =>
  Object.fromEntries(rejectReasons.map((k) => [k, r[k] ?? 0])) as Record<RejectReason, number>;

function partial(
  p: Partial<FilePartial> & Pick<FilePartial, 'key' | 'state' | 'metrics' | 'dimensionValues'>,
): FilePartial {
  return {
    role: 'own',
    counterSamples: { group: new Int32Array(0), time: new Float64Array(0), value: new Float64Array(0) },
    rowsRead: 0,
    rejected: rejected(),
    routed: 0,
    late: 0,
    ignored: 0,
    missingDimensions: [],
    ...p,
  };
}

const spec = { dimensions: ['zone'], limits: { groups: 100, distinctValues: 100, valueBytes: 4096 } };

// File A: metrics [null, cpu, mem]; zone values [null, x, y]
const fileA = partial({
  key: 'raw/dt=2026-11-24/hr=00/a.parquet',
  metrics: [null, 'cpu', 'mem'],
  dimensionValues: [[null, 'x', 'y']],
  state: stateOf([
    [0, 1, 1, 2, 10], // cpu, x
    [0, 2, 2, 1, 7], // mem, y
  ]),
  counterSamples: { group: Int32Array.of(1), time: Float64Array.of(5), value: Float64Array.of(7) },
  rowsRead: 10,
  rejected: rejected({ null_value: 1 }),
  routed: 2,
});

// File B (late): the same names under other local ids, plus a series with a null zone
const fileB = partial({
  key: 'raw/dt=2026-11-25/hr=00/b.parquet',
  role: 'late',
  metrics: [null, 'mem', 'cpu'],
  dimensionValues: [[null, 'y']],
  state: stateOf([
    [0, 2, 0, 1, 4], // cpu, null zone
    [0, 1, 1, 3, 9], // mem, y: the same series as A's second group
  ]),
  counterSamples: { group: Int32Array.of(1, 0), time: Float64Array.of(6, 7), value: Float64Array.of(9, 4) },
  rowsRead: 7,
  late: 4,
  rejected: rejected({ null_value: 2, nan_value: 1 }),
  missingDimensions: ['zone'],
});

/** Groups as `hour,metric name,zone: count sum`, sorted. */
function groups(m: MergedPartials): string[] {
  const s = m.aggregate.toState();
  return Array.from(
    { length: s.groups },
    (_, g) =>
      `${s.keys[3 * g]},${m.metrics.values[s.keys[3 * g + 1]!]},${m.dimensions[0]!.values[s.keys[3 * g + 2]!]}: ${s.count[g]} ${s.sum[g]}`,
  ).sort();
}

describe('mergePartial', () => {
  it('translates local ids to global ones and merges equal series', () => {
    const m = mergePartial(mergePartial(emptyMerge(1), fileA, spec), fileB, spec);
    assert.deepEqual(groups(m), ['0,cpu,null: 1 4', '0,cpu,x: 2 10', '0,mem,y: 4 16']);
    assert.deepEqual(m.metrics.values, [null, 'cpu', 'mem']);
    assert.deepEqual(m.dimensions[0]!.values, [null, 'x', 'y']);
  });

  it('counts rows by role: own rows read, late-file rows apart; rejects add up by reason', () => {
    const m = mergePartial(mergePartial(emptyMerge(1), fileA, spec), fileB, spec);
    assert.deepEqual(
      { rowsRead: m.rowsRead, routed: m.routed, late: m.late, lateFileRows: m.lateFileRows },
      { rowsRead: 10, routed: 2, late: 4, lateFileRows: 7 },
    );
    assert.deepEqual(m.rejected, rejected({ null_value: 3, nan_value: 1 }));
    assert.deepEqual(m.missingDimensions, [{ key: 'raw/dt=2026-11-25/hr=00/b.parquet', columns: ['zone'] }]);
  });

  it('logs counter samples under their global groups', () => {
    const m = mergePartial(mergePartial(emptyMerge(1), fileA, spec), fileB, spec);
    const s = m.counterLog.toSamples();
    const state = m.aggregate.toState();
    const name = (g: number): string =>
      `${m.metrics.values[state.keys[3 * g + 1]!]},${m.dimensions[0]!.values[state.keys[3 * g + 2]!]}`;
    assert.deepEqual(
      Array.from(s.group, (g, i) => `${name(g)}@${s.time[i]}=${s.value[i]}`),
      ['mem,y@5=7', 'mem,y@6=9', 'cpu,null@7=4'],
    );
  });

  it('an empty merge holds nothing and counts nothing', () => {
    const m = emptyMerge(2);
    assert.equal(m.aggregate.groups, 0);
    assert.deepEqual([m.rowsRead, m.routed, m.late, m.lateFileRows, m.counterLog.length], [0, 0, 0, 0, 0]);
    assert.deepEqual(m.rejected, rejected());
    assert.equal(m.dimensions.length, 2);
    assert.deepEqual(m.missingDimensions, []);
  });

  describe('limits halt with the key of the file that crossed them', () => {
    it('series-hours', () => {
      assert.throws(
        () =>
          mergePartial(
            mergePartial(emptyMerge(1), fileA, {
              ...spec,
              limits: { groups: 2, distinctValues: 100, valueBytes: 4096 },
            }),
            fileB,
            { ...spec, limits: { groups: 2, distinctValues: 100, valueBytes: 4096 } },
          ),
        {
          name: 'RawInputError',
          message:
            /limit more than 2 series-hours in the partition \(at raw\/dt=2026-11-25\/hr=00\/b\.parquet\); raise output\.limits\.groups/,
        },
      );
    });
    it('distinct values of a dimension (null is no value, as in COUNT(DISTINCT)): x and y are 2', () => {
      assert.throws(
        () =>
          mergePartial(emptyMerge(1), fileA, { ...spec, limits: { groups: 100, distinctValues: 1, valueBytes: 4096 } }),
        {
          name: 'RawInputError',
          message:
            /limit dimension 'zone' has more than 1 distinct values in the partition \(at raw\/dt=2026-11-24\/hr=00\/a\.parquet\)/,
        },
      );
      assert.equal(
        mergePartial(emptyMerge(1), fileA, { ...spec, limits: { groups: 100, distinctValues: 2, valueBytes: 4096 } })
          .aggregate.groups,
        2,
      );
    });
    it('at the limit is fine', () => {
      const m = mergePartial(
        mergePartial(emptyMerge(1), fileA, { ...spec, limits: { groups: 3, distinctValues: 3, valueBytes: 4096 } }),
        fileB,
        { ...spec, limits: { groups: 3, distinctValues: 3, valueBytes: 4096 } },
      );
      assert.equal(m.aggregate.groups, 3);
    });
  });
});
