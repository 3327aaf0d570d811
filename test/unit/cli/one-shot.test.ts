import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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

it("lets only a CLI run keep a tiny day's parquet-wasm in Liftoff (never a backfill, a query or a library caller)", () => {
  // in a child process: tuneCompilerFor sets V8 flags for the whole process
  const allowedAfter = (argv: readonly string[] | undefined): boolean => {
    const script =
      `const { tuneCompilerFor } = await import(${JSON.stringify(new URL('../../../src/cli/one-shot.js', import.meta.url).href)});` +
      `const { wasmForShortUseAllowed } = await import(${JSON.stringify(new URL('../../../src/parquet/parquet-wasm-module.js', import.meta.url).href)});` +
      `${argv ? `tuneCompilerFor(${JSON.stringify(argv)});` : ''}process.stdout.write(String(wasmForShortUseAllowed()));`;
    return execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }) === 'true';
  };
  assert.equal(allowedAfter(['run', '--date', '2026-05-01']), true);
  assert.equal(allowedAfter(['backfill', '--from', '2026-05-01']), false);
  assert.equal(allowedAfter(['query', '--metric', 'cpu_usage']), false);
  assert.equal(allowedAfter(undefined), false, 'a library caller never calls tuneCompilerFor');
});
