import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HyperLogLog } from '../../../src/measures/hyperloglog.js';
import {
  cloneSketch,
  distinctSketchOf,
  mergeSketches,
  mixedSketch,
  quantileSketchesOf,
  sketchBytes,
  sketchFromBytes,
  type MeasureSketch,
} from '../../../src/measures/measure-sketch.js';
import { QuantileSketch } from '../../../src/measures/quantile-sketch.js';

function quantiles(...values: number[]): QuantileSketch {
  const q = new QuantileSketch();
  for (const v of values) q.add(v);
  return q;
}

function distinct(...items: string[]): HyperLogLog {
  const h = new HyperLogLog();
  for (const s of items) h.addString(s);
  return h;
}

/** What a sketch answers, by kind: count and max for quantiles, the estimate for distinct counts. */
function summary(s: MeasureSketch | undefined): string {
  if (s === undefined) return 'none';
  if (s === mixedSketch) return 'mixed';
  if (s instanceof QuantileSketch) return `quantiles n=${s.count} max=${s.max}`;
  return `distinct ~${s.estimate()}`;
}

describe('mergeSketches', () => {
  const cases: {
    name: string;
    a: () => MeasureSketch | undefined;
    b: () => MeasureSketch | undefined;
    want: string;
  }[] = [
    { name: 'neither side', a: () => undefined, b: () => undefined, want: 'none' },
    { name: 'only the left side', a: () => quantiles(1, 2), b: () => undefined, want: 'quantiles n=2 max=2' },
    { name: 'only the right side', a: () => undefined, b: () => quantiles(3), want: 'quantiles n=1 max=3' },
    { name: 'two quantile sketches', a: () => quantiles(1, 2), b: () => quantiles(9), want: 'quantiles n=3 max=9' },
    {
      name: 'two distinct-count sketches',
      a: () => distinct('x', 'y'),
      b: () => distinct('y', 'z'),
      want: 'distinct ~3',
    },
    { name: 'different kinds: mixed', a: () => quantiles(1), b: () => distinct('x'), want: 'mixed' },
    { name: 'different kinds the other way: mixed', a: () => distinct('x'), b: () => quantiles(1), want: 'mixed' },
    { name: 'mixed on the left stays mixed', a: () => mixedSketch, b: () => quantiles(1), want: 'mixed' },
    { name: 'mixed on the right makes mixed', a: () => distinct('x'), b: () => mixedSketch, want: 'mixed' },
    { name: 'mixed with nothing stays mixed', a: () => mixedSketch, b: () => undefined, want: 'mixed' },
    { name: 'nothing with mixed is mixed', a: () => undefined, b: () => mixedSketch, want: 'mixed' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(summary(mergeSketches(c.a(), c.b())), c.want));

  it('folds into the left sketch, and copies a lone right sketch (never shares it)', () => {
    const a = quantiles(1);
    assert.equal(mergeSketches(a, quantiles(2)), a);
    const b = quantiles(5);
    const merged = mergeSketches(undefined, b)!;
    assert.notEqual(merged, b);
    (merged as QuantileSketch).add(100);
    assert.equal(b.count, 1);
  });
});

describe('bytes', () => {
  it('sketchFromBytes tells the kinds apart from their bytes', () => {
    const q = sketchFromBytes(quantiles(4, 8, 15).toBytes());
    assert.ok(q instanceof QuantileSketch);
    assert.equal(summary(q), 'quantiles n=3 max=15');
    const h = sketchFromBytes(distinct('a', 'b', 'c', 'd').toBytes());
    assert.ok(h instanceof HyperLogLog);
    assert.equal(summary(h), 'distinct ~4');
  });

  it('sketchBytes: null for no sketch and for a mixed one, the sketch bytes otherwise', () => {
    assert.equal(sketchBytes(undefined), null);
    assert.equal(sketchBytes(mixedSketch), null);
    const q = quantiles(2);
    assert.deepEqual(sketchBytes(q), q.toBytes());
  });

  it('cloneSketch copies (independent state) but keeps the one mixed marker', () => {
    assert.equal(cloneSketch(mixedSketch), mixedSketch);
    const h = distinct('a');
    const c = cloneSketch(h) as HyperLogLog;
    c.addString('b');
    assert.deepEqual([h.estimate(), c.estimate()], [1, 2]);
  });

  it('the mixed marker cannot be changed', () => {
    assert.ok(Object.isFrozen(mixedSketch));
  });
});

describe('sketches from samples', () => {
  it('quantileSketchesOf: one sketch per wanted group, built from that group only', () => {
    const samples = { group: Int32Array.of(0, 1, 0, 2, 2), value: Float64Array.of(3, 50, 7, 1, 2) };
    const out = quantileSketchesOf(4, samples, Uint8Array.of(1, 0, 1, 1));
    assert.deepEqual(Array.from(out, summary), ['quantiles n=2 max=7', 'none', 'quantiles n=2 max=2', 'none']);
  });

  it("quantileSketchesOf with each group's range: the same sketch bytes as without (the range only sizes bins)", () => {
    const samples = { group: Int32Array.of(0, 1, 0, 1, 1, 2), value: Float64Array.of(3, 0.001, 7e5, 9e8, 0, 4) };
    const want = Uint8Array.of(1, 1, 1);
    const range = { min: Float64Array.of(3, 0, 2), max: Float64Array.of(7e5, 9e8, Number.NaN) }; // group 2: no max
    const bytes = (xs: (MeasureSketch | undefined)[]): (Uint8Array | null)[] => xs.map((x) => sketchBytes(x));
    assert.deepEqual(bytes(quantileSketchesOf(3, samples, want, range)), bytes(quantileSketchesOf(3, samples, want)));
  });

  it('distinctSketchOf: equal value combinations count once, different ones (nulls included) apart', () => {
    const merged = mergeSketches(distinctSketchOf(['t1', '0']), distinctSketchOf(['t1', '0']));
    assert.equal(summary(merged), 'distinct ~1');
    const three = [
      distinctSketchOf(['t1', '1']),
      distinctSketchOf(['t1', null]),
      distinctSketchOf([null, 't1']),
    ].reduce<MeasureSketch | undefined>((a, b) => mergeSketches(a, b), undefined);
    assert.equal(summary(mergeSketches(three, distinctSketchOf(['t1', '0']))), 'distinct ~4');
    // the combination is not the concatenation: ['a', 'bc'] and ['ab', 'c'] differ
    assert.equal(summary(mergeSketches(distinctSketchOf(['a', 'bc']), distinctSketchOf(['ab', 'c']))), 'distinct ~2');
  });
});
