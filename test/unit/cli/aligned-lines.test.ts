import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { alignedLines, type Alignment } from '../../../src/cli/aligned-lines.js';

describe('alignedLines', () => {
  it('pads each column to its widest cell as told, two spaces apart, without trailing spaces', () => {
    const rows = [
      ['name', 'n', 'note'],
      ['a', '100', 'x'],
      ['longer', '7', ''],
    ];
    const align = (c: number): Alignment => (c === 0 ? 'left' : c === 1 ? 'right' : 'none');
    assert.deepEqual(alignedLines(rows, align), ['name      n  note', 'a       100  x', 'longer    7']);
  });
});
