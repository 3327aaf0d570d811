import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { makeTempDir } from '../helpers/temp-dir.js';
import { startCliHost } from '../helpers/cli-host.js';

// One host process runs every CLI invocation of this file (through main): these tests are about the commands, not
// the process, and a new process per invocation spent most of its time loading modules.
const host = startCliHost();
after(() => host.stop());
const runCli = host.run;

describe('telemetry-rollup CLI on the local store', () => {
  let dir: { path: string; remove: () => Promise<void> };
  before(async () => {
    dir = await makeTempDir('cli');
  });
  after(() => dir.remove());

  it('generates, rolls up, skips an unchanged rerun, and rebuilds byte-identical files with --force', async () => {
    const gen = await runCli([
      'generate',
      '--date',
      '2026-11-24',
      '--rows',
      '20000',
      '--seed',
      '3',
      '--store',
      dir.path,
    ]);
    assert.equal(gen.code, 0, gen.stderr);
    assert.match(gen.stdout, /generated 20000 rows in \d+ files/);
    const first = await runCli(['run', '--date', '2026-11-24', '--store', dir.path]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /committed rollup\/hour\/dt=2026-11-24\/_manifest.json/);
    assert.match(first.stdout, /rows in +20000/);
    const events = first.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; partition: string });
    assert.deepEqual(
      events
        .filter((e) => e.event !== 'segment_built')
        .map((e) => `${e.event} ${e.partition.split('/')[1] ?? e.partition}`),
      [
        'run_started 2026-11-24',
        'inputs_listed hour',
        'inputs_aggregated hour',
        'partition_encoded hour',
        'partition_committed hour',
        // the generated day holds late rows of the day before, which was never rolled up: said, at level info
        'routed_rows_not_read hour',
        'partition_committed day',
      ],
    );
    const routed = events.find((e) => e.event === 'routed_rows_not_read') as unknown as Record<string, unknown>;
    assert.deepEqual([routed.level, routed.date, routed.previous], ['info', '2026-11-23', 'absent']);
    const manifestPath = `${dir.path}/rollup/hour/dt=2026-11-24/_manifest.json`;
    const m1 = JSON.parse(await readFile(manifestPath, 'utf8')) as {
      outputs: unknown[];
      runId: string;
      rows: { in: number };
      segments: { list: { cube: { tree: { records: number } } }[] };
    };
    assert.equal(m1.rows.in, 20000);
    // the run id of every log line is the one the commit carries: a lease holder named in a 75 is found in its logs
    assert.deepEqual([...new Set(events.map((e) => (e as unknown as { run: string }).run))], [m1.runId]);
    // the cube phase's own time and size (make bench-scale divides them): records as the manifest lists them
    const encoded = events.find((e) => e.event === 'partition_encoded') as unknown as Record<string, number>;
    assert.equal(
      encoded.cubeRecords,
      m1.segments.list.reduce((n, g) => n + g.cube.tree.records, 0),
    );
    assert.ok(Number.isInteger(encoded.cubeMs) && encoded.cubeMs! >= 0, `cubeMs ${encoded.cubeMs}`);
    // and its CPU time (every thread): 24 segments of star-trees and Parquet files take some
    assert.ok(Number.isInteger(encoded.cubeCpuMs) && encoded.cubeCpuMs! > 0, `cubeCpuMs ${encoded.cubeCpuMs}`);
    // a day of ~1 MB of raw objects, not told how many threads to use: decoded and built on the main thread
    const aggregated = events.find((e) => e.event === 'inputs_aggregated') as unknown as Record<string, number>;
    assert.equal(aggregated.threads, 0);
    // one segment_built event per segment, in output order, with its records and its build time on its thread
    const built = events.filter((e) => e.event === 'segment_built') as unknown as Record<string, number>[];
    const segments = m1.segments.list as unknown as { hour: number; shard: number; rows: number }[];
    assert.deepEqual(
      built.map((e) => [e.hour, e.shard, e.rows, e.cubeRecords]),
      m1.segments.list.map((g, i) => [segments[i]!.hour, segments[i]!.shard, segments[i]!.rows, g.cube.tree.records]),
    );
    for (const e of built) assert.ok(Number.isInteger(e.ms) && e.ms! >= 0 && Number.isInteger(e.thread), String(e.ms));

    const again = await runCli(['run', '--date', '2026-11-24', '--store', dir.path]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^skipped/);
    const m2 = JSON.parse(await readFile(manifestPath, 'utf8')) as { runId: string };
    assert.equal(m2.runId, m1.runId);

    // the day is small enough to be built on the main thread by default (decodeThreadsFor): now on two threads
    const forced = await runCli(['run', '--date', '2026-11-24', '--store', dir.path, '--force', '--workers', '2']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stderr, /"event":"inputs_aggregated",[^\n]*"threads":2[,}]/);
    const m3 = JSON.parse(await readFile(manifestPath, 'utf8')) as { outputs: unknown[]; runId: string };
    assert.notEqual(m3.runId, m1.runId);
    assert.deepEqual(m3.outputs, m1.outputs); // same keys, rows, bytes and sha256: deterministic across thread counts
  });

  it('refuses a bad date before doing anything, with exit code 1', async () => {
    for (const date of ['2026-13-01', '../2026-11-24', '2026-11-24/x', '2026-11-24 ', '20261124', '2026-02-30']) {
      const r = await runCli(['run', '--date', date, '--store', dir.path]);
      assert.equal(r.code, 1, `${date}: ${r.stderr}`);
      assert.match(r.stderr, /date '.*' is not/);
    }
  });

  it('halts with exit code 1 and names the file and field of an invalid config', async () => {
    const bad = `${dir.path}/bad-job.json`;
    await writeFile(
      bad,
      JSON.stringify({
        name: 'x',
        raw: { prefix: 'raw', columns: { timestamp: 'ts', metric: 'metric', value: 'value' }, dimensions: [] },
        metrics: {},
        output: { prefix: 'rollup', tiers: [] },
      }),
    );
    const r = await runCli(['run', '--date', '2026-11-24', '--store', dir.path, '--config', bad]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /config .*bad-job\.json is invalid: .*raw\.dimensions/);
  });

  it('halts with exit code 1 and names the object when a raw file is not Parquet', async () => {
    const other = await makeTempDir('cli-bad');
    try {
      await runCli(['generate', '--date', '2026-11-25', '--rows', '3000', '--store', other.path]);
      // a small day may leave the hour without samples
      await mkdir(`${other.path}/raw/dt=2026-11-25/hr=04`, { recursive: true });
      await writeFile(`${other.path}/raw/dt=2026-11-25/hr=04/part-9.parquet`, 'not parquet at all');
      const r = await runCli(['run', '--date', '2026-11-25', '--store', other.path]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /parquet raw\/dt=2026-11-25\/hr=04\/part-9\.parquet is not a Parquet file/);
      const events = r.stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.ok(
        events.length > 2 && events.every((e) => ['info', 'warn', 'error'].includes(String(e.level))),
        'every event has a level',
      );
      const failed = events.find((e) => e.event === 'run_failed');
      assert.equal(failed?.level, 'error');
      assert.equal(failed?.phase, 'aggregate', 'the failure names the phase it happened in');
      const listing = await runCli(['run', '--date', '2026-11-25', '--store', other.path]);
      assert.equal(listing.code, 1); // still refused; nothing was committed in between
    } finally {
      await other.remove();
    }
  });

  it('prints help for every command with exit code 0', async () => {
    for (const args of [['--help'], ['run', '--help'], ['generate', '--help']]) {
      const r = await runCli(args);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Usage: telemetry-rollup/);
    }
  });
});
