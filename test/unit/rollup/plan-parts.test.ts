import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildBytesPerGroup, maxParts, planParts, planUnits } from '../../../src/rollup/plan-parts.js';

describe('planParts', () => {
  const mib = 1024 ** 2;
  // a part may hold three quarters of a quarter of the budget: 64 MiB -> 12 MiB -> 3,072 groups of 4 KiB
  const perPart = (64 * mib * 3) / 16 / buildBytesPerGroup;
  const cases: { name: string; sizes: number[]; bytesPerUnit?: number; memory?: number; want: number }[] = [
    { name: 'no piece', sizes: [], want: 1 },
    { name: 'a small segment', sizes: [100, 200], want: 1 },
    { name: 'just fits', sizes: [perPart / 2, perPart / 2], want: 1 },
    { name: 'one group more: two parts', sizes: [perPart / 2, perPart / 2 + 1], want: 2 },
    { name: 'a hot key', sizes: [40_000, 40_000, 20_000], want: Math.ceil(100_000 / perPart) },
    {
      name: 'the order and grouping of sizes do not matter',
      sizes: [20_000, 80_000],
      want: Math.ceil(100_000 / perPart),
    },
    { name: 'a larger budget', sizes: [100_000], memory: 1024 * mib, want: 3 },
    { name: 'day records of 600 bytes', sizes: [50_000, 50_000], bytesPerUnit: 600, want: 5 },
    { name: 'capped', sizes: [1e12], want: maxParts },
  ];
  for (const c of cases)
    it(c.name, () =>
      assert.equal(planParts(c.sizes, c.bytesPerUnit ?? buildBytesPerGroup, c.memory ?? 64 * mib), c.want),
    );
});

describe('planUnits', () => {
  it('lists every segment, split ones as consecutive parts, in output order', () => {
    const parts = [1, 3, 1, 2];
    assert.deepEqual(
      planUnits(4, (i) => parts[i]!),
      [
        { index: 0, part: 0, parts: 1 },
        { index: 1, part: 0, parts: 3 },
        { index: 1, part: 1, parts: 3 },
        { index: 1, part: 2, parts: 3 },
        { index: 2, part: 0, parts: 1 },
        { index: 3, part: 0, parts: 2 },
        { index: 3, part: 1, parts: 2 },
      ],
    );
  });
});
