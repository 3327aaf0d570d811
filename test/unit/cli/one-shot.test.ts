import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isOneShot } from '../../../src/cli/one-shot.js';

describe('isOneShot', () => {
  it('is true for the commands that print one answer from committed partitions, and for help and the version', () => {
    for (const argv of [
      ['query', '--metric', 'cpu_usage'],
      ['facts', '--tenant', 't'],
      ['trend', '--cluster', 'c'],
      ['diagnose', '--cluster', 'c'],
      ['attribute', '--cluster', 'c'],
      ['values', 'cluster'],
      ['ls'],
      ['inspect'],
      [],
      ['--help'],
      ['--version'],
      ['run', '--help'],
      ['serve', '-h'],
    ])
      assert.equal(isOneShot(argv), true, argv.join(' '));
  });

  it('is false for runs, serve and the commands that write or delete', () => {
    for (const argv of [
      ['run', '--date', '2026-05-01'],
      ['backfill'],
      ['serve'],
      ['generate'],
      ['gc'],
      ['retention'],
      ['verify'],
      ['report'],
      ['plan'],
      ['run', '--', '--help'],
    ])
      assert.equal(isOneShot(argv), false, argv.join(' '));
  });
});
