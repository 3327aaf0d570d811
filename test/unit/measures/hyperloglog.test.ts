import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { HyperLogLog, murmurHash3x64 } from '../../../src/measures/hyperloglog.js';

const standardError = 1.04 / Math.sqrt(4096);
const item = new Uint8Array(8);
const itemView = new DataView(item.buffer);

/** Adds integer i as its 8-byte little-endian form (the bytes DataSketches' update(long) hashes). */
function addInt(sketch: HyperLogLog, i: number): void {
  itemView.setUint32(0, i >>> 0, true);
  itemView.setUint32(4, Math.floor(i / 2 ** 32), true);
  sketch.addBytes(item, 0, 8);
}

/** A sketch of the given integers at precision p. */
function sketchOf(values: readonly number[], p = 12): HyperLogLog {
  const s = new HyperLogLog(p);
  for (const v of values) addInt(s, v);
  return s;
}

/** A deep copy (merge mutates its receiver). */
function copy(s: HyperLogLog): HyperLogLog {
  return HyperLogLog.fromBytes(s.toBytes());
}

/** DataSketches' coupon for the given bytes, computed with BigInt from the 128-bit hash. */
function referenceCoupon(bytes: Uint8Array): number {
  const [h0, h1] = murmurHash3x64(bytes);
  let lz = 0;
  while (lz < 64 && ((h1 >> BigInt(63 - lz)) & 1n) === 0n) lz++;
  return (Math.min(lz, 62) + 1) * 2 ** 26 + Number(h0 & 0x3ffffffn);
}

it('hashes with MurmurHash3_x64_128 seed 9001 exactly as the reference C implementation (mmh3)', () => {
  const vectors: [string, bigint, bigint][] = [
    ['', 2193432386669714361n, 6960091888636423060n],
    ['61', 17726747621663146543n, 14204157431899926782n],
    ['74656c656d65747279', 5792825917982561109n, 851608035600386620n],
    [
      '54686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f67',
      3415941678852063011n,
      9946815159268939100n,
    ],
    ['000102030405060708090a0b0c0d0e0f10111213', 3913679418796631330n, 4260238497453607653n],
  ];
  for (const [hex, h0, h1] of vectors) {
    assert.deepEqual(murmurHash3x64(Uint8Array.from(Buffer.from(hex, 'hex'))), [h0, h1], hex);
  }
});

it('estimates within 3 standard errors of the exact count for 0 to 10 million distinct items', () => {
  for (const n of [0, 1, 10, 1000, 100_000, 1_000_000, 10_000_000]) {
    const s = new HyperLogLog();
    for (let i = 0; i < n; i++) addInt(s, i);
    const estimate = s.estimate();
    assert.ok(Math.abs(estimate - n) <= 3 * standardError * n, `n ${n} estimate ${estimate}`);
  }
});

it('estimates strings within 3 standard errors and counts duplicates once', () => {
  const s = new HyperLogLog();
  for (let round = 0; round < 3; round++)
    for (let i = 0; i < 100_000; i++) s.addString(`tenant-${i % 977}/partition-${i}`);
  assert.ok(Math.abs(s.estimate() - 100_000) <= 3 * standardError * 100_000, `estimate ${s.estimate()}`);
});

it('is exact while sparse (up to 384 coupons at p = 12)', () => {
  for (const n of [1, 7, 8, 100, 384]) assert.equal(sketchOf(Array.from({ length: n }, (_, i) => i)).estimate(), n);
});

it('merges associatively and commutatively: same bytes and estimate in any grouping, equal to one sketch of everything', () => {
  const modes = new Set<number>(); // preInts seen: 2 LIST, 3 SET, 10 HLL
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(3000), fc.nat(2)), { maxLength: 1500, size: 'max' }), (items) => {
      const parts: number[][] = [[], [], []];
      for (const [v, part] of items) parts[part]!.push(v);
      const [a, b, c] = parts.map((values) => sketchOf(values));
      const left = copy(a!).merge(copy(b!)).merge(copy(c!));
      const right = copy(a!).merge(copy(b!).merge(copy(c!)));
      const whole = sketchOf(items.map(([v]) => v));
      assert.deepEqual(left.toBytes(), right.toBytes());
      assert.deepEqual(left.toBytes(), whole.toBytes());
      assert.equal(left.estimate(), right.estimate());
      assert.deepEqual(copy(a!).merge(b!).toBytes(), copy(b!).merge(a!).toBytes());
      for (const s of [a!, b!, c!, left]) modes.add(s.toBytes()[0]!);
    }),
    { numRuns: 150 },
  );
  assert.deepEqual(
    [...modes].sort((x, y) => x - y),
    [2, 3, 10],
  );
});

