import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { createQuantileSketch, QuantileSketch } from '../../../src/measures/quantile-sketch.js';

const quantiles = [0.5, 0.9, 0.95, 0.99];

/** Deterministic uniform numbers in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n lognormal latencies in ms (median e^mu, shape sigma), seeded. */
function lognormal(n: number, seed: number, mu = 3, sigma = 1.2): number[] {
  const next = random(seed);
  return Array.from({ length: n }, () =>
    Math.exp(mu + sigma * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next())),
  );
}

/** The exact value DDSketch estimates at quantile q: index floor(q * (n - 1)) of the sorted samples. */
function exactAt(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

/** A sketch of the given values. */
function sketchOf(values: readonly number[]): QuantileSketch {
  const s = createQuantileSketch();
  for (const v of values) s.add(v);
  return s;
}

/** A deep copy (merge mutates its receiver). */
function copy(s: QuantileSketch): QuantileSketch {
  return QuantileSketch.fromBytes(s.toBytes());
}

/** Asserts |estimate - exact| <= 1% of exact (plus float rounding). */
function assertWithinOnePercent(estimate: number, exact: number, what: string): void {
  assert.ok(Math.abs(estimate - exact) <= 0.01 * exact * (1 + 1e-9), `${what}: estimate ${estimate} exact ${exact}`);
}

it('estimates p50/p90/p95/p99 of lognormal samples within 1% of the value at rank floor(q * (n - 1)), max exact', () => {
  for (const [n, seed] of [
    [1, 1],
    [2, 2],
    [60, 3],
    [61, 4],
    [1000, 5],
    [100_000, 6],
    [300_000, 7],
  ] as const) {
    for (const sigma of [0.3, 1.2, 2.5]) {
      const values = lognormal(n, seed, 3, sigma);
      const s = sketchOf(values);
      const sorted = [...values].sort((a, b) => a - b);
      for (const q of quantiles)
        assertWithinOnePercent(s.quantile(q), exactAt(sorted, q), `n ${n} sigma ${sigma} q ${q}`);
      assertWithinOnePercent(s.quantile(0), sorted[0]!, `n ${n} min`);
      assert.equal(s.max, sorted[n - 1]);
      assert.equal(s.quantile(1), sorted[n - 1]);
      assert.equal(s.count, n);
    }
  }
});

it('given the exact min, never answers below it: exactly min at the first rank, max at the last', () => {
  const two = createQuantileSketch();
  two.add(1);
  two.add(100);
  assert.ok(two.quantile(0.5) < 1, 'the estimate alone can fall below the smallest sample'); // 0.99...
  for (const q of [0, 0.5, 0.9, 0.95, 0.99]) assert.equal(two.quantile(q, 1), 1, `p${q * 100} of {1, 100}`);
  assert.equal(two.quantile(1, 1), 100);
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (values, q) => {
        const sketch = createQuantileSketch();
        for (const v of values) sketch.add(v);
        const min = Math.min(...values);
        const value = sketch.quantile(q, min);
        assert.ok(value >= min && value <= Math.max(...values), `${value} outside [${min}, ${Math.max(...values)}]`);
      },
    ),
  );
});

it('merges associatively and commutatively: identical bytes and quantiles, equal to one sketch of everything', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(
          fc.oneof(fc.double({ min: 1e-3, max: 1e6, noNaN: true }), fc.constantFrom(0, 0.5, 0.98, 0.99, 1, 1.01, 1000)),
          fc.nat(2),
        ),
        { maxLength: 400, size: 'max' },
      ),
      (items) => {
        const parts: number[][] = [[], [], []];
        for (const [v, part] of items) parts[part]!.push(v);
        const [a, b, c] = parts.map(sketchOf);
        const left = copy(a!).merge(copy(b!)).merge(copy(c!));
        const right = copy(a!).merge(copy(b!).merge(copy(c!)));
        const whole = sketchOf(items.map(([v]) => v));
        assert.deepEqual(left.toBytes(), right.toBytes());
        assert.deepEqual(left.toBytes(), whole.toBytes());
        assert.deepEqual(copy(a!).merge(b!).toBytes(), copy(b!).merge(a!).toBytes());
        for (const q of [0, ...quantiles, 1]) {
          assert.equal(left.quantile(q), right.quantile(q));
          assert.equal(left.quantile(q), whole.quantile(q));
        }
        assert.equal(left.count, items.length);
        if (items.length > 0) assert.equal(left.max, Math.max(...items.map(([v]) => v)));
      },
    ),
    { numRuns: 200 },
  );
});

