import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { printable } from '../../src/printable.js';

describe('printable', () => {
  it('escapes what no one can see, and leaves letters, marks, emoji and the plain space alone', () => {
    assert.equal(printable('\ufeffreceived_bytes'), '\\ufeffreceived_bytes');
    assert.equal(printable('a\u200bb\u00a0c\u202ed'), 'a\\u200bb\\u00a0c\\u202ed');
    assert.equal(printable('line\nnext\ttab\u0000\u007f'), 'line\\nnext\\ttab\\u0000\\u007f');
    assert.equal(printable('\u2028\u2029'), '\\u2028\\u2029');
    assert.equal(printable('tag\u{e0041}'), 'tag\\u{e0041}');
    assert.equal(printable('café é 🚀 lkc-1 a b'), 'café é 🚀 lkc-1 a b');
  });

  it('two texts that differ print differently, and nothing it prints breaks a line', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-composite' }), fc.string({ unit: 'binary' }), (a, b) => {
        const [pa, pb] = [printable(a), printable(b)];
        assert.ok(!/[\n\r\u2028\u2029]/.test(pa));
        if (a !== b && !a.includes('\\') && !b.includes('\\')) assert.notEqual(pa, pb);
      }),
    );
  });
});
