import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { after, it } from 'node:test';
import { startCliHost } from '../helpers/cli-host.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// One host process runs every CLI invocation of this file (through main): these tests are about the commands, not
// the process, and a new process per invocation spent most of its time loading modules.
const host = startCliHost();
after(() => host.stop());
const runCli = host.run;

const [day, next] = ['2026-11-20', '2026-11-21'];

/**
 * Writes the default job with raw kept 1 day into `dir`, without its cube unless `cube` (raw retention and late rows
 * concern raw objects and the tiers' manifests, not the star-trees; queries need the cube); returns its path.
 */
async function writeRetentionJob(dir: string, cube = false): Promise<string> {
  const job = JSON.parse(await readFile(new URL('../../../jobs/default-job.json', import.meta.url), 'utf8')) as {
    raw: Record<string, unknown>;
    cube?: unknown;
  };
  job.raw.retentionDays = 1;
  if (!cube) delete job.cube;
  const config = `${dir}/raw-retention-job.json`;
  await writeFile(config, JSON.stringify(job));
  return config;
}

/**
 * Runs `body` on a fresh store holding the sample raw days `dates` (3,000 rows, seed 6), with the raw-retention job
 * written beside it; removes the store afterwards.
 */
async function withSampleDays(
  name: string,
  dates: readonly string[],
  body: (store: {
    readonly path: string;
    readonly config: string;
    readonly cli: (...args: string[]) => ReturnType<typeof runCli>;
  }) => Promise<void>,
): Promise<void> {
  const dir = await makeTempDir(name);
  try {
    const cli = (...args: string[]) => runCli([...args, '--store', dir.path]);
    const config = await writeRetentionJob(dir.path);
    for (const d of dates) assert.equal((await cli('generate', '--date', d, '--rows', '3000', '--seed', '6')).code, 0);
    await body({ path: dir.path, config, cli });
  } finally {
    await dir.remove();
  }
}

it(
  "raw retention keeps a day's late hour folders until the previous day's run has read them as they are now",
  {
    timeout: 300_000,
  },
  async () =>
    withSampleDays('raw-retention-late', [day, next], async (dir) => {
      const { cli, config } = dir;
      assert.equal((await cli('run', '--date', day, '--config', config)).code, 0); // reads next's hr=00 and hr=01 as late
      // a file lands in the next day's hr=00 afterwards; the next day's own run reads it, the day's run has not
      const hr00 = `${dir.path}/raw/dt=${next}/hr=00`;
      const [one] = (await readdir(hr00)).filter((f) => f.endsWith('.parquet')).sort();
      await copyFile(`${hr00}/${one}`, `${hr00}/late-copy.parquet`);
      assert.equal((await cli('run', '--date', next, '--config', config)).code, 0);

      const retention = () => cli('retention', '--config', config, '--now', '2026-12-01T00:00:00Z', '--apply');
      const held = await retention();
      assert.equal(held.code, 0, held.stderr);
      // both raw days stay: the day's run must read the late file, and to run again it needs its own raw too
      for (const d of [day, next])
        assert.ok(
          held.stdout.includes(
            `  kept         raw  ${d}  past its age, but 1 late objects are not read by the run of ${day} as they are ` +
              `now (raw/dt=${next}/hr=00/late-copy.parquet): kept until \`run --date ${day}\` reads them\n`,
          ),
          held.stdout,
        );
      assert.doesNotMatch(held.stdout, /deleted +raw/);
      assert.ok(existsSync(`${hr00}/late-copy.parquet`));

      // the day's rows in the next day's new file are rolled up by the day's run: then the raw goes
      assert.equal((await cli('run', '--date', day, '--config', config)).code, 0);
      const applied = await retention();
      for (const d of [day, next]) assert.match(applied.stdout, new RegExp(`^ {2}deleted +raw +${d} `, 'm'));
      assert.equal(existsSync(`${hr00}/late-copy.parquet`), false);
    }),
);

