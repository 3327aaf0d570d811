import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { IContainer } from 'kubernetes-models/v1';
import { makeTempDir } from '../helpers/temp-dir.js';
import { makeFakeCommand } from '../helpers/fake-command.js';
import { jobsDir, loadManifests } from '../helpers/load-manifests.js';

/**
 * The shell script and the literal env of the one container of the first manifest of `kind`, or of the manifest in
 * `file` (under jobs/).
 */
async function containerScript(kind: string, file?: string): Promise<{ script: string; env: Record<string, string> }> {
  const doc = (await loadManifests()).find((m) => (file ? m.file === file : m.doc.kind === kind))?.doc as {
    spec: {
      jobTemplate?: { spec: { template: { spec: { containers: IContainer[] } } } };
      template?: { spec: { containers: IContainer[] } };
    };
  };
  const pod = doc.spec.jobTemplate?.spec.template.spec ?? doc.spec.template!.spec;
  const c = pod.containers[0]!;
  assert.deepEqual(c.command?.slice(0, 2), ['/bin/sh', '-c']);
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  return { script: c.command![2]!, env };
}

/** The UTC day before now, as `date -u -d yesterday +%F` prints it. */
function yesterdayUtc(): string {
  return new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
}

/** The UTC day before `date`. */
function dayBeforeOf(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

/** Consecutive UTC days from `from`, `n` of them. */
function days(from: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) =>
    new Date(Date.parse(`${from}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10),
  );
}

/** What every run of the manifests adds: its metrics pushed to the Pushgateway of their PUSHGATEWAY_URL. */
const push = ' --pushgateway http://prometheus-pushgateway.monitoring.svc:9091';

const temps: Array<() => Promise<void>> = [];
after(async () => {
  for (const remove of temps) await remove();
});

/** A fresh temporary directory with a fake `name` on PATH. */
async function fake(name: string) {
  const dir = await makeTempDir(`jobs-${name}`);
  temps.push(dir.remove);
  return { dir: dir.path, cmd: await makeFakeCommand(dir.path, name) };
}

describe('backfill Indexed Job script', () => {
  let script = '';
  let env: Record<string, string> = {};
  // Ten days across a leap day and a month end.
  const range = days('2024-02-25', 10);

  before(async () => {
    ({ script, env } = await containerScript('Job'));
    assert.equal(env.JOB_COMPLETIONS, '3');
    env = { ...env, FROM_DATE: range[0]!, TO_DATE: range[9]! };
  });

  it('gives index i of 3 the days i, i+3, ... in order, and the three together cover every day exactly once', async () => {
    const covered: string[] = [];
    for (const index of [0, 1, 2]) {
      const { cmd } = await fake('node');
      const run = cmd.run(script, { ...env, JOB_COMPLETION_INDEX: String(index) });
      assert.equal(run.status, 0, run.stderr);
      const calls = await cmd.calls();
      const expected = range.filter((_, i) => i % 3 === index);
      assert.deepEqual(
        calls,
        expected.map(
          (d) => `bin/telemetry-rollup.js run --date ${d} --workers 2${push} --pushgateway-instance index-${index}`,
        ),
      );
      covered.push(...calls.map((c) => /--date (\S+)/.exec(c)![1]!));
    }
    assert.deepEqual(covered.sort(), range);
    assert.deepEqual(range, [
      '2024-02-25',
      '2024-02-26',
      '2024-02-27',
      '2024-02-28',
      '2024-02-29',
      '2024-03-01',
      '2024-03-02',
      '2024-03-03',
      '2024-03-04',
      '2024-03-05',
    ]);
  });

  it('ends the pod with the first failing exit code (75 retry, 1 halt) and runs no later day', async () => {
    for (const code of [75, 1]) {
      const { cmd } = await fake('node');
      // Index 1 takes 02-26, 02-29, 03-03; the middle one fails.
      const run = cmd.run(script, { ...env, JOB_COMPLETION_INDEX: '1' }, { failDate: '2024-02-29', failCode: code });
      assert.equal(run.status, code);
      assert.deepEqual(
        (await cmd.calls()).map((c) => /--date (\S+)/.exec(c)![1]),
        ['2024-02-26', '2024-02-29'],
      );
      assert.equal(run.stderr, `{"event":"backfill_failed","partition":"2024-02-29","exitCode":${code}}\n`);
    }
  });

  it('refuses a bad range or index with exit 1 before running anything', async () => {
    const cases: Array<[Record<string, string | undefined>, string]> = [
      [{ FROM_DATE: '2024-02-30' }, "FROM_DATE '2024-02-30' is not a YYYY-MM-DD day"],
      [{ TO_DATE: '2024-3-05' }, "TO_DATE '2024-3-05' is not a YYYY-MM-DD day"],
      [{ FROM_DATE: '2024-03-06' }, 'FROM_DATE 2024-03-06 is after TO_DATE 2024-03-05'],
      [{ JOB_COMPLETION_INDEX: '3' }, 'JOB_COMPLETION_INDEX 3 is not below JOB_COMPLETIONS 3'],
      [{ JOB_COMPLETION_INDEX: undefined }, "JOB_COMPLETION_INDEX '' is not an index"],
      [{ JOB_COMPLETION_INDEX: '01' }, "JOB_COMPLETION_INDEX '01' is not an index"],
      [{ JOB_COMPLETIONS: '0' }, "JOB_COMPLETIONS '0' is not a positive integer"],
      [{ FROM_DATE: '2024-02-25"; x' }, "FROM_DATE '2024-02-25; x' is not a YYYY-MM-DD day"],
    ];
    for (const [change, reason] of cases) {
      const { cmd } = await fake('node');
      const merged: Record<string, string> = {};
      for (const [k, v] of Object.entries({ ...env, JOB_COMPLETION_INDEX: '0', ...change }))
        if (v !== undefined) merged[k] = v;
      const run = cmd.run(script, merged);
      assert.equal(run.status, 1, JSON.stringify(change));
      assert.equal(run.stderr, `${JSON.stringify({ event: 'backfill_refused', reason })}\n`);
      assert.deepEqual(await cmd.calls(), []);
    }
  });
});

describe('CronJob script', () => {
  it('rolls up the day before again, then yesterday (UTC), then applies retention and gc after both succeed, exiting with the worst code', async () => {
    const { script, env } = await containerScript('CronJob');
    const catchUp = (d: string) => `bin/telemetry-rollup.js run --date ${d} --allow-empty --workers 2${push}`;
    const run = (d: string) => `bin/telemetry-rollup.js run --date ${d} --workers 2${push}`;
    const retention = 'bin/telemetry-rollup.js retention --apply';
    const gc = 'bin/telemetry-rollup.js gc';
    // [which run fails, its code, the calls expected]: yesterday's failure stops the script; the day before's does not
    // hold yesterday's run back, and the Job exits with it
    for (const [failing, code] of [
      ['none', 0],
      ['yesterday', 75],
      ['yesterday', 1],
      ['before', 75],
      ['before', 1],
    ] as const) {
      const { cmd } = await fake('node');
      const before = yesterdayUtc();
      const dayBefore = dayBeforeOf(before);
      const failDate = failing === 'yesterday' ? before : dayBefore;
      const result = cmd.run(script, env, failing === 'none' ? {} : { failDate, failCode: code });
      const calls = await cmd.calls();
      if (yesterdayUtc() !== before) continue; // ran across midnight: the dates moved under the test
      const expected =
        failing === 'none' ? [catchUp(dayBefore), run(before), retention, gc] : [catchUp(dayBefore), run(before)];
      assert.deepEqual(calls, expected, `${failing} ${code}`);
      assert.equal(result.status, code, result.stderr);
    }
  });
});

describe('day pods CronJob script', () => {
  it('every pod runs its share of yesterday; pod 0 then runs the day before again and applies retention and gc', async () => {
    const { script, env } = await containerScript('CronJob', 'k8s/day-pods-cronjob.yaml');
    for (const index of ['0', '2']) {
      const { cmd } = await fake('node');
      const before = yesterdayUtc();
      const result = cmd.run(script, { ...env, JOB_COMPLETION_INDEX: index });
      if (yesterdayUtc() !== before) continue; // ran across midnight
      assert.equal(result.status, 0, result.stderr);
      const dayBefore = dayBeforeOf(before);
      const pod = `bin/telemetry-rollup.js run --date ${before} --pod ${index}/3 --workers 2 --memory 1GiB`;
      assert.deepEqual(
        await cmd.calls(),
        index === '0'
          ? [
              pod,
              `bin/telemetry-rollup.js run --date ${dayBefore} --allow-empty --workers 2${push}`,
              'bin/telemetry-rollup.js retention --apply',
              'bin/telemetry-rollup.js gc',
            ]
          : [pod],
      );
    }
  });
});

describe('crontab', () => {
  it('runs the built CLI for the day before (allowing an empty day), yesterday (UTC), then gc, at 01:30 and 03:30, appending to the log', async () => {
    const text = await readFile(join(jobsDir, 'crontab'), 'utf8');
    const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
    const settings = new Map(
      lines.filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    assert.equal(settings.get('CRON_TZ'), 'UTC');
    assert.equal(settings.get('SHELL'), '/bin/sh');
    const entries = lines.filter((l) => !/^[A-Z_]+=/.test(l)).map((l) => /^(\S+ \S+ \S+ \S+ \S+) (.*)$/.exec(l));
    assert.deepEqual(
      entries.map((e) => e?.[1]),
      ['30 1 * * *', '30 3 * * *'],
    );
    const command = entries[0]![2]!;
    assert.equal(entries[1]![2], command);
    // cron ends the command at an unescaped % and strips the backslash from \%.
    assert.doesNotMatch(command, /(?:^|[^\\])%/);
    const shellCommand = command.replaceAll('\\%', '%');

    const { dir, cmd } = await fake('node');
    const env = { ...Object.fromEntries(settings), ROLLUP_CHECKOUT: dir, ROLLUP_LOG: join(dir, 'rollup.log') };
    const before = yesterdayUtc();
    for (const _ of [1, 2]) assert.equal(cmd.run(shellCommand, env).status, 0);
    if (yesterdayUtc() !== before) return; // ran across midnight
    const dayBefore = dayBeforeOf(before);
    const once = [
      `bin/telemetry-rollup.js run --date ${dayBefore} --allow-empty`,
      `bin/telemetry-rollup.js run --date ${before}`,
      'bin/telemetry-rollup.js gc',
    ];
    assert.deepEqual(await cmd.calls(), [...once, ...once]);
    assert.equal(
      await readFile(join(dir, 'rollup.log'), 'utf8'),
      [...once, ...once].map((c) => `node ${c}\n`).join(''),
    );
    assert.doesNotMatch(command, /\bmake\b/, 'a run never rebuilds the tool');
    // yesterday's failure skips gc
    const failed = await fake('node');
    assert.equal(
      failed.cmd.run(shellCommand, { ...env, ROLLUP_CHECKOUT: failed.dir }, { failDate: before, failCode: 75 }).status,
      75,
    );
    if (yesterdayUtc() === before) assert.deepEqual(await failed.cmd.calls(), once.slice(0, 2));
  });
});

describe('hourly CronJob script', () => {
  it('rolls up the previous UTC hour of its day with --hour, and exits with the CLI exit code', async () => {
    const { script, env } = await containerScript('CronJob', 'k8s/hourly-cronjob.yaml');
    const previousHour = (): string => new Date(Date.now() - 3_600_000).toISOString().slice(0, 13);
    for (const code of [0, 75]) {
      const { cmd } = await fake('node');
      const before = previousHour();
      const [date, hour] = before.split('T') as [string, string];
      const run = cmd.run(script, env, code === 0 ? {} : { failDate: date, failCode: code });
      const after = previousHour();
      const calls = await cmd.calls();
      assert.equal(run.status, code, run.stderr);
      assert.equal(calls.length, 1);
      if (before === after)
        assert.equal(calls[0], `bin/telemetry-rollup.js run --date ${date} --hour ${hour} --max-workers 2${push}`);
      else
        assert.match(
          calls[0]!,
          /^bin\/telemetry-rollup\.js run --date \d{4}-\d{2}-\d{2} --hour \d{2} --max-workers 2 --pushgateway /,
        );
    }
    // without a Pushgateway the run exports nothing, and the script still runs under `set -u`
    const { PUSHGATEWAY_URL: _url, ...unset } = env;
    const { cmd } = await fake('node');
    assert.equal(cmd.run(script, unset).status, 0);
    assert.match((await cmd.calls())[0]!, /--max-workers 2$/);
  });
});
