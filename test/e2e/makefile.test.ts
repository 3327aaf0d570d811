import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { unitTestParts } from '../unit-suite/import-unit-tests.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs make in the repository (nothing is built: every case here stops before `build` or only prints). */
function make(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('make', ['--no-print-directory', ...args], { cwd: repo, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('Makefile', () => {
  it('refuses a DATE that is not a calendar day before compiling anything', () => {
    for (const date of ['2026-13-45', '2026-02-29', '2026-04-31', '2026-00-10']) {
      const r = make(['rollup', `DATE=${date}`]);
      assert.equal(r.code, 2, `${date}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`make: DATE '${date}' is not a calendar day`));
      assert.doesNotMatch(r.stdout, /tsc|telemetry-rollup/, `${date}: nothing runs after the refusal`);
    }
    const shape = make(['sample', 'DATE=2026/11/24']);
    assert.equal(shape.code, 2);
    assert.match(shape.stderr, /DATE must be YYYY-MM-DD, got '2026\/11\/24'/);
  });

  it('accepts a real day, leap days included', () => {
    for (const date of ['2028-02-29', '2026-11-24']) assert.equal(make(['check-date', `DATE=${date}`]).code, 0, date);
  });

  it('checks the date before build, and installs the browser before the tests', () => {
    const rollup = make(['-n', 'rollup', 'DATE=2026-11-24']).stdout;
    assert.ok(rollup.indexOf('calendar day') >= 0 && rollup.indexOf('calendar day') < rollup.indexOf('tsc'), rollup);
    const test = make(['-n', 'test']).stdout;
    assert.ok(test.indexOf('apt-get install -y -qq chromium') >= 0, test);
    assert.ok(test.indexOf('apt-get install -y -qq chromium') < test.indexOf('node --test'), test);
  });

  it('runs every test file once: the unit suite in its parts, every other file on its own', () => {
    // `make -n test` prints the test command with its file list as a shell command substitution: expand that here
    const command = make(['-n', 'test']).stdout.split('node --test')[1]!.replace(/\\\n/g, ' ');
    const listed = execFileSync('bash', ['-c', `printf '%s\\n' ${command.replace(/^.*?--test-concurrency=\d+/, '')}`], {
      cwd: repo,
      encoding: 'utf8',
    })
      .trim()
      .split('\n');
    const parts = listed.filter((f) => f.startsWith('dist/test/unit-suite/'));
    assert.deepEqual(parts, ['dist/test/unit-suite/part-1.js', 'dist/test/unit-suite/part-2.js']);
    const inParts = unitTestParts(2)
      .flat()
      .map((f) => path.relative(repo, f));
    const alone = listed.filter((f) => !parts.includes(f));
    const all = execFileSync('find', ['dist/test', '-name', '*.test.js'], { cwd: repo, encoding: 'utf8' })
      .trim()
      .split('\n');
    assert.ok(alone.length > 50 && inParts.length > 50, `${alone.length} files alone, ${inParts.length} in the parts`);
    assert.deepEqual([...alone, ...inParts].sort(), all.sort());
  });
});
