import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CubeRecords, measureNames, STAR } from '../../../src/cube/cube-records.js';
import { QuantileSketch } from '../../../src/measures/quantile-sketch.js';
import { startWithSample } from '../../../src/measures/measure-state.js';

/** A record given by hand: keys, one sample (value at time), a counter increase. */
interface In {
  readonly keys: readonly number[];
  readonly value: number;
  readonly time: number;
  readonly increase?: number;
}

function recordsOf(width: number, rows: readonly In[]): CubeRecords {
  const r = new CubeRecords(width, 2);
  for (const row of rows) {
    const i = r.appendBlank();
    row.keys.forEach((k, j) => (r.keys[i * width + j] = k));
    startWithSample(r.m, i, row.value, row.time);
    r.m.lastSum[i] = row.value;
    r.m.increase[i] = row.increase ?? Number.NaN;
  }
  return r;
}

/** Every record as `keys | count sum min max last@lastTime first@firstTime lastSum increase`. */
function dump(r: CubeRecords): string[] {
  return Array.from({ length: r.length }, (_, i) => {
    const k = [...r.keys.subarray(i * r.width, (i + 1) * r.width)].join(',');
    const m = r.m;
    return `${k} | ${m.count[i]} ${m.sum[i]} ${m.min[i]} ${m.max[i]} ${m.last[i]}@${m.lastTime[i]} ${m.first[i]}@${m.firstTime[i]} ${m.lastSum[i]} ${m.increase[i]}`;
  });
}

