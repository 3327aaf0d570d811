import { existsSync } from 'node:fs';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { startCliHost } from '../helpers/cli-host.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// One host process runs every CLI invocation of this file (through main): the tests are about the commands' output,
// not the process.
const host = startCliHost();
after(() => host.stop());
const runCli = host.run;

/** A listed file's size. */
interface Bytes {
  readonly bytes: number;
}

interface Pushed {
  readonly method: string;
  readonly url: string;
  readonly body: string;
}

/** A tiny Pushgateway stand-in on 127.0.0.1: records each request and answers `status`. */
async function startGateway(status: () => number): Promise<{ server: Server; url: string; pushed: Pushed[] }> {
  const pushed: Pushed[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => {
      pushed.push({ method: req.method ?? '', url: req.url ?? '', body });
      res.writeHead(status()).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, pushed };
}

/** The value of one sample line `name{labels} value` in Prometheus text format; undefined when absent. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('job metrics: --metrics-file (textfile collector) and --pushgateway', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let status = 200;
  before(async () => {
    dir = await makeTempDir('metrics');
    gateway = await startGateway(() => status);
    assert.equal(
      (await runCli(['generate', '--date', '2026-11-20', '--rows', '6000', '--seed', '3', '--store', dir.path])).code,
      0,
    );
  });
  after(async () => {
    await new Promise((resolve) => gateway.server.close(resolve));
    await dir.remove();
  });

  it('a run writes and pushes the figures of the manifests it committed, per tier', async () => {
    const file = `${dir.path}/rollup.prom`;
    const startedS = Date.now() / 1000;
    const r = await runCli([
      'run',
      '--date',
      '2026-11-20',
      '--store',
      dir.path,
      '--metrics-file',
      file,
      '--pushgateway',
      gateway.url,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const text = await readFile(file, 'utf8');
    const hour = JSON.parse(await readFile(`${dir.path}/rollup/hour/dt=2026-11-20/_manifest.json`, 'utf8')) as {
      inputs: { size: number }[];
      outputs: { bytes: number }[];
      segments: { list: { cube: { tree: Bytes; records: Bytes[]; cuboidFiles: Bytes[] }; hourCuboids?: Bytes[] }[] };
      rows: {
        in: number;
        late: number;
        routed: number;
        accepted: number;
        out: number;
        rejected: Record<string, number>;
      };
    };
    const day = JSON.parse(
      await readFile(`${dir.path}/rollup/day/dt=2026-11-20/_manifest.json`, 'utf8'),
    ) as typeof hour;
    for (const [tier, m] of [
      ['hour', hour],
      ['day', day],
    ] as const) {
      for (const kind of ['in', 'late', 'routed', 'accepted', 'out'] as const)
        assert.equal(
          sample(text, 'telemetry_rollup_last_run_rows', `tier="${tier}",kind="${kind}"`),
          m.rows[kind],
          `${tier} ${kind}`,
        );
      for (const [reason, n] of Object.entries(m.rows.rejected))
        assert.equal(
          sample(text, 'telemetry_rollup_last_run_rejected_rows', `tier="${tier}",reason="${reason}"`),
          n,
          `${tier} ${reason}`,
        );
      assert.equal(
        sample(text, 'telemetry_rollup_last_run_bytes', `tier="${tier}",direction="in"`),
        m.inputs.reduce((a, i) => a + i.size, 0),
      );
      assert.equal(
        sample(text, 'telemetry_rollup_last_run_bytes', `tier="${tier}",direction="out"`),
        // every file the run wrote: base files, star-tree indexes and records, cuboids, the day tier's hour cuboids
        [
          ...m.outputs,
          ...m.segments.list.flatMap((x) => [x.cube.tree, ...x.cube.records, ...x.cube.cuboidFiles]),
          ...m.segments.list.flatMap((x) => x.hourCuboids ?? []),
        ].reduce((a, o) => a + o.bytes, 0),
      );
      assert.equal(sample(text, 'telemetry_rollup_last_run_partitions', `tier="${tier}",outcome="committed"`), 1);
      const success = sample(text, 'telemetry_rollup_last_success_timestamp_seconds', `tier="${tier}"`)!;
      assert.ok(success >= startedS && success <= Date.now() / 1000, `${tier} success ${success}`);
    }
    assert.ok(
      hour.rows.routed + hour.rows.late > 0,
      'the sample day has late or routed rows, so those gauges are not trivially 0',
    );
    assert.equal(sample(text, 'telemetry_rollup_last_run_exit_code'), 0);
    assert.equal(sample(text, 'telemetry_rollup_last_run_outcome', 'outcome="success"'), 1);
    assert.equal(sample(text, 'telemetry_rollup_last_run_outcome', 'outcome="halt"'), 0);
    assert.ok(sample(text, 'telemetry_rollup_last_run_duration_seconds')! > 0);
    assert.match(text, /^# TYPE telemetry_rollup_last_run_rows gauge$/m);

    assert.equal(gateway.pushed.length, 1);
    const push = gateway.pushed[0]!;
    assert.equal(push.method, 'POST', 'POST replaces only the pushed metric names');
    assert.equal(push.url, '/metrics/job/telemetry-rollup/command/run');
    assert.equal(sample(push.body, 'telemetry_rollup_last_run_rows', 'tier="hour",kind="in"'), hour.rows.in);
    assert.ok(sample(push.body, 'telemetry_rollup_last_success_timestamp_seconds', 'tier="hour"')! >= startedS);
    assert.ok(sample(push.body, 'telemetry_rollup_last_success_timestamp_seconds', 'tier="day"')! >= startedS);
  });

  it("an hourly run (run --hour) pushes to a group of its own, so the daily run's last success of the day tier stays", async () => {
    const own = await makeTempDir('metrics-hourly');
    try {
      assert.equal((await runCli(['generate', '--date', '2026-11-22', '--rows', '3000', '--store', own.path])).code, 0);
      // POST replaces every series of a pushed name: in the daily run's group, an hour-only last success would drop
      // the day tier's every hour
      const hourly = await runCli([
        'run',
        '--date',
        '2026-11-22',
        '--hour',
        '05',
        '--store',
        own.path,
        '--pushgateway',
        gateway.url,
      ]);
      assert.equal(hourly.code, 0, hourly.stderr);
      const push = gateway.pushed.at(-1)!;
      assert.equal(push.url, '/metrics/job/telemetry-rollup/command/run-hour');
      assert.ok(sample(push.body, 'telemetry_rollup_last_success_timestamp_seconds', 'tier="hour"')! > 0);
      assert.equal(sample(push.body, 'telemetry_rollup_last_success_timestamp_seconds', 'tier="day"'), undefined);
      // a shard process exports nothing, and says so rather than ignoring the flags in silence
      const shard = await runCli([
        'run',
        '--date',
        '2026-11-22',
        '--shard',
        '0/2',
        '--store',
        own.path,
        '--metrics-file',
        `${own.path}/s.prom`,
      ]);
      assert.equal(shard.code, 0, shard.stderr);
      assert.match(shard.stderr, /run --shard exports no job metrics: --metrics-file and --pushgateway are ignored/);
      assert.equal(existsSync(`${own.path}/s.prom`), false);
    } finally {
      await own.remove();
    }
  });

  it('a failed run records its exit code and keeps the last success time; a failed push does not change the exit code', async () => {
    const file = `${dir.path}/rollup.prom`;
    const before = sample(
      await readFile(file, 'utf8'),
      'telemetry_rollup_last_success_timestamp_seconds',
      'tier="hour"',
    );
    await writeFile(`${dir.path}/raw/dt=2026-11-20/hr=03/part-broken.parquet`, 'not parquet');
    const r = await runCli([
      'run',
      '--date',
      '2026-11-20',
      '--store',
      dir.path,
      '--metrics-file',
      file,
      '--pushgateway',
      gateway.url,
    ]);
    assert.equal(r.code, 1, r.stderr);
    const text = await readFile(file, 'utf8');
    assert.equal(sample(text, 'telemetry_rollup_last_run_exit_code'), 1);
    assert.equal(sample(text, 'telemetry_rollup_last_run_outcome', 'outcome="halt"'), 1);
    assert.equal(sample(text, 'telemetry_rollup_last_run_outcome', 'outcome="success"'), 0);
    assert.equal(sample(text, 'telemetry_rollup_last_run_partitions', 'tier="hour",outcome="failed"'), 1);
    assert.equal(
      sample(text, 'telemetry_rollup_last_success_timestamp_seconds', 'tier="hour"'),
      before,
      'carried over from the previous file',
    );
    const push = gateway.pushed.at(-1)!;
    assert.equal(sample(push.body, 'telemetry_rollup_last_run_exit_code'), 1);
    assert.equal(
      sample(push.body, 'telemetry_rollup_last_success_timestamp_seconds', 'tier="hour"'),
      undefined,
      "the gateway keeps the group's earlier success",
    );

    status = 503;
    const pushes = gateway.pushed.length;
    await rm(`${dir.path}/raw/dt=2026-11-20/hr=03/part-broken.parquet`);
    /** A backfill of 2026-11-20 (committed: a skip) with `flags`. */
    const backfill = (...flags: string[]) =>
      runCli(['backfill', '--from', '2026-11-20', '--to', '2026-11-20', '--store', dir.path, ...flags]);
    const b = await backfill('--pushgateway', gateway.url);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /2026-11-20 {2}skipped/);
    assert.equal(gateway.pushed.length, pushes + 1);
    assert.equal(gateway.pushed.at(-1)!.url, '/metrics/job/telemetry-rollup/command/backfill');
    assert.match(b.stderr, /metrics_push_failed: push failed with status 503/);
    assert.equal(
      sample(gateway.pushed.at(-1)!.body, 'telemetry_rollup_last_run_partitions', 'tier="hour",outcome="skipped"'),
      1,
    );
    // side by side (the pods of an Indexed Job), each pushes to a group of its own: one's success cannot hide a halt
    const indexed = await backfill('--pushgateway', gateway.url, '--pushgateway-instance', 'index-2');
    assert.equal(indexed.code, 0, indexed.stderr);
    assert.equal(gateway.pushed.at(-1)!.url, '/metrics/job/telemetry-rollup/command/backfill/instance/index-2');
    // a --metrics-file that cannot be written (a directory) is said, and leaves no temp file behind
    const folder = `${dir.path}/metrics-folder`;
    await mkdir(folder);
    const unwritable = await backfill('--metrics-file', folder);
    assert.equal(unwritable.code, 0, unwritable.stderr);
    assert.match(unwritable.stderr, /metrics_file_failed/);
    assert.deepEqual(
      (await readdir(dir.path)).filter((f) => f.includes('.tmp')),
      [],
    );
  });

  it('a run whose day tier fails after the hour tier committed says so, and counts the hour committed and the day failed', async () => {
    const own = await makeTempDir('metrics-day-fails');
    try {
      const date = '2026-11-21';
      assert.equal(
        (await runCli(['generate', '--date', date, '--rows', '3000', '--seed', '4', '--store', own.path])).code,
        0,
      );
      await mkdir(`${own.path}/rollup`, { recursive: true });
      await writeFile(`${own.path}/rollup/day`, 'a file where the day tier writes its folder');
      const file = `${own.path}/rollup.prom`;
      const r = await runCli(['run', '--date', date, '--store', own.path, '--metrics-file', file]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /^committed/, 'the hour tier is committed: the summary says so');
      assert.match(r.stderr, new RegExp(`day tier of ${date} failed after the hour tier was committed: `));
      const text = await readFile(file, 'utf8');
      assert.equal(sample(text, 'telemetry_rollup_last_run_partitions', 'tier="hour",outcome="committed"'), 1);
      assert.equal(sample(text, 'telemetry_rollup_last_run_partitions', 'tier="hour",outcome="failed"'), 0);
      assert.equal(sample(text, 'telemetry_rollup_last_run_partitions', 'tier="day",outcome="failed"'), 1);
      assert.ok((sample(text, 'telemetry_rollup_last_run_rows', 'tier="hour",kind="in"') ?? 0) > 0);
      // a backfill counts such days alike: their hour partitions committed (with their rows), their day tiers failed
      const next = '2026-11-22';
      assert.equal((await runCli(['generate', '--date', next, '--rows', '3000', '--store', own.path])).code, 0);
      const b = await runCli(['backfill', '--from', date, '--to', next, '--store', own.path, '--metrics-file', file]);
      assert.equal(b.code, 1, b.stderr);
      const backfilled = await readFile(file, 'utf8');
      const hourIn = (d: string): Promise<number> =>
        readFile(`${own.path}/rollup/hour/dt=${d}/_manifest.json`, 'utf8').then(
          (t) => (JSON.parse(t) as { rows: { in: number } }).rows.in,
        );
      // the first day is built again: the next day's first folders hold its late rows
      assert.equal(sample(backfilled, 'telemetry_rollup_last_run_partitions', 'tier="hour",outcome="committed"'), 2);
      assert.equal(sample(backfilled, 'telemetry_rollup_last_run_partitions', 'tier="hour",outcome="failed"'), 0);
      assert.equal(sample(backfilled, 'telemetry_rollup_last_run_partitions', 'tier="day",outcome="failed"'), 2);
      assert.equal(
        sample(backfilled, 'telemetry_rollup_last_run_rows', 'tier="hour",kind="in"'),
        (await hourIn(date)) + (await hourIn(next)),
      );
    } finally {
      await own.remove();
    }
  });
});
