import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { goodRawSql } from '../helpers/bad-raw-day.js';
import { openOracle, sqlString } from '../helpers/duckdb.js';
import { startCliHost } from '../helpers/cli-host.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// One host process runs every CLI invocation of this file (through main): these tests are about the commands, not
// the process, and a new process per invocation spent most of its time loading modules.
const host = startCliHost();
after(() => host.stop());
const runCli = host.run;

interface Manifest {
  runId: string;
  createdAt: string;
  configHash: string;
  inputs: { key: string; size: number }[];
  outputs: { key: string; rows: number; bytes: number }[];
  rows: { in: number; late: number; routed: number; accepted: number; out: number; rejected: Record<string, number> };
  cube: { cuboids: { name: string; dimensions: string[]; groupingId: number; rows: number }[] };
  segments: { shards: number; list: Segment[] };
}

interface Segment {
  shard: number;
  rows: number;
  cube: {
    tree: { key: string; bytes: number; nodes: number; records: number; baseRecords: number };
    records: { bytes: number }[];
    cuboidFiles: { bytes: number }[];
  };
}

const days = ['2026-11-20', '2026-11-21', '2026-11-22'];

describe('bucket tools on the local store: ls, inspect, values, retention', () => {
  let dir: { path: string; remove: () => Promise<void> };
  const manifest = async (tier: string, date: string): Promise<Manifest> =>
    JSON.parse(await readFile(`${dir.path}/rollup/${tier}/dt=${date}/_manifest.json`, 'utf8')) as Manifest;
  const cli = (args: string[]) => runCli([...args, '--store', dir.path]);

  before(async () => {
    dir = await makeTempDir('bucket');
    for (const date of days)
      assert.equal((await cli(['generate', '--date', date, '--rows', '6000', '--seed', '5'])).code, 0);
    // six rows without a value and three NaN values in the first day: the manifest counts them by reason
    const db = await openOracle(1);
    // a small day may leave the hour without samples
    await mkdir(`${dir.path}/raw/dt=2026-11-20/hr=05`, { recursive: true });
    await db.run(
      `COPY (${goodRawSql(9, { timestamp: `TIMESTAMP '2026-11-20 05:00:00' + to_seconds(i)`, value: `CASE WHEN i < 6 THEN NULL ELSE 'NaN'::DOUBLE END` })}) TO ${sqlString(`${dir.path}/raw/dt=2026-11-20/hr=05/part-bad.parquet`)} (FORMAT parquet)`,
    );
    // a tenant of its own on the second day, so the values of one tenant differ from all values
    await mkdir(`${dir.path}/raw/dt=2026-11-21/hr=05`, { recursive: true });
    await db.run(
      `COPY (${goodRawSql(50, { timestamp: `TIMESTAMP '2026-11-21 05:00:00' + to_seconds(i)`, tenant: `'tn-extra'`, cluster: `'lkc-extra-' || (i % 2)` })}) TO ${sqlString(`${dir.path}/raw/dt=2026-11-21/hr=05/part-extra.parquet`)} (FORMAT parquet)`,
    );
    db.close();
    for (const date of days) {
      const r = await cli(['run', '--date', date]);
      assert.equal(r.code, 0, r.stderr);
    }
    await mkdir(`${dir.path}/rollup/hour/dt=2026-11-23`, { recursive: true });
    await writeFile(`${dir.path}/rollup/hour/dt=2026-11-23/part-00000-0123456789ab.parquet`, 'left by a crashed run');
  });
  after(() => dir.remove());

  it('ls lists committed partitions with the figures of their manifests, and leftovers', async () => {
    const r = await cli(['ls', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const listed = JSON.parse(r.stdout) as Record<string, unknown>[];
    assert.deepEqual(
      listed.map((p) => [p.tier, p.date, p.state]),
      [
        ['hour', '2026-11-20', 'committed'],
        ['hour', '2026-11-21', 'committed'],
        ['hour', '2026-11-22', 'committed'],
        ['hour', '2026-11-23', 'leftover'],
        ['day', '2026-11-20', 'committed'],
        ['day', '2026-11-21', 'committed'],
        ['day', '2026-11-22', 'committed'],
      ],
    );
    const m = await manifest('hour', '2026-11-20');
    const first = listed[0]!;
    assert.equal(first.runId, m.runId);
    assert.equal(first.createdAt, m.createdAt);
    assert.equal(first.configHash, m.configHash);
    const rejected = Object.values(m.rows.rejected).reduce((a, b) => a + b, 0);
    assert.ok(rejected >= 9, 'the nine bad rows are among the rejected');
    assert.deepEqual(first.rows, {
      in: m.rows.in,
      late: m.rows.late,
      routed: m.rows.routed,
      accepted: m.rows.accepted,
      out: m.rows.out,
      rejected,
    });
    const files = [
      ...m.outputs,
      ...m.segments.list.flatMap((g) => [g.cube.tree, ...g.cube.records, ...g.cube.cuboidFiles]),
    ];
    assert.equal(first.files, files.length);
    assert.equal(
      first.bytes,
      files.reduce((a, f) => a + f.bytes, 0),
    );
    const onDisk = (await readdir(`${dir.path}/rollup/hour/dt=2026-11-20`)).filter((f) => f !== '_manifest.json');
    assert.equal(onDisk.length, files.length, 'every file on disk is listed by the manifest');
    assert.deepEqual(listed[3], {
      tier: 'hour',
      date: '2026-11-23',
      state: 'leftover',
      bytes: 21,
      files: 1,
      keys: ['rollup/hour/dt=2026-11-23/part-00000-0123456789ab.parquet'],
    });

    const table = await cli(['ls', '--tier', 'hour', '--from', '2026-11-21', '--to', '2026-11-23']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(
      table.stdout,
      /^hour partitions from 2026-11-21 to 2026-11-23 in .*: 2 committed, 1 leftover, 0 unreadable$/m,
    );
    const m21 = await manifest('hour', '2026-11-21');
    const rejected21 = Object.values(m21.rows.rejected).reduce((a, b) => a + b, 0);
    assert.match(
      table.stdout,
      new RegExp(
        `^hour  2026-11-21  committed +${m21.rows.out} +\\d+ +\\d+ +${m21.rows.late} +${rejected21}  ${m21.runId}  ${m21.createdAt}  ${m21.configHash.slice(7, 19)}$`,
        'm',
      ),
    );
    assert.match(table.stdout, /^hour {2}2026-11-23 {2}leftover +- +21 +1 .*files without a manifest/m);
    assert.doesNotMatch(table.stdout, /2026-11-20/);
    const none = await cli(['ls', '--from', '2027-01-01']);
    assert.equal(none.code, 0);
    assert.match(none.stdout, /^no hour and day partitions from 2027-01-01 to the last day in /);
  });

  it('inspect shows one manifest in human form: inputs, outputs, rejected by reason, cube shape, cuboids', async () => {
    const r = await cli(['inspect', '--date', '2026-11-20']);
    assert.equal(r.code, 0, r.stderr);
    const m = await manifest('hour', '2026-11-20');
    const nulls = m.rows.rejected.null_value!;
    const nans = m.rows.rejected.nan_value!;
    assert.ok(nulls >= 6 && nans >= 3, 'the bad rows are counted');
    const rejected = Object.values(m.rows.rejected).reduce((a, b) => a + b, 0);
    assert.match(r.stdout, new RegExp(`^run        ${m.runId}, created ${m.createdAt}`, 'm'));
    assert.match(
      r.stdout,
      new RegExp(`^inputs: ${m.inputs.length} objects, ${m.inputs.reduce((a, i) => a + i.size, 0)} bytes`, 'm'),
    );
    assert.match(r.stdout, /^ {2}raw\/dt=2026-11-20\/hr=05\/part-bad\.parquet {2}\d+ bytes$/m);
    assert.match(r.stdout, new RegExp(`^outputs: ${m.outputs.length} base files`, 'm'));
    for (const o of m.outputs) assert.ok(r.stdout.includes(`  ${o.key}  ${o.rows} rows  ${o.bytes} bytes`), o.key);
    assert.match(r.stdout, new RegExp(`^ {2}accepted {2}${m.rows.accepted}$`, 'm'));
    assert.match(r.stdout, new RegExp(`^ {2}rejected {2}${rejected}$`, 'm'));
    assert.match(r.stdout, new RegExp(`^ {4}null_value +${nulls}$\\n^ {4}nan_value +${nans}$`, 'm'));
    const sumOf = (f: (g: Segment) => number): number => m.segments.list.reduce((a, g) => a + f(g), 0);
    assert.match(
      r.stdout,
      new RegExp(
        `^ {2}star-trees +${m.segments.list.length}: ${sumOf((g) => g.cube.tree.nodes)} nodes, ${sumOf((g) => g.cube.tree.records)} records \\(${sumOf((g) => g.cube.tree.baseRecords)} base\\)`,
        'm',
      ),
    );
    assert.equal(m.cube.cuboids.length, 4);
    for (const c of m.cube.cuboids)
      assert.match(
        r.stdout,
        new RegExp(
          `^ {4}${c.name} +\\(${c.dimensions.join(', ')}\\) {2}grouping_id ${c.groupingId} {2}${c.rows} rows$`,
          'm',
        ),
      );
    // what the day tier plans for: each shard's day records, counted by its segments' sketches (within ~3 x 9%)
    const planned = /^day records the day tier plans for, by shard \([^)]*\): (.*)$/m.exec(r.stdout)?.[1];
    const dayManifest = await manifest('day', '2026-11-20');
    for (const entry of planned?.split(', ') ?? []) {
      const [shard, estimate] = entry.split(': ~').map(Number) as [number, number];
      const exact = dayManifest.segments.list.filter((g) => g.shard === shard).reduce((a, g) => a + g.rows, 0);
      assert.ok(Math.abs(estimate - exact) <= 0.28 * exact + 3, `shard ${shard}: ~${estimate}, ${exact} day records`);
    }
    assert.equal(planned?.split(', ').length, m.segments.shards, r.stdout);
    const json = await cli(['inspect', '--date', '2026-11-20', '--tier', 'day', '--format', 'json']);
    assert.deepEqual(JSON.parse(json.stdout), await manifest('day', '2026-11-20'));
    const missing = await cli(['inspect', '--date', '2026-11-23']);
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /inspect hour partition 2026-11-23 is not committed: no rollup\/hour\/dt=2026-11-23\/_manifest\.json/,
    );
  });

  it('values lists the distinct values of a dimension, as DuckDB finds them in the raw files', async () => {
    const db = await openOracle(1);
    const raw = (d: string) => sqlString(`${dir.path}/raw/dt=${d}/*/*.parquet`);
    const distinct = async (sql: string): Promise<string[]> => (await db.rows(sql)).map((x) => String(x.v));
    const all = await distinct(
      `SELECT DISTINCT cluster AS v FROM read_parquet([${days.map(raw).join(', ')}]) WHERE cluster IS NOT NULL AND value IS NOT NULL AND NOT isnan(value) ORDER BY v`,
    );
    const tenant = 'tn-extra';
    const ofTenant = await distinct(
      `SELECT DISTINCT cluster AS v FROM read_parquet(${raw('2026-11-21')}) WHERE tenant = ${sqlString(tenant)} AND value IS NOT NULL AND NOT isnan(value) ORDER BY v`,
    );
    db.close();
    assert.ok(
      all.length > ofTenant.length && ofTenant.length === 2,
      `several clusters: ${all.join(', ')}; of ${tenant}: ${ofTenant.join(', ')}`,
    );
    const r = await cli(['values', '--dim', 'cluster', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { dim: 'cluster', grain: 'hour', values: all, partitions: days });
    const one = await cli([
      'values',
      '--dim',
      'cluster',
      '--where',
      `tenant=${tenant}`,
      '--from',
      '2026-11-21',
      '--to',
      '2026-11-21',
    ]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(
      one.stdout,
      `${ofTenant.join('\n')}\n# ${ofTenant.length} distinct cluster values in 1 committed hour partitions (2026-11-21 to 2026-11-21)\n`,
    );
    const bad = await cli(['values', '--dim', 'colour']);
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /values dimension 'colour' is not a column of hour partition 2026-11-20 \(known: metric, region, tenant, cluster, broker, topic, partition\)/,
    );
    const nothing = await cli(['values', '--dim', 'cluster', '--from', '2027-01-01', '--to', '2027-01-02']);
    assert.equal(nothing.code, 1, 'no committed partition is not an empty answer');
    assert.match(nothing.stderr, /values found no committed hour partition from 2027-01-01 to 2027-01-02/);
  });

  it('retention deletes whole partitions past their tier age (dry run first), never raw unless declared, raw only once rolled up', async () => {
    const base = JSON.parse(await readFile(new URL('../../../jobs/default-job.json', import.meta.url), 'utf8')) as {
      raw: Record<string, unknown>;
      output: { tiers: Record<string, unknown>[] };
    };
    base.output.tiers[0]!.retentionDays = 2; // hour
    base.output.tiers[1]!.retentionDays = 5; // day
    const config = `${dir.path}/retention-job.json`;
    await writeFile(config, JSON.stringify(base));
    const hourDir = (d: string) => `${dir.path}/rollup/hour/dt=${d}`;
    const plan = await cli(['retention', '--config', config, '--now', '2026-11-24T00:00:00Z']);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(
      plan.stdout,
      /^retention \(raw kept forever, hour 2 days, day 5 days\): dry run, nothing deleted \(--apply deletes\)$/m,
    );
    assert.match(plan.stdout, /^ {2}would-delete hour 2026-11-20 {2}\d+ objects/m);
    assert.match(plan.stdout, /^ {2}would-delete hour 2026-11-21 {2}\d+ objects/m);
    assert.match(plan.stdout, /^2 partitions to delete, 0 skipped, 5 kept$/m);
    assert.ok(existsSync(`${hourDir('2026-11-20')}/_manifest.json`), 'a dry run deletes nothing');
    assert.match(plan.stderr, /"event":"retention_planned".*"partition":"rollup\/hour\/dt=2026-11-20\/"/);
    // a configured retention does not change the config hash: the committed days stay unchanged for `run`
    const rerun = await cli(['run', '--date', '2026-11-22', '--config', config]);
    assert.match(rerun.stdout, /^skipped/);

    const applied = await cli([
      'retention',
      '--config',
      config,
      '--now',
      '2026-11-24T00:00:00Z',
      '--apply',
      '--format',
      'json',
    ]);
    assert.equal(applied.code, 0, applied.stderr);
    const report = JSON.parse(applied.stdout) as { actions: { tier: string; date: string; outcome: string }[] };
    assert.deepEqual(
      report.actions.map((a) => [a.tier, a.date, a.outcome]),
      [
        ['hour', '2026-11-20', 'deleted'],
        ['hour', '2026-11-21', 'deleted'],
      ],
    );
    assert.equal(existsSync(hourDir('2026-11-20')) && (await readdir(hourDir('2026-11-20'))).length > 0, false);
    assert.ok(existsSync(`${hourDir('2026-11-22')}/_manifest.json`));
    assert.ok(existsSync(`${dir.path}/rollup/day/dt=2026-11-20/_manifest.json`), 'the day tier keeps its own age');
    assert.ok(existsSync(`${dir.path}/raw/dt=2026-11-20`), 'raw is never touched without a raw retention');
    assert.match(applied.stderr, /"event":"retention_deleted".*"partition":"rollup\/hour\/dt=2026-11-21\/"/);
    const q = await cli([
      'query',
      '--metric',
      'cpu_usage',
      '--from',
      '2026-11-22',
      '--to',
      '2026-11-23',
      '--grain',
      'day',
      '--format',
      'json',
    ]);
    assert.equal(q.code, 0, 'the kept partition still answers');

    base.raw.retentionDays = 1;
    await writeFile(config, JSON.stringify(base));
    // a late file lands in a rolled-up raw day: that raw day is kept until a run has read it
    const rawDay = `${dir.path}/raw/dt=2026-11-22`;
    // (not in hr=00 or hr=01: those hold the day before's late rows, which its run has not read as they are now)
    const [one] = (await readdir(rawDay, { recursive: true }))
      .filter((f) => f.endsWith('.parquet') && !/^hr=0[01]\//.test(f))
      .sort();
    const folder = one!.slice(0, one!.lastIndexOf('/'));
    await copyFile(`${rawDay}/${one}`, `${rawDay}/${folder}/late-copy.parquet`);
    const held = await cli(['retention', '--config', config, '--now', '2026-11-24T00:00:00Z', '--apply']);
    assert.equal(held.code, 0, held.stderr);
    assert.ok(
      held.stdout.includes(
        `  kept         raw  2026-11-22  past its age, but 1 of its objects are not rolled up as they are now ` +
          `(raw/dt=2026-11-22/${folder}/late-copy.parquet): kept until \`run --date 2026-11-22\` reads them\n`,
      ),
      held.stdout,
    );
    assert.ok(existsSync(`${rawDay}/${folder}/late-copy.parquet`));
    assert.equal((await cli(['run', '--date', '2026-11-22', '--config', config])).code, 0);
    const raw = await cli(['retention', '--config', config, '--now', '2026-11-24T00:00:00Z', '--apply']);
    assert.equal(raw.code, 0, raw.stderr);
    assert.match(raw.stdout, /^ {2}deleted +raw +2026-11-22 {2}\d+ objects/m);
    assert.match(
      raw.stdout,
      /^ {2}kept +raw +2026-11-20 {2}past its age but never rolled up: kept until its hour tier is committed$/m,
    );
    assert.equal(
      existsSync(`${dir.path}/raw/dt=2026-11-22`) &&
        (await readdir(`${dir.path}/raw/dt=2026-11-22`, { recursive: true })).some((f) => f.endsWith('.parquet')),
      false,
    );
    assert.ok(existsSync(`${dir.path}/raw/dt=2026-11-20/hr=05/part-bad.parquet`));
  });
});
