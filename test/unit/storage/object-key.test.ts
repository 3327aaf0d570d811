import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  compareKeys,
  controlChars,
  tempPrefix,
  unsafeKeyReason,
  unsafePrefixReason,
} from '../../../src/storage/object-key.js';

describe('unsafeKeyReason', () => {
  const cases: [string, string | undefined][] = [
    ['raw/dt=2026-11-24/hr=05/part-1.parquet', undefined],
    ['a', undefined],
    ['a/b c/ü/日本', undefined],
    ['a/.hidden/b', undefined],
    ['a/..b/c', undefined],
    ['', 'is empty'],
    ['/raw/a', 'is absolute'],
    ['raw\\a', 'contains a backslash'],
    ['raw/a\nb', 'contains a control character'],
    ['raw/a\u0000', 'contains a control character'],
    ['raw/a\u007f', 'contains a control character'],
    ['raw//a', 'has an empty segment'],
    ['raw/a/', 'has an empty segment'],
    ['raw/./a', "has a '.' segment"],
    ['raw/../a', "has a '..' segment"],
    ['..', "has a '..' segment"],
    ['raw/.tmp-123/a', "has a segment starting with '.tmp-'"],
    ['.tmp-x', "has a segment starting with '.tmp-'"],
  ];
  for (const [key, reason] of cases)
    it(`${JSON.stringify(key)} -> ${reason ?? 'safe'}`, () => assert.equal(unsafeKeyReason(key), reason));
});

describe('unsafePrefixReason', () => {
  const cases: [string, string | undefined][] = [
    ['', undefined],
    ['raw/', undefined],
    ['raw/dt=2026-11-24/hr=0', undefined], // may end mid-segment
    ['raw/dt=', undefined],
    ['ra', undefined],
    ['.tmp', undefined], // a listing prefix may be the start of any name
    ['/raw/', 'is absolute'],
    ['raw//', 'has an empty segment'],
    ['raw/../x/', "has a '..' segment"],
    ['raw/a\\b', 'contains a backslash or control character'],
    ['raw/a\tb', 'contains a backslash or control character'],
    ['raw\\x/y', 'contains a backslash'],
  ];
  for (const [prefix, reason] of cases)
    it(`${JSON.stringify(prefix)} -> ${reason ?? 'safe'}`, () => assert.equal(unsafePrefixReason(prefix), reason));
});

describe('compareKeys', () => {
  const cases: [string, string, number][] = [
    ['a', 'b', -1],
    ['b', 'a', 1],
    ['a', 'a', 0],
    ['a', 'a/', -1],
    ['A', 'a', -1],
    // U+FF61 is one UTF-16 unit above the surrogates, but its UTF-8 bytes (EF BD A1) sort below U+1F600's (F0 9F 98 80)
    ['\uff61', '\u{1f600}', -1],
  ];
  for (const [a, b, want] of cases)
    it(`${JSON.stringify(a)} vs ${JSON.stringify(b)}`, () => assert.equal(compareKeys(a, b), want));

  // ASCII, two-byte, BMP characters on both sides of the surrogates, and astral characters (4 UTF-8 bytes)
  const keyText = fc.string({
    unit: fc.constantFrom(
      'a',
      'B',
      '/',
      '-',
      '\u00e9',
      '\u07ff',
      '\u0800',
      '\ud7ff',
      '\ue000',
      '\uff61',
      '\uffff',
      '\u{10000}',
      '\u{1f600}',
      '\u{10ffff}',
    ),
    maxLength: 6,
  });

  it('orders like the UTF-8 bytes (property)', () => {
    fc.assert(
      fc.property(keyText, keyText, (a, b) => {
        const ea = new TextEncoder().encode(a);
        const eb = new TextEncoder().encode(b);
        let want = ea.length - eb.length;
        for (let i = 0; i < Math.min(ea.length, eb.length); i++)
          if (ea[i] !== eb[i]) {
            want = ea[i]! - eb[i]!;
            break;
          }
        assert.equal(Math.sign(compareKeys(a, b)), Math.sign(want));
      }),
      { numRuns: 300 },
    );
  });
});

it('constants: the temp prefix and the control characters', () => {
  assert.equal(tempPrefix, '.tmp-');
  assert.ok(controlChars.test('\u001f'));
  assert.ok(!controlChars.test(' '));
  assert.ok(!controlChars.test('\u0080'));
});
