import assert from 'node:assert/strict';
import { it } from 'node:test';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { crc32 } from '../../../src/cube/crc32.js';

it('crc32 gives the standard check value and the empty input', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
  assert.equal(crc32(Uint8Array.of(0)), 0xd202ef8d);
});

it("crc32 equals zlib's on random bytes", () => {
  const zlibCrc = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32; // Node >= 20.15
  assert.ok(zlibCrc, 'node:zlib has crc32');
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
      assert.equal(crc32(bytes), zlibCrc(bytes));
    }),
  );
});
