import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openOracle, sqlString, type Oracle } from '../helpers/duckdb.js';
import { startCliHost } from '../helpers/cli-host.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// One host process runs every CLI invocation of this file (through main): these tests are about the commands, not
// the process, and a new process per invocation spent most of its time loading modules.
const host = startCliHost();
after(() => host.stop());
const runCli = host.run;

const day = '2026-11-23';
const next = '2026-11-24'; // its first two hour folders (lateArrivalHours) hold late rows of `day`

// A raw object that lands in the next day's first hour folders after `day`'s last run: its rows of `day` are routed
// to `day` by the next day's run, and are in no committed partition until `day` runs again.
describe('late rows routed to a previous day that has not read them', { timeout: 300_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let db: Oracle;
  const store = (): string => dir.path;
  const raw = (date: string, rest: string): string => path.join(dir.path, 'raw', `dt=${date}`, rest);

  /** Writes `dayRows` rows of `day` (hour 23) and `ownRows` of `next` (hour 05), values + 1, as one raw object. */
  async function writeLateObject(key: string, dayRows: number, ownRows: number): Promise<void> {
    const of = (date: string, hour: string, n: number): string =>
      `(SELECT * REPLACE (value + 1 AS value) FROM read_parquet(${sqlString(raw(date, `hr=${hour}/part-*.parquet`))}) ` +
      `WHERE value IS NOT NULL ORDER BY ALL LIMIT ${n})`;
    const file = raw(next, key);
    await db.run(`COPY (${of(day, '23', dayRows)} UNION ALL ${of(next, '05', ownRows)}) TO ${sqlString(file)}`);
  }

  /** Rows of `day` in the next day's first two hour folders, by DuckDB. */
  async function routedRows(): Promise<number> {
    const [row] = await db.rows(
      `SELECT count(*)::INTEGER AS n FROM read_parquet(${sqlString(raw(next, 'hr=0[01]/*.parquet'))}) ` +
        `WHERE timestamp::TIMESTAMP >= TIMESTAMP '${day}' AND timestamp::TIMESTAMP < TIMESTAMP '${next}'`,
    );
    return row!.n as number;
  }

  const metricsOf = async (file: string): Promise<string[]> =>
    (await readFile(file, 'utf8')).split('\n').filter((l) => l.startsWith('telemetry_rollup_routed_rows_not_read{'));

  before(async () => {
    dir = await makeTempDir('late-rows-not-read');
    db = await openOracle(1);
    for (const date of [day, next]) {
      const g = await runCli(['generate', '--date', date, '--rows', '20000', '--seed', '5', '--store', store()]);
      assert.equal(g.code, 0, g.stderr);
    }
  });
  after(async () => {
    db.close();
    await dir.remove();
  });

  it('a previous day never rolled up: said in the run summary, the log and inspect, until it runs', async () => {
    await writeLateObject('hr=01/straggler-a.parquet', 30, 20);
    const routed = await routedRows();
    assert.ok(routed >= 30, `the straggler's 30 rows of ${day} and the generator's own late rows: ${routed}`);

    // the previous day never ran: every routed row is in no partition
    const metrics = path.join(dir.path, 'run.prom');
    const first = await runCli(['run', '--date', next, '--store', store(), '--metrics-file', metrics]);
    assert.equal(first.code, 0, first.stderr); // this day's own run is done
    assert.match(
      first.stdout,
      new RegExp(`rows routed {3}${routed} \\(the previous day's late rows, left to its run\\)`),
    );
    assert.match(
      first.stdout,
      new RegExp(
        `not read yet {2}${routed} rows of ${day} in \\d+ raw objects \\(.*\\) are in no committed partition: ` +
          `${day} has no committed hour partition; \`telemetry-rollup run --date ${day}\` reads them \\(with ` +
          `--allow-empty when ${day} has no raw objects of its own\\)\n`,
      ),
    );
    const event = first.stderr
      .split('\n')
      .filter((l) => l.includes('"routed_rows_not_read"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(event.length, 1);
    assert.deepEqual(
      [event[0]!.level, event[0]!.date, event[0]!.previous, event[0]!.rows],
      ['info', day, 'absent', routed], // a day never rolled up: ls and plan show it; no alarm, no gauge sample
    );
    assert.ok((event[0]!.keys as string[]).includes(`raw/dt=${next}/hr=01/straggler-a.parquet`));
    assert.deepEqual(await metricsOf(metrics), []);
    const inspect = await runCli(['inspect', '--date', next, '--store', store()]);
    assert.match(
      inspect.stdout,
      new RegExp(`routed {4}${routed} \\(the previous day's late rows, left to its run\\)\n`),
    );
    assert.match(
      inspect.stdout,
      new RegExp(`not read yet: ${routed} rows of ${day} in .*: ${day} has no committed hour`),
    );

    // the previous day runs: it reads them all; the next day's run (a skip) says they are counted
    assert.equal((await runCli(['run', '--date', day, '--store', store()])).code, 0);
    const counted = await runCli(['run', '--date', next, '--store', store(), '--metrics-file', metrics]);
    assert.equal(counted.code, 0, counted.stderr);
    assert.match(counted.stdout, /^skipped /);
    assert.match(
      counted.stdout,
      new RegExp(`rows routed {3}${routed} \\(the previous day's late rows, counted by its run\\)`),
    );
    assert.doesNotMatch(counted.stdout + counted.stderr, /not read yet|routed_rows_not_read/);
    assert.deepEqual(await metricsOf(metrics), [`telemetry_rollup_routed_rows_not_read{date="${day}"} 0`]);
    const inspected = await runCli(['inspect', '--date', next, '--store', store()]);
    assert.match(
      inspected.stdout,
      new RegExp(`routed {4}${routed} \\(the previous day's late rows, counted there\\)\n`),
    );
    assert.doesNotMatch(inspected.stdout, /not read yet/);
  });

  it('an object that landed after the previous day ran: summary, warning, gauge and verify, from one process and pods', async () => {
    await writeLateObject('hr=00/straggler-b.parquet', 12, 3);
    const expected = new RegExp(
      `not read yet {2}12 rows of ${day} in 1 raw object \\(raw/dt=${next}/hr=00/straggler-b.parquet\\) are in no ` +
        `committed partition: ${day}'s committed run has not read them as they are now; ` +
        `\`telemetry-rollup run --date ${day}\` reads them\n`,
    );
    const metrics = path.join(dir.path, 'run.prom');
    const run = await runCli(['run', '--date', next, '--store', store(), '--metrics-file', metrics]);
    assert.equal(run.code, 0, run.stderr); // this day's own run is done
    assert.match(run.stdout, /^committed /);
    assert.match(run.stdout, expected);
    const warning = run.stderr.split('\n').find((l) => l.includes('"routed_rows_not_read"'));
    assert.match(warning ?? '', /"level":"warn".*"previous":"committed","rows":12,/);
    assert.deepEqual(await metricsOf(metrics), [`telemetry_rollup_routed_rows_not_read{date="${day}"} 12`]);
    const verify = await runCli(['verify', '--date', next, '--tier', 'hour', '--store', store()]);
    assert.equal(verify.code, 1, verify.stdout);
    assert.match(
      verify.stdout,
      new RegExp(`${next} {2}hour {2}MISMATCH {2}rollup/hour/dt=${day}/_manifest.json: 12 rows of ${day} in 1 raw`),
    );
    const pod = await runCli(['run', '--date', next, '--store', store(), '--pod', '0/1', '--force']);
    assert.equal(pod.code, 0, pod.stderr);
    assert.match(pod.stdout, expected);
    assert.equal((await runCli(['run', '--date', day, '--store', store()])).code, 0);
    const after = await runCli(['run', '--date', next, '--store', store()]);
    assert.match(after.stdout, /counted by its run\)/);
    assert.doesNotMatch(after.stdout, /not read yet/);
    assert.equal((await runCli(['verify', '--date', next, '--tier', 'hour', '--store', store()])).code, 0);
  });

  it('a backfill judges each day against its previous day as the backfill left it', async () => {
    await writeLateObject('hr=01/straggler-c.parquet', 7, 2);
    const alone = await runCli(['backfill', '--from', next, '--to', next, '--store', store()]);
    assert.equal(alone.code, 0, alone.stderr);
    assert.match(
      alone.stdout,
      new RegExp(
        `${next}  committed .*  not read yet: 7 rows of ${day} in 1 raw object \\(raw/dt=${next}/hr=01/straggler-c`,
      ),
    );
    // both days at once: whichever finishes first, the previous day has read them by the end
    await writeLateObject('hr=01/straggler-d.parquet', 5, 2);
    const both = await runCli(['backfill', '--from', day, '--to', next, '--parallel', '2', '--store', store()]);
    assert.equal(both.code, 0, both.stderr);
    assert.match(both.stdout, new RegExp(`${next}  committed +\\d+ +\\d+ +\\d+\n`)); // no note
    // the generator's first day routes rows to a day it has no data for: named too
    assert.match(
      both.stdout,
      new RegExp(
        `${day}  committed .*  not read yet: \\d+ rows? of 2026-11-22 in .*: 2026-11-22 has no committed hour`,
      ),
    );
    assert.doesNotMatch(both.stdout + both.stderr, new RegExp(`rows? of ${day}`));
  });

  it('rows whose objects are gone since they were routed: no run can read them, said so, and verify notes it', async () => {
    await writeLateObject('hr=01/straggler-gone.parquet', 4, 2);
    const routed = await runCli(['run', '--date', next, '--store', store()]);
    assert.match(routed.stdout, /not read yet {2}4 rows of .*straggler-gone/);
    await rm(path.join(dir.path, 'raw', `dt=${next}`), { recursive: true }); // the day's raw deleted, late folders too
    const gone = new RegExp(
      `4 rows of ${day} were in 1 raw object \\(raw/dt=${next}/hr=01/straggler-gone.parquet\\) that is gone since ` +
        `this day's run read it, and in no committed partition: no run can read them; restore it and ` +
        `\`telemetry-rollup run --date ${day}\` reads them, or accept their loss`,
    );
    const kept = await runCli(['run', '--date', next, '--store', store()]);
    assert.equal(kept.code, 0, kept.stderr);
    assert.match(kept.stdout, /^skipped \(kept as committed/);
    assert.match(kept.stdout, gone);
    const verify = await runCli(['verify', '--date', next, '--tier', 'hour', '--store', store()]);
    assert.equal(verify.code, 0, verify.stdout);
    assert.match(verify.stdout, new RegExp(`${next} {2}hour {2}note {6}rollup/hour/dt=${day}/_manifest.json: `));
    assert.match(verify.stdout, gone);
  });
});
