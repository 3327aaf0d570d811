import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { duplicateKeysOf } from '../../../src/config/duplicate-keys.js';

describe('duplicateKeysOf', () => {
  it('names each repeated key with the path of its object, arrays by index', () => {
    const text = `{"metrics": {"cpu": {"kind": "gauge"}, "cpu": {"kind": "delta"}},
      "cube": {"cuboids": [{"name": "a"}, {"name": "b", "name": "c"}]},
      "raw": {"dimensions": ["x", "x"], "prefix": "raw", "prefix": "raw2"}, "raw": {}}`;
    assert.deepEqual(duplicateKeysOf(text), [
      { path: 'metrics', key: 'cpu' },
      { path: 'cube.cuboids.1', key: 'name' },
      { path: 'raw', key: 'prefix' },
      { path: '(root)', key: 'raw' },
    ]);
  });

  it('reads keys as JSON does: escapes, quotes and brackets inside strings, the same key in different objects', () => {
    const text = String.raw`{"a\"b": "x}{[,", "a\u0022b": 1, "o": {"a\"b": 2}, "s": ["{\"k\": 1, \"k\": 2}"]}`;
    assert.deepEqual(duplicateKeysOf(text), [{ path: '(root)', key: 'a"b' }]);
  });

  it('finds no repeat in what JSON.stringify writes, and one for every key written twice', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.nat(), (object, pick) => {
        const text = JSON.stringify({ root: object });
        assert.deepEqual(duplicateKeysOf(text), []);
        const keys = Object.keys(object);
        if (keys.length === 0) return;
        const key = keys[pick % keys.length]!;
        const twice = `{"root": ${JSON.stringify(object).slice(0, -1)}, ${JSON.stringify(key)}: null}}`;
        assert.deepEqual(duplicateKeysOf(twice), [{ path: 'root', key }]);
      }),
    );
  });
});
