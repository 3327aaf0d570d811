import assert from 'node:assert/strict';
import { it } from 'node:test';
import { displayValue, namedValue } from '../../../src/serve/display-value.js';

it("shows null as (null) and hidden characters escaped; names '' as '' in a sentence", () => {
  assert.deepEqual(
    [null, '', 'lkc-1', 'a\nb', '\ufeffx'].map((v) => displayValue(v)),
    ['(null)', '', 'lkc-1', 'a\\nb', '\\ufeffx'],
  );
  assert.deepEqual(
    ['', 'lkc-1', 'a\nb'].map((v) => namedValue(v)),
    ["''", 'lkc-1', 'a\\nb'],
  );
});