it('merges sketches of different precisions into the smallest, in any order', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(5000), fc.nat(2)), { maxLength: 2000, size: 'max' }),
      fc.tuple(fc.integer({ min: 4, max: 14 }), fc.integer({ min: 4, max: 14 }), fc.integer({ min: 4, max: 14 })),
      (items, ps) => {
        const parts: number[][] = [[], [], []];
        for (const [v, part] of items) parts[part]!.push(v);
        const [a, b, c] = parts.map((values, i) => sketchOf(values, ps[i]));
        const left = copy(a!).merge(copy(b!)).merge(copy(c!));
        const right = copy(c!).merge(copy(a!).merge(copy(b!)));
        const whole = sketchOf(
          items.map(([v]) => v),
          Math.min(...ps),
        );
        assert.equal(left.p, Math.min(...ps));
        assert.deepEqual(left.toBytes(), right.toBytes());
        assert.deepEqual(left.toBytes(), whole.toBytes());
      },
    ),
    { numRuns: 150 },
  );
});

it('round-trips bytes in every mode (empty, LIST, SET, HLL)', () => {
  for (const n of [0, 1, 7, 8, 200, 384, 385, 100_000]) {
    const s = sketchOf(Array.from({ length: n }, (_, i) => i * 7919));
    const bytes = s.toBytes();
    const back = HyperLogLog.fromBytes(bytes);
    assert.deepEqual(back.toBytes(), bytes, `n ${n}`);
    assert.equal(back.estimate(), s.estimate());
    assert.equal(back.p, 12);
  }
});

it('writes DataSketches HLL_8 LIST bytes: empty is 8 bytes, one value 12 bytes with its coupon', () => {
  assert.deepEqual([...new HyperLogLog().toBytes()], [2, 1, 7, 12, 3, 4 | 8, 0, 8]);
  const s = new HyperLogLog();
  s.addString('partition-17');
  const bytes = s.toBytes();
  const view = new DataView(bytes.buffer);
  // preInts 2, serVer 1, family 7 (HLL), lgK 12, lgArr 3, flags COMPACT, list count 1, mode byte HLL_8 << 2 | LIST
  assert.deepEqual([...bytes.subarray(0, 8)], [2, 1, 7, 12, 3, 8, 1, 8]);
  assert.equal(bytes.length, 12);
  assert.equal(view.getUint32(8, true), referenceCoupon(new TextEncoder().encode('partition-17')));
});

it('writes DataSketches HLL_8 SET bytes from 8 coupons on: count at byte 8, sorted coupons from byte 12', () => {
  for (const [n, lgArr] of [
    [8, 5],
    [24, 5],
    [25, 6],
    [200, 9],
    [384, 9],
  ] as const) {
    const bytes = sketchOf(Array.from({ length: n }, (_, i) => i)).toBytes();
    const view = new DataView(bytes.buffer);
    // preInts 3, serVer 1, family 7, lgK 12, lgArr as DataSketches grows it, flags COMPACT | OUT_OF_ORDER, unused,
    // HLL_8 << 2 | SET
    assert.deepEqual([...bytes.subarray(0, 8)], [3, 1, 7, 12, lgArr, 8 | 16, 0, 9], `n ${n}`);
    assert.equal(view.getInt32(8, true), n);
    assert.equal(bytes.length, 12 + 4 * n);
    const coupons = Array.from({ length: n }, (_, i) => view.getUint32(12 + 4 * i, true));
    assert.deepEqual(
      coupons,
      [...coupons].sort((x, y) => x - y),
    );
    const expected = Array.from({ length: n }, (_, i) => {
      itemView.setUint32(0, i, true);
      itemView.setUint32(4, 0, true);
      return referenceCoupon(item);
    }).sort((x, y) => x - y);
    assert.deepEqual(coupons, expected);
  }
});

it('writes DataSketches HLL_8 HLL bytes: 40-byte preamble with KxQ sums and zero count, then one register per slot', () => {
  const values = Array.from({ length: 3000 }, (_, i) => i);
  const s = sketchOf(values);
  const bytes = s.toBytes();
  const view = new DataView(bytes.buffer);
  // preInts 10, serVer 1, family 7, lgK 12, lgArr 0, flags COMPACT | OUT_OF_ORDER, curMin 0, HLL_8 << 2 | HLL
  assert.deepEqual([...bytes.subarray(0, 8)], [10, 1, 7, 12, 0, 8 | 16, 0, 10]);
  assert.equal(bytes.length, 40 + 4096);
  const registers = new Uint8Array(4096);
  for (const v of values) {
    itemView.setUint32(0, v, true);
    itemView.setUint32(4, 0, true);
    const c = referenceCoupon(item);
    const slot = c % 4096;
    registers[slot] = Math.max(registers[slot]!, Math.floor(c / 2 ** 26));
  }
  assert.deepEqual(bytes.subarray(40), registers);
  const kxq0 = registers.reduce((sum, v) => sum + (v < 32 ? 2 ** -v : 0), 0);
  const kxq1 = registers.reduce((sum, v) => sum + (v >= 32 ? 2 ** -v : 0), 0);
  assert.equal(view.getFloat64(8, true), s.estimate()); // HIP slot (ignored by readers: out-of-order)
  assert.ok(Math.abs(view.getFloat64(16, true) - kxq0) < 1e-9);
  assert.equal(view.getFloat64(24, true), kxq1);
  assert.equal(view.getInt32(32, true), registers.filter((v) => v === 0).length); // numAtCurMin, curMin 0
  assert.equal(view.getInt32(36, true), 0); // aux count
});