describe('sortAndMergeTail', () => {
  const cases: {
    name: string;
    width: number;
    rows: In[];
    start: number;
    fromLevel: number;
    end: number;
    want: string[];
  }[] = [
    { name: 'empty list', width: 2, rows: [], start: 0, fromLevel: 0, end: 0, want: [] },
    {
      name: 'sorts by every level, level 0 first',
      width: 2,
      rows: [
        { keys: [1, 0], value: 1, time: 1 },
        { keys: [0, 2], value: 2, time: 2 },
        { keys: [0, 1], value: 3, time: 3 },
      ],
      start: 0,
      fromLevel: 0,
      end: 3,
      want: ['0,1 | 1 3 3 3 3@3 3@3 3 NaN', '0,2 | 1 2 2 2 2@2 2@2 2 NaN', '1,0 | 1 1 1 1 1@1 1@1 1 NaN'],
    },
    {
      name: 'merges equal keys: counts, sums, lastSum and increase add; min, max, last, first by their rules',
      width: 2,
      rows: [
        { keys: [0, 5], value: 4, time: 10, increase: 1 },
        { keys: [0, 3], value: 9, time: 1 },
        { keys: [0, 5], value: 6, time: 10, increase: 2 },
        { keys: [0, 5], value: -1, time: 2, increase: 0.5 },
      ],
      start: 0,
      fromLevel: 0,
      end: 2,
      want: ['0,3 | 1 9 9 9 9@1 9@1 9 NaN', '0,5 | 3 9 -1 6 6@10 -1@2 9 3.5'],
    },
    {
      name: 'STAR (-1) sorts before every id',
      width: 2,
      rows: [
        { keys: [0, 0], value: 1, time: 1 },
        { keys: [0, STAR], value: 2, time: 1 },
      ],
      start: 0,
      fromLevel: 0,
      end: 2,
      want: ['0,-1 | 1 2 2 2 2@1 2@1 2 NaN', '0,0 | 1 1 1 1 1@1 1@1 1 NaN'],
    },
    {
      name: 'only the tail from `start` is touched',
      width: 2,
      rows: [
        { keys: [9, 9], value: 1, time: 1 },
        { keys: [0, 2], value: 2, time: 2 },
        { keys: [0, 1], value: 3, time: 3 },
        { keys: [0, 2], value: 4, time: 4 },
      ],
      start: 1,
      fromLevel: 0,
      end: 3,
      want: ['9,9 | 1 1 1 1 1@1 1@1 1 NaN', '0,1 | 1 3 3 3 3@3 3@3 3 NaN', '0,2 | 2 6 2 4 4@4 2@2 6 NaN'],
    },
    {
      name: 'levels before fromLevel are ignored (equal in the range by contract)',
      width: 3,
      rows: [
        { keys: [1, 7, 2], value: 1, time: 1 },
        { keys: [1, 7, 1], value: 2, time: 2 },
        { keys: [1, 7, 2], value: 3, time: 3 },
      ],
      start: 0,
      fromLevel: 2,
      end: 2,
      want: ['1,7,1 | 1 2 2 2 2@2 2@2 2 NaN', '1,7,2 | 2 4 1 3 3@3 1@1 4 NaN'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = recordsOf(c.width, c.rows);
      assert.equal(r.sortAndMergeTail(c.start, c.fromLevel), c.end);
      assert.equal(r.length, c.end);
      assert.ok(r.sketches.slice(c.end).every((s) => s === undefined)); // merged-away records hold no sketch
      assert.deepEqual(dump(r), c.want);
    });
  }

  it('merges the sketches of equal keys and keeps them per record', () => {
    const r = recordsOf(1, [
      { keys: [1], value: 1, time: 1 },
      { keys: [0], value: 2, time: 1 },
      { keys: [1], value: 3, time: 1 },
    ]);
    const q = (v: number): QuantileSketch => {
      const s = new QuantileSketch();
      s.add(v);
      return s;
    };
    r.sketches[0] = q(10);
    r.sketches[2] = q(30);
    r.sortAndMergeTail(0, 0);
    assert.equal(r.sketches[0], undefined);
    const merged = r.sketches[1] as QuantileSketch;
    assert.deepEqual([merged.count, merged.max], [2, 30]);
  });

  it('gives the same records as a map keyed by key, whatever the input order (property)', () => {
    const row = fc.record({
      keys: fc.tuple(fc.integer({ min: -1, max: 2 }), fc.integer({ min: -1, max: 2 })),
      value: fc.integer({ min: -50, max: 50 }),
      time: fc.integer({ min: 0, max: 5 }),
    });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 40 }), (rows) => {
        const r = recordsOf(2, rows);
        r.sortAndMergeTail(0, 0);
        const groups = new Map<string, { count: number; sum: number }>();
        for (const x of rows) {
          const g = groups.get(String(x.keys)) ?? { count: 0, sum: 0 };
          groups.set(String(x.keys), { count: g.count + 1, sum: g.sum + x.value });
        }
        const keys = [...groups.keys()].sort((a, b) => {
          const [a0, a1] = a.split(',').map(Number);
          const [b0, b1] = b.split(',').map(Number);
          return a0! - b0! || a1! - b1!;
        });
        assert.deepEqual(
          Array.from({ length: r.length }, (_, i) => [
            `${r.keys[2 * i]},${r.keys[2 * i + 1]}`,
            r.m.count[i],
            r.m.sum[i],
          ]),
          keys.map((k) => [k, groups.get(k)!.count, groups.get(k)!.sum]),
        );
      }),
      { numRuns: 100 },
    );
  });
});

