import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { layoutFor, packKeys, unpackPart, type KeyPartColumn } from '../../../src/ingest/packed-key.js';

/** An Arrow validity bitmap (bit set: valid) holding `nulls` from bit `offset` on; the bits before it are noise. */
function bitmapOf(nulls: readonly boolean[], offset: number): { bitmap: Uint8Array; offset: number } {
  const bitmap = new Uint8Array(Math.ceil((offset + nulls.length) / 8)).fill(0b10100101);
  nulls.forEach((isNull, i) => {
    const j = offset + i;
    if (isNull) bitmap[j >> 3]! &= ~(1 << (j & 7));
    else bitmap[j >> 3]! |= 1 << (j & 7);
  });
  return { bitmap, offset };
}

describe('packed group keys', () => {
  it('lays parts out by bit width without splitting a part across words', () => {
    const layout = layoutFor([24, 10, 1, 200, 1001, 2 ** 20, 2]);
    assert.deepEqual(layout.bits, [5, 4, 0, 8, 10, 20, 1]);
    assert.deepEqual(layout.word, [0, 0, 0, 0, 0, 1, 1]);
    assert.deepEqual(layout.shift, [0, 5, 9, 9, 17, 0, 20]);
    assert.equal(layout.words, 2);
    assert.throws(() => layoutFor([0]), /bound 0 is not an integer/);
  });

  it('unpacks every row to its parts, nulls to the null value (property)', () => {
    const part = fc.integer({ min: 1, max: 2 ** 31 }).chain((bound) =>
      fc.record({
        bound: fc.constant(bound),
        values: fc.array(fc.integer({ min: 0, max: bound - 1 }), { minLength: 30, maxLength: 30 }),
        nulls: fc.option(fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }), { nil: undefined }),
        bitOffset: fc.option(fc.integer({ min: 0, max: 13 }), { nil: undefined }), // nulls as an Arrow bitmap
      }),
    );
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 9 }), (specs) => {
        const n = 30;
        const parts: KeyPartColumn[] = specs.map((s) => ({
          values: Int32Array.from(s.values),
          nullValue: s.bound - 1,
          bound: s.bound,
          checked: s.bound % 2 === 0, // an unchecked first part without nulls sets its word rather than OR into it
          ...(s.nulls && s.bitOffset === undefined
            ? { valid: Uint8Array.from(s.nulls, (isNull) => (isNull ? 0 : 1)) }
            : {}),
          ...(s.nulls && s.bitOffset !== undefined ? { validBits: bitmapOf(s.nulls, s.bitOffset) } : {}),
        }));
        const layout = layoutFor(parts.map((p) => p.bound));
        const words = Array.from({ length: layout.words }, () => new Int32Array(n).fill(0x5a5a5a5a)); // reused scratch
        assert.equal(packKeys(parts, layout, n, words), -1);
        const keys = new Int32Array(n * layout.words);
        for (let i = 0; i < n; i++) for (let w = 0; w < layout.words; w++) keys[i * layout.words + w] = words[w]![i]!;
        parts.forEach((_, j) => {
          const column = new Int32Array(n);
          unpackPart(keys, n, layout, j, column);
          assert.deepEqual(
            [...column],
            specs[j]!.values.map((v, i) => (specs[j]!.nulls?.[i] ? specs[j]!.bound - 1 : v)),
          );
        });
      }),
      { numRuns: 300 },
    );
  });

  it('reports a checked part whose values exceed its width', () => {
    const layout = layoutFor([4, 8]);
    const words = [new Int32Array(3)];
    const parts: KeyPartColumn[] = [
      { values: Int32Array.of(0, 1, 2), nullValue: 3, bound: 4, checked: true },
      { values: Int32Array.of(7, 9, 1), nullValue: 7, bound: 8, checked: true },
    ];
    assert.equal(packKeys(parts, layout, 3, words), 1);
    assert.equal(packKeys([parts[0]!, { ...parts[1]!, values: Int32Array.of(1, -1, 2) }], layout, 3, words), 1);
    assert.equal(
      packKeys(
        [parts[0]!, { ...parts[1]!, values: Int32Array.of(1, 9, 2), valid: Uint8Array.of(1, 0, 1) }],
        layout,
        3,
        words,
      ),
      -1,
    ); // a null row's code is not looked at
  });
});
