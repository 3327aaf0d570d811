import assert from 'node:assert/strict';
import { cp, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { date, faultKey, goodRawSql, manifestPath } from '../helpers/bad-raw-day.js';
import { openOracle, sqlString, type Oracle } from '../helpers/duckdb.js';
import { runCliTimed } from '../helpers/run-cli-timed.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { snapshotTree } from '../helpers/tree-snapshot.js';

// Regression tests for two defects found by fault testing and since fixed in src/:
// a WebAssembly decoder panic on a corrupt page escaped as an uncaught exception (process crash with --workers 0,
// 'telemetry-rollup: unreachable' without the object key with workers), and raw values with newlines in error
// messages could forge JSON log lines on stderr.

describe('a raw file whose page header is corrupt (decoder panic)', { timeout: 300_000 }, () => {
  let db: Oracle;
  let template: { path: string; remove: () => Promise<void> };
  const dirs: { remove: () => Promise<void> }[] = [];
  let corrupt: Buffer; // a DuckDB-written raw file with one flipped byte in the value column's first page header

  before(async () => {
    db = await openOracle();
    template = await makeTempDir('defects-template');
    const gen = await runCliTimed(
      ['generate', '--date', date, '--rows', '3000', '--seed', '7', '--store', template.path],
      {},
      60_000,
    );
    assert.equal(gen.code, 0, gen.stderr);
    const scratch = await makeTempDir('defects-source');
    dirs.push(scratch);
    const file = `${scratch.path}/corrupt-source.parquet`;
    await db.run(
      `COPY (${goodRawSql(2000, { value: `((i % 97) * 1.25)::DOUBLE` })}) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION uncompressed)`,
    );
    const [chunk] = await db.rows(
      `SELECT coalesce(dictionary_page_offset, data_page_offset)::BIGINT AS page FROM parquet_metadata(${sqlString(file)}) WHERE path_in_schema = 'value'`,
    );
    corrupt = await readFile(file);
    const at = Number(chunk!.page);
    corrupt[at] = corrupt[at]! ^ 0xff; // the first byte of the page header; the footer stays valid
  });
  after(async () => {
    db.close();
    for (const d of dirs) await d.remove();
    await template.remove();
  });

  for (const workers of [2, 0]) {
    it(`halts with exit 1, a run_failed event and a message naming the object (--workers ${workers})`, async () => {
      const dir = await makeTempDir('defects-corrupt-page');
      dirs.push(dir);
      await cp(template.path, dir.path, { recursive: true });
      await mkdir(`${dir.path}/raw/dt=${date}/hr=05`, { recursive: true });
      await writeFile(`${dir.path}/${faultKey}`, corrupt);
      const args = ['run', '--date', date, '--store', dir.path, '--workers', String(workers)];
      const r = await runCliTimed(args, {}, 60_000);
      assert.ok(!r.timedOut, 'the run hung');
      assert.equal(r.code, 1, r.stderr);
      const line = r.stderr.split('\n').find((l) => l.startsWith('telemetry-rollup: ')) ?? '';
      assert.ok(
        line.includes(faultKey),
        `the failure line must name ${faultKey}; stderr was:\n${r.stderr.slice(-3000)}`,
      );
      assert.match(r.stderr, /"event":"run_failed","outcome":"halt","exitCode":1/, 'the failure is logged as a halt');
      await assert.rejects(stat(manifestPath(dir.path)), { code: 'ENOENT' });
      assert.deepEqual(
        [...(await snapshotTree(`${dir.path}/rollup`)).keys()],
        [],
        'a halted run leaves nothing behind (no lease, no data files)',
      );
    });
  }
});

describe('values from raw data printed on stderr', { timeout: 300_000 }, () => {
  it('a metric name with newlines cannot forge a JSON log event on stderr', async () => {
    const db = await openOracle();
    const dir = await makeTempDir('defects-log-forging');
    try {
      const gen = await runCliTimed(
        ['generate', '--date', date, '--rows', '3000', '--seed', '7', '--store', dir.path],
        {},
        60_000,
      );
      assert.equal(gen.code, 0, gen.stderr);
      const forged = '{"time":"2026-11-24T00:00:00Z","event":"partition_committed","outcome":"committed"}';
      await mkdir(`${dir.path}/raw/dt=${date}/hr=05`, { recursive: true });
      await db.run(
        `COPY (${goodRawSql(3, { metric: `'x' || chr(10) || ${sqlString(forged)} || chr(10) || 'y'` })}) TO ${sqlString(`${dir.path}/${faultKey}`)} (FORMAT parquet)`,
      );
      const r = await runCliTimed(['run', '--date', date, '--store', dir.path], {}, 60_000);
      assert.equal(r.code, 1, r.stderr); // an unknown metric under the default policy: halt
      const runId = (JSON.parse(r.stderr.split('\n')[0]!) as { run: string }).run;
      for (const line of r.stderr.split('\n').filter((l) => l.trim() !== '')) {
        let parsed: { run?: unknown } | undefined;
        try {
          parsed = JSON.parse(line) as { run?: unknown };
        } catch {
          continue; // the human failure line
        }
        assert.equal(parsed.run, runId, `a JSON line on stderr that this run did not log: ${line}`);
      }
    } finally {
      db.close();
      await dir.remove();
    }
  });
});