describe('mergeInto and appends', () => {
  it('mergeInto folds one record into another of the same list', () => {
    const r = recordsOf(1, [
      { keys: [0], value: 5, time: 3, increase: 2 },
      { keys: [0], value: 7, time: 1, increase: 4 },
    ]);
    r.mergeInto(0, 1);
    assert.deepEqual(dump(r), ['0 | 2 12 5 7 5@3 7@1 12 6', '0 | 1 7 7 7 7@1 7@1 7 4']);
  });

  it('an increase of NaN (not a counter) stays NaN after a merge', () => {
    const r = recordsOf(1, [
      { keys: [0], value: 1, time: 1, increase: 3 },
      { keys: [0], value: 1, time: 2 },
    ]);
    r.mergeInto(0, 1);
    assert.ok(Number.isNaN(r.m.increase[0]));
  });

  it('appendCopy copies keys and measures and shares the sketch until a merge writes to it', () => {
    const from = recordsOf(2, [{ keys: [3, 4], value: 2, time: 8, increase: 1 }]);
    const s = new QuantileSketch();
    s.add(1);
    from.sketches[0] = s;
    const to = new CubeRecords(2, 1);
    const i = to.appendCopy(from, 0);
    assert.equal(to.appendCopy(from, 0), 1);
    assert.deepEqual(dump(to), ['3,4 | 1 2 2 2 2@8 2@8 2 1', '3,4 | 1 2 2 2 2@8 2@8 2 1']);
    assert.equal(to.sketches[i], s);
    to.mergeInto(i, 1);
    assert.notEqual(to.sketches[i], s);
    const count = (q: unknown): number => (q as QuantileSketch).count;
    assert.deepEqual([count(to.sketches[i]), s.count, count(to.sketches[1])], [2, 1, 1]);
  });

  it('a merge never writes to a sketch another record (or the caller) still holds', () => {
    const r = recordsOf(2, [
      { keys: [0, 1], value: 1, time: 1 },
      { keys: [0, 1], value: 2, time: 2 },
      { keys: [0, 2], value: 3, time: 3 },
    ]);
    const held = [5, 7, 9].map((v) => {
      const q = new QuantileSketch();
      q.add(v);
      return q;
    });
    held.forEach((q, i) => (r.sketches[i] = q));
    assert.equal(r.sortAndMergeTail(0, 0), 2);
    const star = r.appendInKeyOrder(r, [1, 0], Int32Array.from([0, STAR, 0, STAR]), 1);
    assert.equal(r.sortAndMergeTail(star, 1), star + 1);
    r.mergeInto(1, 0);
    assert.deepEqual(
      held.map((q) => q.count),
      [1, 1, 1],
    );
    assert.deepEqual(
      Array.from({ length: r.length }, (_, i) => (r.sketches[i] as QuantileSketch).count),
      [2, 3, 3],
    );
  });

  it('appendInKeyOrder copies rows with the keys given, in stable key order from fromLevel on', () => {
    const r = recordsOf(2, [
      { keys: [0, 7], value: 1, time: 1 },
      { keys: [0, 3], value: 2, time: 2 },
      { keys: [0, 5], value: 3, time: 3 },
    ]);
    // rows 2, 0, 1 with keys (0, 4), (0, 1), (0, 4): row 0 first, then rows 2 and 1 in the order given
    const first = r.appendInKeyOrder(r, [2, 0, 1], Int32Array.from([0, 4, 0, 1, 0, 4]), 1);
    assert.equal(first, 3);
    assert.deepEqual(dump(r).slice(3), [
      '0,1 | 1 1 1 1 1@1 1@1 1 NaN',
      '0,4 | 1 3 3 3 3@3 3@3 3 NaN',
      '0,4 | 1 2 2 2 2@2 2@2 2 NaN',
    ]);
    assert.equal(r.sortAndMergeTail(first, 1), 5);
    assert.deepEqual(dump(r).slice(3), ['0,1 | 1 1 1 1 1@1 1@1 1 NaN', '0,4 | 2 5 2 3 3@3 2@2 5 NaN']);
  });

  it('appendMergedInKeyOrder gives what appendInKeyOrder then sortAndMergeTail give, sketches too (property)', () => {
    const row = fc.record({
      keys: fc.tuple(fc.constant(0), fc.integer({ min: -1, max: 3 }), fc.integer({ min: -1, max: 3 })),
      value: fc.integer({ min: -50, max: 50 }),
      time: fc.integer({ min: 0, max: 5 }),
      increase: fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }),
    });
    const input = fc.record({
      rows: fc.array(row, { minLength: 1, maxLength: 60 }),
      picks: fc.array(fc.nat(), { maxLength: 300 }), // more than the first list holds: the appends must regrow it
      sketched: fc.array(fc.boolean(), { maxLength: 60 }),
      fromLevel: fc.integer({ min: 1, max: 2 }),
      starLevel: fc.integer({ min: 1, max: 2 }),
    });
    const sketchCounts = (r: CubeRecords): (number | undefined)[] =>
      Array.from({ length: r.length }, (_, i) => (r.sketches[i] as QuantileSketch | undefined)?.count);
    fc.assert(
      fc.property(input, ({ rows, picks, sketched, fromLevel, starLevel }) => {
        const make = (): CubeRecords => {
          const r = recordsOf(3, rows);
          rows.forEach((x, i) => {
            if (!sketched[i]) return;
            const q = new QuantileSketch();
            q.add(Math.abs(x.value));
            r.sketches[i] = q;
          });
          return r;
        };
        const chosen = picks.map((p) => p % rows.length);
        const keys = new Int32Array(chosen.length * 3);
        chosen.forEach((r, k) => {
          rows[r]!.keys.forEach((v, j) => (keys[k * 3 + j] = v));
          keys[k * 3 + starLevel] = STAR;
        });
        const want = make();
        want.appendInKeyOrder(want, chosen, keys, fromLevel);
        want.sortAndMergeTail(rows.length, fromLevel);
        const got = make();
        assert.equal(got.appendMergedInKeyOrder(got, chosen, keys, fromLevel), rows.length);
        assert.deepEqual(dump(got), dump(want));
        assert.deepEqual(sketchCounts(got), sketchCounts(want));
      }),
      { numRuns: 200 },
    );
  });

  it('appendMeasuresOf leaves zero keys; appendBlank zero keys and no sketch', () => {
    const from = recordsOf(2, [{ keys: [3, 4], value: 2, time: 8 }]);
    const to = new CubeRecords(2);
    to.appendMeasuresOf(from, 0);
    to.appendBlank();
    assert.deepEqual([...to.keys.subarray(0, 4)], [0, 0, 0, 0]);
    assert.equal(to.m.sum[0], 2);
    assert.equal(to.m.sum[1], 0);
    assert.equal(to.sketches[1], undefined);
  });

  it('appendCopyFromState: one series, so lastSum = last; increase as given', () => {
    const state = recordsOf(1, [
      { keys: [0], value: 1, time: 1 },
      { keys: [0], value: 6, time: 4 },
    ]).m;
    const r = new CubeRecords(1);
    r.appendCopyFromState(state, 1, 2.5);
    r.appendCopyFromState(state, 0);
    assert.deepEqual(dump(r), ['0 | 1 6 6 6 6@4 6@4 6 2.5', '0 | 1 1 1 1 1@1 1@1 1 NaN']);
  });

  it('grows from a capacity of one, keeping every measure column', () => {
    const r = new CubeRecords(3, 1);
    for (let i = 0; i < 100; i++) {
      const j = r.appendBlank();
      r.keys[j * 3 + 2] = i;
      for (const n of measureNames) r.m[n][j] = i;
    }
    assert.equal(r.length, 100);
    assert.deepEqual([r.keys[99 * 3 + 2], r.m.increase[99], r.m.count[50], r.keys[0 * 3 + 2]], [99, 99, 50, 0]);
  });
});