it('merges by bytes exactly as by sketch, and leaves the target unchanged on corrupt bytes', () => {
  const a = sketchOf(lognormal(500, 11));
  const b = sketchOf(lognormal(300, 12));
  assert.deepEqual(copy(a).mergeBytes(b.toBytes()).toBytes(), copy(a).merge(b).toBytes());
  const target = copy(a);
  const bytes = b.toBytes();
  assert.throws(() => target.mergeBytes(bytes.subarray(0, bytes.length - 3)), /^Error: quantile-sketch bytes/);
  assert.deepEqual(target.toBytes(), a.toBytes());
});

it('keeps a merged bin at key 0 (1 ms) that the package DenseStore.merge drops after re-centring', () => {
  // With the package's own merge, [0.2, 0.19] + [0.21, 1.0] then add(0.0005) loses the 1.0 ms value
  // (bins sum to 4 of count 5, p100 0.208): `secondKey || key` treats key 0 as absent when extending the range.
  const merged = sketchOf([0.2, 0.19]).merge(sketchOf([0.21, 1.0]));
  merged.add(0.0005);
  assert.deepEqual(merged.toBytes(), sketchOf([0.2, 0.19, 0.21, 1.0, 0.0005]).toBytes());
  assert.equal(merged.quantile(1), 1.0);
  assertWithinOnePercent(merged.quantile(0.75), 0.21, 'p75');
});

it('round-trips bytes: same bytes, quantiles, max and count; empty is 5 bytes', () => {
  for (const n of [0, 1, 60, 10_000]) {
    const s = sketchOf(lognormal(n, 20 + n));
    const bytes = s.toBytes();
    const back = QuantileSketch.fromBytes(bytes);
    assert.deepEqual(back.toBytes(), bytes);
    assert.equal(back.count, n);
    assert.ok(Object.is(back.max, s.max));
    for (const q of [0, ...quantiles, 1]) assert.ok(Object.is(back.quantile(q), s.quantile(q)));
  }
  assert.deepEqual([...createQuantileSketch().toBytes()], [0x51, 1, 100, 0, 0]);
});

it('counts 0 ms in the zero bucket and rejects negative or non-finite latencies', () => {
  const s = sketchOf([0, 0, 0, 5]);
  assert.equal(s.quantile(0.5), 0);
  assert.equal(s.max, 5);
  assert.equal(QuantileSketch.fromBytes(s.toBytes()).quantile(0.5), 0);
  assert.throws(() => s.add(-1), /^Error: quantile-sketch value -1 is not a finite latency >= 0$/);
  assert.throws(() => s.add(NaN), /quantile-sketch value NaN is not a finite latency >= 0/);
  assert.throws(() => s.add(Infinity), /quantile-sketch value Infinity is not a finite latency >= 0/);
  assert.throws(() => s.quantile(1.5), /quantile-sketch quantile 1.5 outside \[0, 1\]/);
  assert.ok(Number.isNaN(createQuantileSketch().quantile(0.5)));
  assert.ok(Number.isNaN(createQuantileSketch().max));
});

it('the max of 0 and -0 is +0 in whatever order they come, added, merged or merged as bytes', () => {
  const hex = (q: QuantileSketch): string => Buffer.from(q.toBytes()).toString('hex');
  const want = hex(sketchOf([0, 0]));
  for (const values of [
    [-0, 0],
    [0, -0],
  ]) {
    assert.equal(hex(sketchOf(values)), want, `added ${values.map((v) => (Object.is(v, -0) ? '-0' : '0'))}`);
    const [a, b] = values.map((v) => sketchOf([v]));
    assert.equal(hex(a!.clone().merge(b!)), want, 'merged');
    assert.equal(hex(a!.clone().mergeBytes(b!.toBytes())), want, 'merged as bytes');
    assert.ok(Object.is(sketchOf(values).max, 0));
  }
  assert.ok(Object.is(sketchOf([-0]).max, -0), 'a lone -0 stays as it came');
});

