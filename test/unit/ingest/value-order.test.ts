import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compareCodePoints, compareNullableStrings } from '../../../src/ingest/value-order.js';

describe('compareNullableStrings', () => {
  const cases: [string | null, string | null, number][] = [
    ['a', 'a', 0],
    [null, null, 0],
    ['a', 'b', -1],
    ['b', 'a', 1],
    [null, 'a', 1],
    ['a', null, -1],
    ['', null, -1],
    ['Z', 'a', -1],
  ];
  for (const [a, b, want] of cases)
    it(`${JSON.stringify(a)} vs ${JSON.stringify(b)}`, () => assert.equal(compareNullableStrings(a, b), want));

  it('is a total order: antisymmetric and transitive (property)', () => {
    const v = fc.option(fc.string({ maxLength: 3 }), { nil: null });
    fc.assert(
      fc.property(v, v, v, (a, b, c) => {
        assert.equal(Math.sign(compareNullableStrings(a, b)), -Math.sign(compareNullableStrings(b, a)) || 0);
        if (compareNullableStrings(a, b) <= 0 && compareNullableStrings(b, c) <= 0)
          assert.ok(compareNullableStrings(a, c) <= 0);
      }),
      { numRuns: 300 },
    );
  });
});

describe('compareCodePoints', () => {
  it('orders past U+FFFF after U+E000-U+FFFF, as UTF-8 bytes do (UTF-16 code units put them before)', () => {
    assert.equal(compareCodePoints('\u{1F600}', '\uFF5A'), 1); // 😀 after ｚ
    assert.equal(compareCodePoints('\uE000', '\u{1F600}'), -1);
    assert.equal(compareCodePoints('\u{1F600}', '\u{1F601}'), -1);
    assert.equal(compareCodePoints('\u{10000}', '\uFFFF'), 1);
    assert.equal(compareCodePoints('ab', 'a'), 1);
    assert.equal(compareCodePoints('', ''), 0);
    const tenants = ['\u{1F600}', 'A', '\uFF5A', 'z', '\uE000', '\u00E9'];
    assert.deepEqual(tenants.sort(compareCodePoints), ['A', 'z', '\u00E9', '\uE000', '\uFF5A', '\u{1F600}']);
  });

  it("agrees with the order of the strings' UTF-8 bytes (property)", () => {
    const text = fc
      .string({ unit: 'binary', maxLength: 6 })
      .filter((t) => Buffer.from(t, 'utf8').toString('utf8') === t); // no lone surrogate
    fc.assert(
      fc.property(text, text, (a, b) => {
        const bytes = Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
        assert.equal(compareCodePoints(a, b), bytes);
        assert.equal(compareNullableStrings(a, b), bytes);
      }),
      { numRuns: 2000 },
    );
  });
});