it(
  "late rows that landed after a day's run are still said not read once the hour tier's retention removed its hour partition",
  { timeout: 300_000 },
  async () =>
    withSampleDays('late-after-hour-retention', [day, next], async (dir) => {
      const { cli, config } = dir;
      assert.equal((await cli('run', '--date', day, '--config', config)).code, 0);
      assert.equal((await cli('run', '--date', next, '--config', config)).code, 0);
      // a copy of an object holding rows of the day, landed after the day's run started
      const manifest = JSON.parse(await readFile(`${dir.path}/rollup/hour/dt=${next}/_manifest.json`, 'utf8')) as {
        inputs: { key: string; rows?: { routed: number } }[];
      };
      const routing = manifest.inputs.find((i) => (i.rows?.routed ?? 0) > 0)!.key;
      const hr00 = `${dir.path}/raw/dt=${next}/hr=00`;
      await copyFile(`${dir.path}/${routing}`, `${hr00}/late-copy.parquet`);
      // the hour tier's retention removed the day's hour partition; its day tier stays (what its run read as late
      // went with the hour manifest)
      await rm(`${dir.path}/rollup/hour/dt=${day}`, { recursive: true });
      const r = await cli('run', '--date', next, '--config', config);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        new RegExp(
          `not read yet +\\d+ rows? of ${day} in 1 raw object \\(raw/dt=${next}/hr=00/late-copy\\.parquet\\) ` +
            `(is|are) in no committed partition: ${day}'s committed run has not read them as they are now`,
        ),
      );
      const verify = await cli('verify', '--date', next, '--config', config);
      assert.equal(verify.code, 1, verify.stdout);
      const held = await cli('retention', '--config', config, '--now', '2026-12-01T00:00:00Z', '--apply');
      assert.equal(held.code, 0, held.stderr);
      assert.match(
        held.stdout,
        new RegExp(`kept +raw +${next} +past its age, but 1 late objects are not read by the run of ${day}`),
      );
      assert.match(held.stdout, new RegExp(`kept +raw +${day} `)); // the day's own raw, to run it again
      assert.doesNotMatch(held.stdout, /deleted +raw/);
    }),
);

