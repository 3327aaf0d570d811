import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { textOfBytes, unreadTextProblem } from '../../../src/ingest/value-text.js';

const encoder = new TextEncoder();

describe('unreadTextProblem', () => {
  it('finds none for the text of any bytes', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 12 }),
      fc.string({ maxLength: 8, unit: 'binary' }).map((s) => encoder.encode(s)),
      fc.uint8Array({ maxLength: 6 }).map((b) => Uint8Array.from([...encoder.encode('hex:'), ...b])),
    );
    fc.assert(fc.property(bytes, (b) => unreadTextProblem(textOfBytes(b, 0, b.length)) === undefined));
  });

  it('accepts plain text, and the hex form of bytes that need it', () => {
    for (const text of ['cpu_usage', 'é', '', 'x hex:', 'hex:ff41', 'hex:6865783a3431', 'hex:6865783a'])
      assert.equal(unreadTextProblem(text), undefined, text);
  });

  it('names the text a raw value spelled with the marker is read as', () => {
    assert.equal(
      unreadTextProblem('hex:41'),
      "starts with 'hex:', which marks the hex digits of a value's bytes: a raw value spelled 'hex:41' is read as " +
        "'hex:6865783a3431'",
    );
    // upper-case digits, an odd count, not hex at all: none is the hex form of any bytes
    for (const text of ['hex:FF41', 'hex:f', 'hex:zz', 'hex:'])
      assert.match(unreadTextProblem(text) ?? '', /is read as 'hex:6865783a/, text);
  });

  it('refuses a lone surrogate, which no UTF-8 decodes to', () => {
    assert.match(unreadTextProblem('cpu\uD800') ?? '', /lone UTF-16 surrogate/);
    assert.equal(unreadTextProblem('\uD83D\uDE00'), undefined, 'a pair is one code point');
  });
});