it('names the record measures: the sample measures, then lastSum and increase', () => {
  assert.deepEqual(
    [...measureNames],
    ['count', 'sum', 'min', 'max', 'last', 'lastTime', 'first', 'firstTime', 'lastSum', 'increase'],
  );
});

describe('blank lists read in part', () => {
  it('hold only the window of records covered, and keep what they hold when the window grows', () => {
    const records = CubeRecords.blank(2, 1_000_000);
    assert.equal(records.length, 1_000_000);
    records.cover(500_000, 500_003);
    assert.equal(records.first, 500_000);
    assert.equal(records.keys.length, 3 * 2); // three records held, not a million
    const sketch = new QuantileSketch();
    sketch.add(7);
    records.keys[1 * 2 + 1] = 42; // record 500,001
    records.m.sum[1] = 2.5;
    records.sketches[1] = sketch;
    records.cover(500_001, 500_002); // already held: nothing moves
    assert.equal(records.first, 500_000);
    records.cover(499_990, 500_010);
    assert.equal(records.first, 499_990);
    assert.equal(records.keys.length, 20 * 2);
    const at = 500_001 - records.first;
    assert.equal(records.keys[at * 2 + 1], 42);
    assert.equal(records.m.sum[at], 2.5);
    assert.equal(records.sketches[at], sketch);
    assert.equal(records.m.sum[0], 0); // new records start zeroed
    assert.equal(records.sketches[0], undefined);
    records.cover(999_990, 2_000_000); // clipped to the list's records
    assert.equal(records.first + records.keys.length / 2, 1_000_000);
    assert.equal(records.m.sum[500_001 - records.first], 2.5);
  });
});