it(
  'late rows of a day whose own raw objects are gone: run, verify and retention say no run can read them, and what to do',
  {
    timeout: 300_000,
  },
  async () =>
    withSampleDays('raw-gone-late', [day, next], async (dir) => {
      const { cli, config } = dir;
      for (const d of [day, next]) assert.equal((await cli('run', '--date', d, '--config', config)).code, 0);
      await rm(`${dir.path}/raw/dt=${day}`, { recursive: true }); // the day's raw past its retention
      // then a straggler with rows of the day lands in the next day's hr=00: a copy of a file holding some
      const hr00 = `${dir.path}/raw/dt=${next}/hr=00`;
      const manifest = JSON.parse(await readFile(`${dir.path}/rollup/hour/dt=${next}/_manifest.json`, 'utf8')) as {
        inputs: { key: string; rows?: { routed: number } }[];
      };
      const routing = manifest.inputs.find((i) => (i.rows?.routed ?? 0) > 0);
      assert.ok(routing, 'the sample day has rows of the day before in its hr=00');
      await copyFile(`${dir.path}/${routing.key}`, `${hr00}/straggler.parquet`);
      const nextRun = await cli('run', '--date', next, '--config', config);
      assert.equal(nextRun.code, 0, nextRun.stderr);
      const said =
        `${day}'s own raw objects are gone (raw retention), so no run rebuilds its committed partition; restore ` +
        `${day}'s raw objects and \`telemetry-rollup run --date ${day}\` reads them, or delete these objects to accept ` +
        'their loss';
      assert.ok(nextRun.stdout.includes(said), nextRun.stdout);
      assert.doesNotMatch(nextRun.stdout, /reads them \(with --allow-empty/);
      const kept = await cli('run', '--date', day, '--config', config, '--allow-empty');
      assert.match(kept.stdout, /kept as committed/); // indeed nothing reads them
      const verify = await cli('verify', '--date', next, '--config', config);
      assert.equal(verify.code, 1); // rows in no partition: a human decides
      assert.ok(verify.stdout.includes(said), verify.stdout);
      const retention = await cli('retention', '--config', config, '--now', '2026-12-01T00:00:00Z');
      assert.ok(
        retention.stdout.includes(
          `1 late objects hold rows of ${day} that no run can read, as ${day}'s own raw objects are gone ` +
            `(raw/dt=${next}/hr=00/straggler.parquet): kept until ${day}'s raw objects are restored`,
        ),
        retention.stdout,
      );
    }),
);

it(
  'raw retention keeps the late folders of a day whose previous day has raw objects but was never rolled up',
  {
    timeout: 300_000,
  },
  async () =>
    withSampleDays('raw-retention-pending', [day, next], async (dir) => {
      const { cli, config } = dir;
      assert.equal((await cli('run', '--date', next, '--config', config)).code, 0); // the day before never ran
      const retention = () => cli('retention', '--config', config, '--now', '2026-12-01T00:00:00Z', '--apply');
      const held = await retention();
      assert.equal(held.code, 0, held.stderr);
      assert.match(
        held.stdout,
        new RegExp(`kept +raw +${next} +past its age, but \\d+ late objects are not read by the run of ${day}`),
      );
      assert.doesNotMatch(held.stdout, /deleted +raw/);
      assert.equal((await cli('run', '--date', day, '--config', config)).code, 0);
      const applied = await retention();
      for (const d of [day, next]) assert.match(applied.stdout, new RegExp(`^ {2}deleted +raw +${d} `, 'm'));
    }),
);

it(
  'raw retention keeps a raw folder named like a date that is no calendar day (dt=2026-02-30), and goes on',
  {
    timeout: 300_000,
  },
  async () =>
    withSampleDays('raw-retention-no-day', [day], async (dir) => {
      const { cli, config } = dir;
      assert.equal((await cli('run', '--date', day, '--config', config)).code, 0);
      const [one] = (await readdir(`${dir.path}/raw/dt=${day}/hr=05`)).filter((f) => f.endsWith('.parquet'));
      await mkdir(`${dir.path}/raw/dt=2026-02-30/hr=00`, { recursive: true });
      await copyFile(`${dir.path}/raw/dt=${day}/hr=05/${one}`, `${dir.path}/raw/dt=2026-02-30/hr=00/x.parquet`);
      const r = await cli('retention', '--config', config, '--now', '2026-12-31T00:00:00Z');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^ {2}would-delete raw +${day} `, 'm'));
      assert.match(
        r.stdout,
        /^ {2}kept +raw +2026-02-30 {2}folder dt=2026-02-30 is no partition day: no run reads it/m,
      );
    }),
);

it(
  "a previous day with only a crashed run's files (no manifest) keeps the next day's late folders: it never read them",
  { timeout: 300_000 },
  async () =>
    withSampleDays('raw-retention-leftover', [day, next], async (dir) => {
      const { cli, config } = dir;
      assert.equal((await cli('run', '--date', next, '--config', config)).code, 0);
      // a run of `day` crashed before its manifest: files, and no commit
      await mkdir(`${dir.path}/rollup/hour/dt=${day}`, { recursive: true });
      await writeFile(`${dir.path}/rollup/hour/dt=${day}/part-h00-crashed.parquet`, 'not committed');
      const held = await cli('retention', '--config', config, '--now', '2026-12-01T00:00:00Z', '--apply');
      assert.equal(held.code, 0, held.stderr);
      assert.match(
        held.stdout,
        new RegExp(`kept {9}raw {2}${next} {2}past its age, but \\d+ late objects are not read`),
      );
      assert.doesNotMatch(held.stdout, /deleted +raw/); // it deleted the next day's raw, and the day's late rows with it
      const run = await cli('run', '--date', day, '--config', config);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /rows late +[1-9]\d* /);
    }),
);

it(
  'a stale day tier of a day whose raw retention removed is built again from the committed hour files by its next run',
  { timeout: 300_000 },
  async () =>
    withSampleDays('raw-retention-stale-day-tier', [day, next], async (dir) => {
      const { cli } = dir;
      const config = await writeRetentionJob(dir.path, true); // its queries read the star-trees
      for (const d of [day, next]) assert.equal((await cli('run', '--date', d, '--config', config)).code, 0);
      // a late file lands in hr=05 and the hourly run takes it: the day tier is stale
      const hr05 = `${dir.path}/raw/dt=${day}/hr=05`;
      const [one] = (await readdir(hr05)).filter((f) => f.endsWith('.parquet')).sort();
      await copyFile(`${hr05}/${one}`, `${hr05}/late-copy.parquet`);
      assert.equal((await cli('run', '--date', day, '--hour', '05', '--config', config)).code, 0);
      const increase = ['query', '--metric', 'bytes_in_total', '--from', day, '--to', next, '--agg', 'increase'];
      assert.equal((await cli(...increase, '--grain', 'day')).code, 1, 'a stale day tier cannot answer increase');
      const sum = [
        'query',
        '--metric',
        'received_bytes',
        '--from',
        day,
        '--to',
        next,
        '--agg',
        'sum',
        '--format',
        'json',
      ];
      const hourly = await cli(...sum);
      assert.equal(hourly.code, 0, hourly.stderr);
      const hourSum = (JSON.parse(hourly.stdout) as { value: number }[]).reduce((a, r) => a + r.value, 0);

      const retention = await cli('retention', '--config', config, '--now', '2026-12-01T00:00:00Z', '--apply');
      assert.match(retention.stdout, new RegExp(`deleted {6}raw {2}${day} `));
      // plan says what the run then does: the hour tier kept, the day tier built from the committed hour files
      const plan = await cli('plan', '--date', day, '--config', config);
      assert.match(plan.stdout, new RegExp(`^${day} {2}keep `, 'm'));
      assert.match(plan.stdout, new RegExp(`^${day} {2}day tier build {2}from the committed hour files`, 'm'));
      const run = await cli('run', '--date', day, '--config', config);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /skipped \(kept as committed: the \d+ raw objects of its own day .* are gone/);
      assert.match(run.stdout, /\nday tier committed /); // it said to run it, and then built nothing
      const ls = JSON.parse((await cli('ls', '--format', 'json')).stdout) as {
        tier: string;
        date: string;
        stale?: boolean;
      }[];
      assert.equal(ls.find((p) => p.tier === 'day' && p.date === day)?.stale, false);
      assert.equal((await cli(...increase, '--grain', 'day')).code, 0, 'the day tier answers increase again');
      const daily = await cli(...sum, '--grain', 'day', '--explain');
      assert.equal(daily.code, 0, daily.stderr);
      assert.match(daily.stderr, new RegExp(`explain ${day} \\(day tier\\)`));
      const [dayRow] = JSON.parse(daily.stdout) as { value: number }[];
      assert.ok(Math.abs(dayRow!.value - hourSum) <= 1e-9 * hourSum, `${dayRow!.value} vs ${hourSum}`);
      assert.equal((await cli('verify', '--date', day, '--config', config)).code, 0);
    }),
);

it(
  'verify notes partitions past their tier retention as removed by retention, not as mismatches to rebuild',
  { timeout: 300_000 },
  async () =>
    // days of 2020: past any retention below at whatever clock the test runs
    withSampleDays('retention-verify', ['2020-01-10', '2020-01-11', '2020-01-12'], async (dir) => {
      const { cli, path } = dir;
      const job = JSON.parse(await readFile(new URL('../../../jobs/default-job.json', import.meta.url), 'utf8')) as {
        output: { tiers: { grain: string; retentionDays?: number }[] };
      };
      for (const t of job.output.tiers) t.retentionDays = t.grain === 'hour' ? 1 : 10;
      const config = `${path}/tiers-retention-job.json`;
      await writeFile(config, JSON.stringify(job));
      for (const d of ['2020-01-10', '2020-01-11', '2020-01-12'])
        assert.equal((await cli('run', '--date', d, '--config', config)).code, 0);
      // every hour partition goes, and the first day's day tier (2020-01-10 + 10 days: from 01-21 on)
      const applied = await cli('retention', '--config', config, '--now', '2020-01-21T12:00:00Z', '--apply');
      assert.match(applied.stdout, /\n4 partitions deleted, 0 skipped, 2 kept/);
      const verify = await cli('verify', '--from', '2020-01-10', '--to', '2020-01-12', '--config', config);
      assert.equal(verify.code, 0, verify.stdout);
      assert.match(
        verify.stdout,
        /2020-01-10 {2}day {3}note {6}rollup\/day\/dt=2020-01-10\/_manifest.json: past the day tier's retention \(10 days\): removed by retention, nothing to verify\n/,
      );
      assert.match(verify.stdout, /2020-01-12 {2}day {3}ok\n/);
      assert.match(verify.stdout, /verify: 6 partitions, \d+ files re-hashed, 0 mismatches\n/);
      assert.doesNotMatch(verify.stdout, /MISMATCH/);
      // a query over the day past every tier's retention says so, not that it was never rolled up
      const days = ['query', '--metric', 'received_bytes', '--from', '2020-01-10', '--to', '2020-01-13'];
      const table = await cli(...days, '--grain', 'day', '--config', config);
      assert.equal(table.code, 0, table.stderr);
      assert.match(
        table.stdout,
        /\nno data: days past every tier's retention \(no committed partition: removed by retention\): 2020-01-10\n/,
      );
      assert.doesNotMatch(table.stdout, /not rolled up/);
      const json = await cli(...days, '--grain', 'day', '--config', config, '--format', 'json');
      const event = json.stderr.split('\n').find((l) => l.includes('"event":"query_missing_data"'));
      assert.deepEqual(JSON.parse(event ?? 'null').missing, {
        days: ['2020-01-10'],
        notRolledUp: ['2020-01-10'],
        removedByRetention: ['2020-01-10'],
        hours: [],
        nothingFound: false,
      });
      // a run of the next day: the day before's late rows are in its day tier, not "in no committed partition"
      const rerun = await cli('run', '--date', '2020-01-12', '--config', config, '--force');
      assert.equal(rerun.code, 0, rerun.stderr);
      assert.match(rerun.stdout, /rows routed +[1-9]/);
      assert.doesNotMatch(rerun.stdout + rerun.stderr, /in no committed partition/);
    }),
);
