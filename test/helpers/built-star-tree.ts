import fc from 'fast-check';
import { buildStarTree } from '../../src/cube/build-star-tree.js';
import { CubeRecords } from '../../src/cube/cube-records.js';
import type { StarTree } from '../../src/cube/star-tree.js';
import { startWithSample } from '../../src/measures/measure-state.js';

/**
 * A star-tree built from base records given as (key per level, value) rows: level 0 the hour, level d + 1 an id into
 * `dictionaries[d]` (split dimension `d<d>`); the time level and, where `skipStar` says so, others get no star child.
 */
export function builtStarTree(
  rows: readonly (readonly [readonly number[], number])[],
  dictionaries: readonly (readonly (string | null)[])[],
  maxLeafRecords: number,
  skipStar: readonly boolean[] = [true, ...dictionaries.map(() => false)],
): StarTree {
  const w = 1 + dictionaries.length;
  const r = new CubeRecords(w);
  for (const [key, v] of rows) {
    const i = r.appendBlank();
    r.keys.set(key, i * w);
    startWithSample(r.m, i, v, 0);
    r.m.lastSum[i] = v;
  }
  const dimensions = dictionaries.map((_, d) => `d${d}`);
  return buildStarTree(r, { dimensions, skipStar, starAlso: [[], ...dimensions.map(() => [])], maxLeafRecords }, [
    ...dictionaries,
  ]);
}

/** The little-endian u32 at byte `at` of `b`. */
export const u32At = (b: Uint8Array, at: number): number => new DataView(b.buffer, b.byteOffset).getUint32(at, true);

/** The `n` little-endian i32s from byte `at` of `b`. */
export const i32sAt = (b: Uint8Array, at: number, n: number): number[] =>
  Array.from({ length: n }, (_, i) => new DataView(b.buffer, b.byteOffset).getInt32(at + 4 * i, true));

/** A dimension value: any short string, and the awkward ones (empty, object property names, non-ASCII, NUL). */
const valueArb = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.constantFrom('', '__proto__', 'constructor', 'hasOwnProperty', 'Zürich', '東京', '😀', 'a\u0000b', '{'),
);

/** A split dimension's dictionary as a tree holds it: 1 to 6 distinct values, sorted, and maybe null last. */
export const dictionaryArb: fc.Arbitrary<(string | null)[]> = fc
  .tuple(fc.uniqueArray(valueArb, { minLength: 1, maxLength: 6 }), fc.boolean())
  .map(([values, withNull]) => [...values.sort(), ...(withNull ? [null] : [])]);
