import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCliHost } from '../helpers/cli-host.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// One host process runs every CLI invocation of this file (through main): these tests are about the commands, not
// the process, and a new process per invocation spent most of its time loading modules.
const host = startCliHost();
after(() => host.stop());
const runCli = host.run;

describe('telemetry-rollup query', () => {
  let dir: { path: string; remove: () => Promise<void> };
  before(async () => {
    dir = await makeTempDir('cli-query');
    for (const date of ['2026-11-23', '2026-11-24']) {
      assert.equal(
        (await runCli(['generate', '--date', date, '--rows', '30000', '--seed', '4', '--store', dir.path])).code,
        0,
      );
      assert.equal((await runCli(['run', '--date', date, '--store', dir.path])).code, 0);
    }
  });
  after(() => dir.remove());

  it('answers across days as JSON sorted by time then dimensions, with --explain on stderr', async () => {
    const r = await runCli([
      'query',
      '--store',
      dir.path,
      '--metric',
      'cpu_usage',
      '--from',
      '2026-11-23T22:00:00Z',
      '--to',
      '2026-11-24T02:00:00Z',
      '--group-by',
      'cluster',
      '--agg',
      'max',
      '--format',
      'json',
      '--explain',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { time: string; cluster: string; value: number }[];
    const hours = [...new Set(rows.map((x) => x.time))];
    assert.deepEqual(hours, [
      '2026-11-23T22:00:00.000Z',
      '2026-11-23T23:00:00.000Z',
      '2026-11-24T00:00:00.000Z',
      '2026-11-24T01:00:00.000Z',
    ]);
    assert.deepEqual(Object.keys(rows[0]!), ['time', 'cluster', 'value']);
    const sorted = [...rows].sort((a, b) =>
      a.time === b.time ? (a.cluster < b.cluster ? -1 : 1) : a.time < b.time ? -1 : 1,
    );
    assert.deepEqual(rows, sorted);
    assert.ok(rows.every((x) => x.value >= 0 && x.value <= 100));
    // a cuboid holds cluster: each day's hours are read from the day tier's hour cuboids, one file per day unit
    const explained = [
      ...r.stderr.matchAll(
        /explain (\d{4}-\d{2}-\d{2}) \(hour tier, from the day tier's hour cuboid metric_cluster\): records read (\d+) /g,
      ),
    ];
    assert.deepEqual(
      explained.map((m) => m[1]),
      ['2026-11-23', '2026-11-24'],
    );
    for (const m of explained) assert.ok(Number(m[2]) > 0);
    // read from every hour's star-tree instead (a group-by no cuboid holds), the records read stay within leaves x T
    const byRegion = await runCli([
      ...['query', '--store', dir.path, '--metric', 'cpu_usage', '--from', '2026-11-23T22:00:00Z'],
      ...['--to', '2026-11-24T02:00:00Z', '--group-by', 'region', '--agg', 'max', '--explain'],
    ]);
    assert.equal(byRegion.code, 0, byRegion.stderr);
    const bounded = [
      ...byRegion.stderr.matchAll(
        /explain (\d{4}-\d{2}-\d{2}) \(hour tier\): nodes visited (\d+), leaves reached (\d+), records read (\d+) \(bound \d+ x T=(\d+)\)/g,
      ),
    ];
    assert.deepEqual(
      bounded.map((m) => m[1]),
      ['2026-11-23', '2026-11-24'],
    );
    for (const m of bounded) assert.ok(Number(m[4]) <= Number(m[3]) * Number(m[5]));
  });

  it('prints CSV and refuses unknown metrics, dimensions and bad instants with exit code 1', async () => {
    const csv = await runCli([
      'query',
      '--store',
      dir.path,
      '--metric',
      'received_bytes',
      '--from',
      '2026-11-24',
      '--to',
      '2026-11-25',
      '--grain',
      'day',
      '--format',
      'csv',
    ]);
    assert.equal(csv.code, 0, csv.stderr);
    assert.match(csv.stdout, /^time,value\n2026-11-24T00:00:00\.000Z,\d+(\.\d+)?\n$/);
    const cases: [string[], RegExp][] = [
      [['--metric', 'disk_iops'], /metric 'disk_iops' is not in the metric catalog/],
      [['--metric', 'cpu_usage', '--group-by', 'pod'], /dimension 'pod' is not in the cube/],
      [['--metric', 'cpu_usage', '--from', 'yesterday'], /--from 'yesterday' is not an instant in a form read here/],
      [['--metric', 'cpu_usage', '--to', '2026-11-26'], /option '--to <iso>' is given twice \('2026-11-25', then/],
    ];
    for (const [args, message] of cases) {
      const from = args.includes('--from') ? [] : ['--from', '2026-11-24']; // a flag given twice is refused
      const base = ['query', '--store', dir.path, ...from, '--to', '2026-11-25'];
      const r = await runCli([...base, ...args]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, message);
    }
  });
});

describe('telemetry-rollup query and the metric catalog', () => {
  let dir: { path: string; remove: () => Promise<void> };
  before(async () => {
    dir = await makeTempDir('cli-kinds');
    assert.equal(
      (await runCli(['generate', '--date', '2026-11-24', '--rows', '20000', '--seed', '6', '--store', dir.path])).code,
      0,
    );
    assert.equal((await runCli(['run', '--date', '2026-11-24', '--store', dir.path])).code, 0);
  });
  after(() => dir.remove());

  it("refuses aggregates that make no sense for a metric's kind, saying which would, and defaults by kind", async () => {
    const base = ['query', '--store', dir.path, '--to', '2026-11-25'];
    const cases: [string[], RegExp][] = [
      [
        ['--metric', 'cpu_usage', '--agg', 'sum'],
        /aggregate sum does not apply to cpu_usage \(gauge: gauge values do not add up over time\); use avg, min, max, last, count/,
      ],
      [
        ['--metric', 'bytes_in_total', '--agg', 'sum'],
        /does not apply to bytes_in_total \(cumulative: .*\); use increase, last, count/,
      ],
      [
        ['--metric', 'received_bytes', '--agg', 'last'],
        /does not apply to received_bytes \(delta: .*\); use sum, count, min, max, avg/,
      ],
      [
        ['--metric', 'bytes_in_total', '--agg', 'increase', '--grain', 'day', '--from=2026-11-24T06:00:00Z'],
        /aggregate increase at day grain needs the committed day tier of 2026-11-24, covering the whole day/,
      ],
      [
        ['--metric', 'cpu_usage', '--agg', 'last', '--grain', 'day', '--group-by', 'partition'],
        /needs the committed day tier of 2026-11-24, covering the whole day, to hold partition, which it drops; ask/,
      ],
    ];
    for (const [args, message] of cases) {
      // a case's own --from replaces the whole day's (a flag given twice is refused)
      const from = args.some((a) => a.startsWith('--from=')) ? [] : ['--from', '2026-11-24'];
      const r = await runCli([...base, ...from, ...args]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, message);
    }
    const gauge = await runCli([...base, '--from', '2026-11-24', '--metric', 'cpu_usage', '--format', 'json']);
    assert.equal(gauge.code, 0, gauge.stderr);
    const rows = JSON.parse(gauge.stdout) as { value: number }[];
    assert.equal(rows.length, 24);
    assert.ok(
      rows.every((r) => r.value > 0 && r.value <= 100),
      'the default for a gauge is avg: a percentage',
    );
  });
});
