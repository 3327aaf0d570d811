import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { openOracle } from '../helpers/duckdb.js';
import { startCliHost } from '../helpers/cli-host.js';
import { fleetDay, writeSmallFleetDay } from '../helpers/small-fleet-day.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// One host process runs every CLI invocation of this file (through main): these tests are about the commands, not
// the process, and a new process per invocation spent most of its time loading modules.
const host = startCliHost();
after(() => host.stop());
const runCli = host.run;

describe('run --hour on the command line', { timeout: 300_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  before(async () => {
    dir = await makeTempDir('cli-hour');
    const db = await openOracle(1);
    await writeSmallFleetDay(db, dir.path); // hours 05 and 07
    db.close();
  });
  after(async () => dir.remove());

  it('refuses an hour outside 00-23 and --hour with --pod or --shard (exit 1), running nothing', async () => {
    for (const [args, message] of [
      [['--hour', '24'], /'24' is not an hour of the day 00-23/],
      [['--hour', '7am'], /'7am' is not an hour of the day 00-23/],
      [['--hour', '05', '--pod', '0/2'], /error: run --hour 05 builds one process's hour: it does not take --pod/],
      [['--hour', '5', '--shard', '1/3'], /run --hour 05 builds one process's hour: it does not take --shard/],
    ] as const) {
      const r = await runCli(['run', '--date', fleetDay, '--store', dir.path, ...args]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, message);
    }
    const both = await runCli(['run', '--date', fleetDay, '--store', dir.path, '--shard', '0/2', '--pod', '0/2']);
    assert.equal(both.code, 1);
    assert.match(both.stderr, /error: run takes --shard or --pod, not both/); // was exit 1 with no message at all
    const capped = await runCli([
      'run',
      '--date',
      fleetDay,
      '--store',
      dir.path,
      '--workers',
      '2',
      '--max-workers',
      '2',
    ]);
    assert.equal(capped.code, 1);
    assert.match(
      capped.stderr,
      /error: run takes --workers \(this many threads\) or --max-workers \(at most\), not both/,
    );
    const over = await runCli(['run', '--date', fleetDay, '--store', dir.path, '--max-workers', '33']);
    assert.equal(over.code, 1);
    assert.match(over.stderr, /'33' is more than 32 decode threads/);
    for (const command of ['plan', 'verify']) {
      const r = await runCli([command, '--store', dir.path]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`error: ${command} needs --date, or --from and --to`));
    }
    const ls = await runCli(['inspect', '--date', fleetDay, '--store', dir.path]);
    assert.notEqual(ls.code, 0, 'nothing committed');
  });

  it('commits a partial day; a query names the hours not built yet instead of reading them as zero', async () => {
    const run = await runCli(['run', '--date', fleetDay, '--hour', '07', '--store', dir.path, '--workers', '0']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /hours rebuilt 07\n/);
    assert.match(run.stdout, /partial day {3}hour folders built so far: 07 /);
    assert.doesNotMatch(run.stdout, /day tier/);
    const inspect = await runCli(['inspect', '--date', fleetDay, '--store', dir.path]);
    assert.match(inspect.stdout, /partial day: hour folders built so far 07 \(run --hour\)/);
    const q = (from: string, to: string) =>
      runCli(['query', '--metric', 'received_bytes', '--from', from, '--to', to, '--agg', 'sum', '--store', dir.path]);
    const day = await q(`${fleetDay}T05:00:00Z`, `${fleetDay}T08:00:00Z`);
    assert.equal(day.code, 0, day.stderr);
    assert.match(day.stdout, /2026-11-24T07:00:00/);
    // 05 and 06 not built; 07 built, but its late rows (up to 2 hours late) land in hr=08 and hr=09, not built yet
    assert.match(
      day.stdout,
      /no data yet: hours not built yet or without their late rows \(partial day, run --hour\): 2026-11-24T05:00:00Z\/2026-11-24T08:00:00Z/,
    );
    assert.doesNotMatch(day.stdout, /hours with nothing matching/);
    const five = await q(`${fleetDay}T05:00:00Z`, `${fleetDay}T06:00:00Z`);
    assert.equal(five.code, 3, five.stderr); // no data, never 0
    assert.match(five.stderr, /hours not built yet/);
    const plan = await runCli(['plan', '--date', fleetDay, '--store', dir.path]);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(
      plan.stdout,
      /hours to rebuild 05 \(kept as committed unless new rows fall in them: 07; from [1-9]\d* new, 0 changed, 0 removed raw objects; a new object is counted in its folder's hour, but the run rebuilds the hours its rows fall in/,
    );
    // a partial day has no day tier yet: verify notes it (exit 0), it is not a fault that `run` would repair
    const partial = await runCli(['verify', '--date', fleetDay, '--store', dir.path]);
    assert.equal(partial.code, 0, partial.stdout);
    assert.match(partial.stdout, new RegExp(`${fleetDay} {2}hour {2}ok\n`));
    assert.match(
      partial.stdout,
      new RegExp(
        `${fleetDay} {2}day {3}note {6}rollup/day/dt=${fleetDay}/_manifest.json: not built yet: the day is partial, ` +
          'built by hourly runs so far \\(hour folders 07\\)',
      ),
    );
    assert.match(partial.stdout, /verify: 2 partitions, \d+ files re-hashed, 0 mismatches\n$/);
    const whole = await runCli(['run', '--date', fleetDay, '--store', dir.path, '--workers', '0']);
    assert.equal(whole.code, 0, whole.stderr);
    assert.match(whole.stdout, /hours rebuilt 05 \(kept as committed: 07\)\n/);
    // what this run read and wrote, not the whole day's: hr=05's one raw file, and hour 05's segment files
    const raw05 = (await stat(`${dir.path}/raw/dt=${fleetDay}/hr=05/part-0.parquet`)).size;
    assert.match(
      whole.stdout,
      new RegExp(
        `\\n  inputs {8}2 files \\(1 decoded by this run, ${raw05} bytes; the rows of the others as committed\\)\\n`,
      ),
    );
    interface Listed {
      readonly bytes: number;
    }
    interface Segment {
      readonly hour: number;
      readonly outputs: readonly Listed[];
      readonly cube: { tree: Listed; records: readonly Listed[]; cuboidFiles: readonly Listed[] };
    }
    const manifest = JSON.parse(await readFile(`${dir.path}/rollup/hour/dt=${fleetDay}/_manifest.json`, 'utf8')) as {
      segments: { list: readonly Segment[] };
    };
    const filesOf = (ss: readonly Segment[]): Listed[] =>
      ss.flatMap((x) => [...x.outputs, x.cube.tree, ...x.cube.records, ...x.cube.cuboidFiles]);
    const bytesOf = (fs: readonly Listed[]): number => fs.reduce((a, f) => a + f.bytes, 0);
    const [built, all] = [filesOf(manifest.segments.list.filter((x) => x.hour === 5)), filesOf(manifest.segments.list)];
    assert.ok(built.length > 0 && built.length < all.length);
    assert.ok(
      whole.stdout.includes(
        `\n  files written ${built.length} (${bytesOf(built)} bytes) of the ${all.length} the manifest lists ` +
          `(${bytesOf(all)} bytes; the others carried as committed)\n`,
      ),
      whole.stdout,
    );
    assert.doesNotMatch(whole.stdout, /partial day {3}/); // no longer partial (its reason to build says why)
    assert.match(
      whole.stdout,
      /built because 1 raw objects added \(.*\); partial day: hour folders hr=00, .* \(23\) listed/,
    );
    const again = await q(`${fleetDay}T05:00:00Z`, `${fleetDay}T06:00:00Z`);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stdout, /not built/);
  });

  it('a run of the whole day after hourly runs built every folder with data commits the day as complete, decoding nothing: its empty hours are no longer "not built yet"', async () => {
    const own = await makeTempDir('cli-hour-complete');
    try {
      const db = await openOracle(1);
      await writeSmallFleetDay(db, own.path); // hours 05 and 07; no other hour folder
      db.close();
      const cli = (...args: string[]) => runCli([...args, '--store', own.path]);
      for (const hour of ['05', '07'])
        assert.equal((await cli('run', '--date', fleetDay, '--hour', hour, '--workers', '0')).code, 0);
      const six = [
        'query',
        '--metric',
        'cpu_usage',
        '--from',
        `${fleetDay}T06:00:00Z`,
        '--to',
        `${fleetDay}T07:00:00Z`,
      ];
      const partial = await cli(...six, '--agg', 'avg');
      assert.equal(partial.code, 3, partial.stderr);
      assert.match(partial.stderr, /hours not built yet/);
      const hourListing = async (): Promise<{ hourFoldersBuilt?: number[] } | undefined> =>
        (
          JSON.parse((await cli('ls', '--format', 'json')).stdout) as { tier: string; hourFoldersBuilt?: number[] }[]
        ).find((p) => p.tier === 'hour');
      assert.deepEqual((await hourListing())?.hourFoldersBuilt, [5, 7]);
      assert.match((await cli('ls')).stdout, /partial day: hour folders built so far 05,07 \(run --hour\)/);
      const plan = await cli('plan', '--date', fleetDay);
      assert.match(
        plan.stdout,
        new RegExp(
          `${fleetDay} {2}build {2}2 raw objects {2}partial day: hour folders hr=00, hr=01, hr=02, hr=03, hr=04, ` +
            'hr=06, \\.\\.\\. \\(22\\) listed for the first time\\n.*hours to rebuild none \\(kept as committed: 05,07;',
        ),
      );
      const whole = await cli('run', '--date', fleetDay, '--workers', '0');
      assert.equal(whole.code, 0, whole.stderr);
      assert.match(whole.stdout, /^committed /);
      assert.match(whole.stdout, /\n {2}inputs {8}2 files \(0 decoded by this run, 0 bytes; /);
      assert.match(whole.stdout, /\n {2}hours rebuilt none \(kept as committed: 05,07\)\n/);
      assert.doesNotMatch(whole.stdout, /partial day {3}/);
      const empty = await cli(...six, '--agg', 'avg');
      assert.equal(empty.code, 3, empty.stderr); // still no data, never 0: now an hour with nothing in it
      assert.match(
        empty.stderr,
        /no data: hours with nothing matching \(1\): 2026-11-24T06:00:00Z\/2026-11-24T07:00:00Z/,
      );
      assert.doesNotMatch(empty.stderr, /not built/);
      assert.doesNotMatch((await cli('inspect', '--date', fleetDay)).stdout, /partial day/);
      assert.equal((await hourListing())?.hourFoldersBuilt, undefined);
      assert.match((await cli('run', '--date', fleetDay, '--workers', '0')).stdout, /^skipped /);
    } finally {
      await own.remove();
    }
  });
});
