import assert from 'node:assert/strict';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { after, it } from 'node:test';
import { openOracle, sqlString } from '../helpers/duckdb.js';
import { startCliHost } from '../helpers/cli-host.js';
import { leaseBody } from '../helpers/live-lease.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// One host process runs every CLI invocation of this file (through main): these tests are about the commands, not
// the process, and a new process per invocation spent most of its time loading modules.
const host = startCliHost();
after(() => host.stop());
const runCli = host.run;

const date = '2026-11-24';
const next = '2026-11-25';

it('a day tier built before hours were rebuilt (run --hour) is not read: day-grain answers merge the committed hours, and ls, plan and the exact aggregates say it is stale until the next run', {
  timeout: 300_000,
}, async () => {
  const dir = await makeTempDir('stale-day-tier');
  const db = await openOracle(1);
  try {
    const store = dir.path;
    const cli = async (...args: string[]) => runCli([...args, '--store', store]);
    assert.equal((await cli('generate', '--date', date, '--rows', '6000', '--seed', '4')).code, 0);
    const first = await cli('run', '--date', date, '--workers', '0');
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /\nday tier committed /);

    // a late file lands in hr=07 (one of its files again, of a new cluster: every value counted twice), and the
    // hourly run takes it
    const hr07 = `${store}/raw/dt=${date}/hr=07`;
    const [one] = (await readdir(hr07)).filter((f) => f.endsWith('.parquet')).sort();
    assert.ok(one);
    await db.run(
      `COPY (SELECT * REPLACE ('lkc-late' AS cluster) FROM read_parquet(${sqlString(`${hr07}/${one}`)})) ` +
        `TO ${sqlString(`${hr07}/late-copy.parquet`)} (FORMAT parquet)`,
    );
    const clustersOf = async (): Promise<readonly string[]> => {
      const values = await cli('values', '--dim', 'cluster', '--tier', 'day', '--format', 'json');
      assert.equal(values.code, 0, values.stderr);
      return (JSON.parse(values.stdout) as { values: string[] }).values;
    };
    assert.ok(!(await clustersOf()).includes('lkc-late'));
    const hourly = await cli('run', '--date', date, '--hour', '07', '--workers', '0');
    assert.equal(hourly.code, 0, hourly.stderr);
    assert.match(hourly.stdout, /hours rebuilt (\d\d,)*07/);
    assert.doesNotMatch(hourly.stdout, /day tier/);

    // the oracle: the day's received_bytes over every raw file now committed, and without the late copy
    const sum = async (files: string): Promise<number> => {
      const [row] = await db.rows(
        `SELECT sum(value)::DOUBLE AS s FROM read_parquet(${sqlString(files)}) WHERE metric = 'received_bytes' ` +
          `AND value IS NOT NULL AND isfinite(value) AND timestamp >= TIMESTAMPTZ '${date} 00:00:00+00' ` +
          `AND timestamp < TIMESTAMPTZ '${next} 00:00:00+00'`,
      );
      return Number(row!.s);
    };
    const now = await sum(`${store}/raw/dt=${date}/*/*.parquet`);
    const before = now - (await sum(`${hr07}/late-copy.parquet`));
    assert.ok(now > before, 'the late copy adds bytes');

    const daySum = ['query', '--metric', 'received_bytes', '--from', date, '--to', next, '--agg', 'sum'];
    const answerOf = (stdout: string): number => {
      const rows = JSON.parse(stdout) as { time: string; value: number }[];
      assert.equal(rows.length, 1, stdout);
      return rows[0]!.value;
    };
    const stale = await cli(...daySum, '--grain', 'day', '--format', 'json', '--explain');
    assert.equal(stale.code, 0, stale.stderr);
    assert.ok(Math.abs(answerOf(stale.stdout) - now) <= 1e-9 * now, `${answerOf(stale.stdout)} vs ${now}`);
    assert.match(stale.stderr, new RegExp(`explain ${date} \\(hour tier; its day tier is stale`));

    const increase = await cli(
      ...['query', '--metric', 'bytes_in_total', '--from', date, '--to', next, '--agg', 'increase', '--grain', 'day'],
    );
    assert.equal(increase.code, 1, increase.stdout);
    assert.match(increase.stderr, new RegExp(`needs the day tier of ${date}, which is stale: .*run --date ${date}`));
    // while a run holds the day tier's lease (it committed the hours and is building the day tier): retry, 75
    const lease = `${dir.path}/rollup/day/dt=${date}/_lease.json`;
    await writeFile(lease, leaseBody());
    const building = await cli(
      ...['query', '--metric', 'bytes_in_total', '--from', date, '--to', next, '--agg', 'increase', '--grain', 'day'],
    );
    await rm(lease);
    assert.equal(building.code, 75, building.stderr);
    assert.match(building.stderr, new RegExp(`needs the day tier of ${date}, which a run is rebuilding now`));

    assert.ok((await clustersOf()).includes('lkc-late'), 'values of the day tier: its committed hours while stale');

    // an hour-grain query a declared cuboid answers: the stale day tier's hour cuboids (without lkc-late) are not read
    const lateHours = [
      ...['query', '--metric', 'received_bytes', '--from', date, '--to', next, '--agg', 'sum'],
      ...['--where', 'cluster=lkc-late', '--format', 'json', '--explain'],
    ];
    const lateStale = await cli(...lateHours);
    assert.equal(lateStale.code, 0, lateStale.stderr);
    assert.doesNotMatch(lateStale.stderr, /hour cuboid/);
    const lateRows = JSON.parse(lateStale.stdout) as { time: string; value: number }[];
    assert.ok(lateRows.length > 0 && lateRows.every((r) => r.value > 0), lateStale.stdout);

    const ls = await cli('ls', '--format', 'json');
    assert.equal(ls.code, 0, ls.stderr);
    const day = (JSON.parse(ls.stdout) as { tier: string; stale?: boolean }[]).find((p) => p.tier === 'day');
    assert.equal(day?.stale, true);
    assert.match((await cli('ls')).stdout, /stale day tier: hours were rebuilt after it was built/);
    const plan = await cli('plan', '--date', date);
    const h07 = `rollup/hour/dt=${date}/part-h07-`; // files are named by content: hour 07's new file replaced its old
    assert.match(
      plan.stdout,
      new RegExp(
        `${date} {2}skip .*\\n${date} {2}day tier build {2}1 hour files added \\(${h07}.*; 1 hour files removed \\(${h07}`,
      ),
    );

    // retention past the hour tier's age keeps the hour partition: the stale day tier lacks its rebuilt hour 07, and
    // would answer alone without it
    const jobs = await makeTempDir('stale-day-tier-job');
    const job = JSON.parse(await readFile(new URL('../../../jobs/default-job.json', import.meta.url), 'utf8')) as {
      output: { tiers: { grain: string; retentionDays?: number }[] };
    };
    for (const t of job.output.tiers) t.retentionDays = t.grain === 'hour' ? 2 : 30;
    const retentionJob = `${jobs.path}/job.json`;
    await writeFile(retentionJob, JSON.stringify(job));
    const retention = ['retention', '--config', retentionJob, '--now', '2026-11-29T00:00:00Z', '--apply'];
    const kept = await cli(...retention);
    assert.equal(kept.code, 0, kept.stderr);
    assert.match(
      kept.stdout,
      new RegExp(
        `kept {9}hour ${date} {2}past its age, but the day tier was built before hours of the day were rebuilt`,
      ),
    );
    assert.match(kept.stdout, /\n0 partitions deleted, 0 skipped, 2 kept/);
    const afterRetention = await cli(...daySum, '--grain', 'day', '--format', 'json');
    assert.equal(afterRetention.code, 0, afterRetention.stderr);
    assert.equal(answerOf(afterRetention.stdout), answerOf(stale.stdout));

    // the daily run rebuilds the day tier from the committed hours; it is read again, with the same answer
    const daily = await cli('run', '--date', date, '--workers', '0');
    assert.equal(daily.code, 0, daily.stderr);
    assert.match(daily.stdout, /\nday tier committed /);
    const fresh = await cli(...daySum, '--grain', 'day', '--format', 'json', '--explain');
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.equal(answerOf(fresh.stdout), answerOf(stale.stdout));
    assert.match(fresh.stderr, new RegExp(`explain ${date} \\(day tier\\)`));
    assert.equal(
      (JSON.parse((await cli('ls', '--format', 'json')).stdout) as { tier: string; stale?: boolean }[]).find(
        (p) => p.tier === 'day',
      )?.stale,
      false,
    );
    assert.match((await cli('plan', '--date', date)).stdout, new RegExp(`${date} {2}day tier skip `));
    // built again from the committed hours, the day tier's hour cuboids answer it, with the same rows
    const lateFresh = await cli(...lateHours);
    assert.equal(lateFresh.code, 0, lateFresh.stderr);
    assert.match(
      lateFresh.stderr,
      new RegExp(`explain ${date} \\(hour tier, from the day tier's hour cuboid metric_cluster\\)`),
    );
    const freshRows = JSON.parse(lateFresh.stdout) as { time: string; value: number }[];
    assert.deepEqual(
      freshRows.map((r) => r.time),
      lateRows.map((r) => r.time),
    );
    freshRows.forEach((r, i) => assert.ok(Math.abs(r.value - lateRows[i]!.value) <= 1e-9 * r.value, `${r.time}`));
    assert.ok((await clustersOf()).includes('lkc-late'));

    // a backfill over a day whose day tier is stale: the hour tier is skipped, the day tier rebuilt, and the table
    // says both
    await rm(`${hr07}/late-copy.parquet`);
    assert.equal((await cli('run', '--date', date, '--hour', '07', '--workers', '0')).code, 0);
    const backfill = await cli('backfill', '--from', date, '--to', date);
    assert.equal(backfill.code, 0, backfill.stderr);
    assert.match(backfill.stdout, new RegExp(`\\n${date} {2}skipped .* {2}day tier committed( |\\n)`));
    // now the day tier holds every committed hour: retention deletes the hour partition, and the day answers the same
    const deleted = await cli(...retention);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, new RegExp(`deleted {6}hour ${date} `));
    const dayAlone = answerOf((await cli(...daySum, '--grain', 'day', '--format', 'json')).stdout);
    assert.ok(Math.abs(dayAlone - before) <= 1e-9 * before, `${dayAlone} vs ${before}`);
    // at hour grain the day is no data, and the answer says why (it said "days not rolled up")
    const hourGrain = await cli(...daySum, '--format', 'json');
    assert.equal(hourGrain.code, 3, hourGrain.stderr);
    assert.match(
      hourGrain.stderr,
      new RegExp(
        `no data at hour grain: days whose hour partition the hour tier's retention removed \\(their day tier ` +
          `holds them: a day-grain answer of a whole day reads it\\): ${date}`,
      ),
    );
    assert.doesNotMatch(hourGrain.stderr, /not rolled up/);
    // a whole-day, day-grain question by a dimension the day tier drops: no tier holds it, and the answer says so
    const byPartition = await cli(...daySum, '--grain', 'day', '--group-by', 'partition', '--format', 'json');
    assert.equal(byPartition.code, 3, byPartition.stderr);
    assert.match(
      byPartition.stderr,
      new RegExp(
        `hour tier's retention removed \\(their day tier drops partition, which the question needs: no tier holds ` +
          `it\\): ${date}`,
      ),
    );
    const dropsEvent = byPartition.stderr.split('\n').find((l) => l.includes('"event":"query_missing_data"'));
    assert.deepEqual(JSON.parse(dropsEvent ?? 'null').missing.dayTierDrops, ['partition']);
    const inspect = await cli('inspect', '--date', date);
    assert.equal(inspect.code, 1);
    assert.match(inspect.stderr, /its day tier is: the hour tier's retention removed the hour partition, most likely/);
    const values = await cli('values', '--dim', 'cluster', '--from', date, '--to', date);
    assert.match(
      values.stderr,
      /no committed hour partition .* \(the day tier holds 1 days of the range: ask the day tier\)/,
    );
    const event = hourGrain.stderr.split('\n').find((l) => l.includes('"event":"query_missing_data"'));
    assert.deepEqual(JSON.parse(event ?? 'null').missing, {
      days: [date],
      notRolledUp: [],
      hourTierGone: [date],
      hours: [],
      nothingFound: true,
    });
    await jobs.remove();
  } finally {
    db.close();
    await dir.remove();
  }
});