it('refuses to merge sketches of different accuracy and bytes of another format', () => {
  assert.throws(
    () => createQuantileSketch().merge(new QuantileSketch(0.02)),
    /quantile-sketch merge relative accuracy 0.01 != 0.02/,
  );
  assert.throws(
    () => QuantileSketch.fromBytes(Uint8Array.of(2, 1, 7, 12)),
    /quantile-sketch bytes tag 2 version 1, expected 81 version 1/,
  );
  assert.throws(
    () => new QuantileSketch(0.00123),
    /quantile-sketch relative accuracy 0.00123 is not a whole number of basis points/,
  );
});

it('clones into an independent sketch with the bytes, quantiles and later merges of a byte round trip', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constant(0), fc.double({ min: 1e-3, max: 1e9, noNaN: true })), { maxLength: 80 }),
      fc.array(fc.double({ min: 1e-6, max: 1e12, noNaN: true }), { maxLength: 80 }),
      (values, more) => {
        const s = sketchOf(values);
        const c = s.clone();
        assert.deepEqual(c.toBytes(), s.toBytes());
        assert.deepEqual(c.toBytes(), copy(s).toBytes());
        assert.equal(c.count, s.count);
        const before = s.toBytes();
        const extra = sketchOf(more);
        assert.deepEqual(c.merge(extra).toBytes(), copy(s).merge(extra).toBytes());
        for (const v of more) c.add(v);
        assert.deepEqual(s.toBytes(), before, 'the original is unchanged by merges into and adds to its clone');
        if (s.count > 0) assert.equal(s.clone().quantile(0.5), s.quantile(0.5));
      },
    ),
    { seed: 13, numRuns: 200 },
  );
});

it('merges ranges that widen the target on either side or both (bins re-centred once) like merging bin by bin', () => {
  // the target's bins grow to the left, the right and both ways; each result equals the merge of the bytes
  const cases: [number[], number[]][] = [
    [
      [50, 60],
      [0.001, 0.002],
    ],
    [[0.001], [1e6, 2e9]],
    [[10], [0.0001, 1e10]],
    [[], [1, 2, 3]],
    [[1, 2, 3], []],
    [
      [0, 0],
      [0, 1e-300, 5],
    ],
  ];
  for (const [a, b] of cases) {
    const byBytes = sketchOf(a).mergeBytes(sketchOf(b).toBytes());
    const merged = sketchOf(a).merge(sketchOf(b));
    assert.deepEqual(merged.toBytes(), byBytes.toBytes(), `${a} + ${b}`);
    assert.equal(merged.count, a.length + b.length);
    assert.deepEqual(merged.toBytes(), sketchOf([...a, ...b]).toBytes(), `${a} + ${b} as one sketch`);
  }
});

it('reserve sizes the bins only: bytes, quantiles and merges are those of the same sketch without it', () => {
  const hint = fc.oneof(
    fc.constant(0),
    fc.constant(Number.NaN),
    fc.constant(Infinity),
    fc.double({ min: 1e-3, max: 1e7 }),
  );
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constant(0), fc.double({ min: 1e-2, max: 1e6, noNaN: true })), { maxLength: 60 }),
      fc.boolean(),
      hint,
      hint,
      (values, exact, a, b) => {
        // the hint is the values' own range (what kindMeasures passes) or any pair, even a wrong one
        const min = exact && values.length > 0 ? Math.min(...values) : a;
        const max = exact && values.length > 0 ? Math.max(...values) : b;
        const reserved = new QuantileSketch().reserve(min, max);
        for (const v of values) reserved.add(v);
        const plain = sketchOf(values);
        assert.deepEqual(reserved.toBytes(), plain.toBytes());
        assert.equal(reserved.count, plain.count);
        if (plain.count > 0) for (const q of quantiles) assert.equal(reserved.quantile(q), plain.quantile(q));
        const other = sketchOf([0.5, 3, 7e4]);
        assert.deepEqual(copy(other).merge(reserved).toBytes(), copy(other).merge(plain).toBytes());
        assert.deepEqual(reserved.clone().merge(other).toBytes(), copy(plain).merge(other).toBytes());
      },
    ),
    { seed: 21, numRuns: 150 },
  );
});