it('reads updatable (non-compact) DataSketches LIST bytes with empty slots', () => {
  const s = sketchOf([1, 2, 3]);
  const compact = s.toBytes();
  const updatable = new Uint8Array(8 + 4 * 8);
  updatable.set(compact.subarray(0, 8));
  updatable[5] = 0; // no COMPACT flag: the whole 2^lgArr array follows
  updatable.set(compact.subarray(8, 12), 8 + 4 * 5);
  updatable.set(compact.subarray(12, 20), 8 + 4 * 1);
  assert.deepEqual(HyperLogLog.fromBytes(updatable).toBytes(), compact);
});

it('rejects bytes that are not an HLL_8 sketch, with the stage and values in the message', () => {
  assert.throws(
    () => HyperLogLog.fromBytes(new Uint8Array(4)),
    /^Error: hyperloglog bytes length 4 shorter than the 8-byte preamble$/,
  );
  assert.throws(
    () => HyperLogLog.fromBytes(Uint8Array.from([2, 1, 3, 12, 3, 8, 0, 8])),
    /hyperloglog bytes serVer 1 family 3, expected serVer 1 family 7/,
  );
  const hll4 = sketchOf(Array.from({ length: 1000 }, (_, i) => i)).toBytes();
  hll4[7] = 2; // HLL_4 << 2 | HLL
  assert.throws(() => HyperLogLog.fromBytes(hll4), /hyperloglog bytes target type HLL_4 unsupported, only HLL_8/);
  const truncated = sketchOf(Array.from({ length: 1000 }, (_, i) => i))
    .toBytes()
    .subarray(0, 100);
  assert.throws(
    () => HyperLogLog.fromBytes(truncated),
    /^Error: hyperloglog bytes length 100 shorter than 4136 for lgK 12$/,
  );
  assert.throws(() => new HyperLogLog(22), /hyperloglog precision 22 outside 4..21/);
});

it('ignores empty items like DataSketches and hashes non-ASCII strings by their UTF-8 bytes', () => {
  const s = new HyperLogLog();
  s.addString('');
  s.addBytes(new Uint8Array(0));
  assert.equal(s.estimate(), 0);
  const viaString = new HyperLogLog();
  viaString.addString('Zürich-分区-🚀');
  const viaBytes = new HyperLogLog();
  viaBytes.addBytes(new TextEncoder().encode('Zürich-分区-🚀'));
  assert.deepEqual(viaString.toBytes(), viaBytes.toBytes());
});

it('keeps coupons with the top bit set (register values >= 32) distinct and deduplicated through bytes', () => {
  const s = new HyperLogLog();
  s.addHash(5, 0); // no leading one in 38 bits: value 39, coupon >= 2^31
  s.addHash(6, 1);
  const back = HyperLogLog.fromBytes(s.toBytes()).merge(s);
  assert.equal(back.estimate(), 2);
  assert.deepEqual(back.toBytes(), s.toBytes());
  assert.equal(new DataView(s.toBytes().buffer).getUint32(12, true), 39 * 2 ** 26 + 5);
});

it('adds precomputed 64-bit hashes', () => {
  const s = new HyperLogLog();
  for (let i = 0; i < 200_000; i++) {
    const [h0, h1] = murmurHash3x64(Uint8Array.of(i & 255, (i >> 8) & 255, i >> 16));
    s.addHash(Number(h0 & 0xffffffffn), Number(h1 >> 32n));
  }
  assert.ok(Math.abs(s.estimate() - 200_000) <= 3 * standardError * 200_000, `estimate ${s.estimate()}`);
});

it('clones into an independent sketch with the bytes and later merges of a byte round trip, in every mode', () => {
  for (const [n, p] of [
    [0, 12],
    [3, 12],
    [7, 12],
    [8, 12],
    [200, 12],
    [5000, 12],
    [9, 4],
  ] as const) {
    const s = sketchOf(
      Array.from({ length: n }, (_, i) => i * 7919),
      p,
    );
    const c = s.clone();
    assert.deepEqual(c.toBytes(), s.toBytes(), `${n} items at p ${p}`);
    const extra = sketchOf(Array.from({ length: 300 }, (_, i) => 1e6 + i));
    const before = s.toBytes();
    assert.deepEqual(c.merge(extra).toBytes(), copy(s).merge(extra).toBytes(), `${n} items at p ${p}, merged`);
    assert.deepEqual(s.toBytes(), before, 'the original is unchanged by merges into its clone');
  }
});
