import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { openOracle, type Oracle } from '../helpers/duckdb.js';
import { startCliHost } from '../helpers/cli-host.js';
import type { CliRun } from '../helpers/run-cli.js';
import { fleetDay, fleetGlob, writeSmallFleetDay } from '../helpers/small-fleet-day.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// One host process runs every CLI invocation of this file (through main): these tests are about the commands, not
// the process, and a new process per invocation spent most of its time loading modules.
const host = startCliHost();
after(() => host.stop());
const runCli = host.run;

const noData = 3; // exitCodes.noData, written out: the documented contract, not the code under test

/** The one JSON line a command printed on stderr with this event. */
function stderrEvent(
  r: CliRun,
  event: string,
): { missing: { days: string[]; notRolledUp: string[]; hours: string[]; nothingFound: boolean } } {
  const line = r.stderr.split('\n').find((l) => l.includes(`"event":"${event}"`));
  assert.ok(line, `no ${event} line on stderr: ${r.stderr}`);
  return JSON.parse(line) as ReturnType<typeof stderrEvent>;
}

describe('no data is never printed as zero: CLI queries and usage patterns', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let empty: { path: string; remove: () => Promise<void> };
  let db: Oracle;
  let cli: (args: readonly string[]) => Promise<CliRun>;
  before(async () => {
    dir = await makeTempDir('no-data');
    empty = await makeTempDir('no-data-empty');
    db = await openOracle();
    await db.run(`SET TimeZone = 'UTC'`);
    await writeSmallFleetDay(db, dir.path);
    const run = await runCli(['run', '--date', fleetDay, '--store', dir.path, '--workers', '0']);
    assert.equal(run.code, 0, run.stderr);
    cli = (args) => runCli([...args, '--store', dir.path]);
  });
  after(async () => {
    db.close();
    await dir.remove();
    await empty.remove();
  });

  it('facts: a real zero prints 0 with exit 0; an unknown tenant, an hour without data and a day never rolled up print "no data" with exit 3', async () => {
    const zero = await cli(['facts', '--tenant', 'tn-zero', '--hour', `${fleetDay}T05:00:00Z`]);
    assert.equal(zero.code, 0, zero.stderr);
    assert.equal(
      zero.stdout,
      `tenant tn-zero, hour from ${fleetDay}T05:00:00.000Z: 0 bytes (received_bytes 0, sent_bytes 0)\n`,
    );
    const zeroJson = await cli(['facts', '--tenant', 'tn-zero', '--hour', `${fleetDay}T05:00:00Z`, '--format', 'json']);
    assert.equal(zeroJson.code, 0, zeroJson.stderr);
    assert.deepEqual(JSON.parse(zeroJson.stdout), {
      tenant: 'tn-zero',
      hour: `${fleetDay}T05:00:00.000Z`,
      bytes: 0,
      byMetric: [
        { metric: 'received_bytes', bytes: 0 },
        { metric: 'sent_bytes', bytes: 0 },
      ],
      missing: { days: [], notRolledUp: [], hours: [], nothingFound: false },
    });

    const [want] =
      await db.rows(`SELECT sum(value) FILTER (WHERE metric = 'received_bytes') AS rx, sum(value) FILTER (WHERE metric = 'sent_bytes') AS tx
      FROM read_parquet(${fleetGlob(dir.path)}) WHERE tenant = 'tn-real' AND date_trunc('hour', "timestamp") = TIMESTAMP '${fleetDay} 05:00:00'`);
    const real = await cli(['facts', '--tenant', 'tn-real', '--hour', `${fleetDay}T05:00:00Z`]);
    assert.equal(real.code, 0, real.stderr);
    assert.equal(
      real.stdout,
      `tenant tn-real, hour from ${fleetDay}T05:00:00.000Z: ${Number(want!.rx) + Number(want!.tx)} bytes (received_bytes ${Number(want!.rx)}, sent_bytes ${Number(want!.tx)})\n`,
    );

    const unknown = await cli(['facts', '--tenant', 'tn-nope', '--hour', `${fleetDay}T05:00:00Z`]);
    assert.equal(unknown.code, noData, unknown.stderr);
    assert.match(unknown.stdout, /^tenant tn-nope, hour from 2026-11-24T05:00:00\.000Z: no data\n/);
    assert.doesNotMatch(unknown.stdout, /\b0 bytes/);
    assert.match(
      unknown.stdout,
      /no data: hours with nothing matching \(1\): 2026-11-24T05:00:00Z\/2026-11-24T06:00:00Z/,
    );
    assert.match(unknown.stderr, /facts for tenant tn-nope in the hour from 2026-11-24T05:00:00\.000Z: no data/);
    const unknownJson = await cli([
      'facts',
      '--tenant',
      'tn-nope',
      '--hour',
      `${fleetDay}T05:00:00Z`,
      '--format',
      'json',
    ]);
    assert.equal(unknownJson.code, noData);
    assert.deepEqual(JSON.parse(unknownJson.stdout), {
      tenant: 'tn-nope',
      hour: `${fleetDay}T05:00:00.000Z`,
      bytes: null,
      byMetric: [
        { metric: 'received_bytes', bytes: null },
        { metric: 'sent_bytes', bytes: null },
      ],
      missing: { days: [], notRolledUp: [], hours: [`${fleetDay}T05:00:00.000Z`], nothingFound: true },
    });

    const gapHour = await cli(['facts', '--tenant', 'tn-real', '--hour', `${fleetDay}T06:30:00Z`]);
    assert.equal(gapHour.code, noData);
    assert.match(
      gapHour.stdout,
      /: no data\nno data: hours with nothing matching \(1\): 2026-11-24T06:00:00Z\/2026-11-24T07:00:00Z\n$/,
    );

    const notRolledUp = await cli([
      'facts',
      '--cluster',
      'lkc-real',
      '--hour',
      '2026-11-23T05:00:00Z',
      '--format',
      'json',
    ]);
    assert.equal(notRolledUp.code, noData);
    const body = JSON.parse(notRolledUp.stdout) as { bytes: unknown; missing: unknown };
    assert.equal(body.bytes, null);
    assert.deepEqual(body.missing, {
      days: ['2026-11-23'],
      notRolledUp: ['2026-11-23'],
      hours: [],
      nothingFound: true,
    });
    assert.match(notRolledUp.stderr, /days not rolled up \(no committed partition\): 2026-11-23/);
  });

  it('query: lists the missing days and hours in the table footer, as CSV comment lines and as a stderr JSON line beside the unchanged JSON array', async () => {
    const base = [
      'query',
      '--metric',
      'received_bytes',
      '--from',
      '2026-11-23T22:00:00Z',
      '--to',
      `${fleetDay}T08:00:00Z`,
      '--where',
      'tenant=tn-real',
    ];
    const rows =
      await db.rows(`SELECT strftime(date_trunc('hour', "timestamp"), '%Y-%m-%dT%H:%M:%S.000Z') AS time, sum(value) AS v FROM read_parquet(${fleetGlob(dir.path)})
      WHERE metric = 'received_bytes' AND tenant = 'tn-real' GROUP BY ALL ORDER BY time`);
    const want = rows.map((r) => ({ time: String(r.time), value: Number(r.v) }));
    assert.equal(want.length, 2);
    const footer = [
      'no data: days not rolled up (no committed partition): 2026-11-23',
      'no data: hours with nothing matching (6): 2026-11-24T00:00:00Z/2026-11-24T05:00:00Z, 2026-11-24T06:00:00Z/2026-11-24T07:00:00Z',
    ];

    const table = await cli(base);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.deepEqual(lines.slice(-2), footer);
    assert.deepEqual(
      lines.slice(1, 3).map((l) => l.split(/\s+/)),
      want.map((w) => [w.time, String(w.value)]),
    );

    const csv = await cli([...base, '--format', 'csv']);
    assert.equal(csv.code, 0, csv.stderr);
    assert.equal(
      csv.stdout,
      ['time,value', ...want.map((w) => `${w.time},${w.value}`), ...footer.map((l) => `# ${l}`)].join('\n') + '\n',
    );

    const json = await cli([...base, '--format', 'json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), want, 'stdout stays the documented array');
    assert.deepEqual(stderrEvent(json, 'query_missing_data').missing, {
      days: ['2026-11-23'],
      notRolledUp: ['2026-11-23'],
      hours: ['00', '01', '02', '03', '04', '06'].map((h) => `${fleetDay}T${h}:00:00.000Z`),
      nothingFound: false,
    });

    const complete = await cli([
      'query',
      '--metric',
      'received_bytes',
      '--from',
      `${fleetDay}T05:00:00Z`,
      '--to',
      `${fleetDay}T06:00:00Z`,
      '--where',
      'tenant=tn-zero',
      '--format',
      'csv',
    ]);
    assert.equal(complete.code, 0, complete.stderr);
    assert.equal(
      complete.stdout,
      `time,value\n${fleetDay}T05:00:00.000Z,0\n`,
      'a real zero, and no comment when nothing is missing',
    );
    assert.doesNotMatch(complete.stderr, /whole hours/, 'a range on hours reads what it asks for');

    // a range off the hour reads the hours that start in it (04:30 to 05:30: hour 05 alone), and says so on stderr
    const shifted = [
      ...['query', '--metric', 'received_bytes', '--from', `${fleetDay}T04:30:00Z`, '--to', `${fleetDay}T05:30:00Z`],
      ...['--where', 'tenant=tn-zero'],
    ];
    const shiftedCsv = await cli([...shifted, '--format', 'csv']);
    assert.equal(shiftedCsv.code, 0, shiftedCsv.stderr);
    assert.equal(shiftedCsv.stdout, complete.stdout);
    assert.match(
      shiftedCsv.stderr,
      new RegExp(
        `note: the rollups hold whole hours: this query read the hours that start in its range, ` +
          `${fleetDay}T05:00:00.000Z to ${fleetDay}T06:00:00.000Z, not ${fleetDay}T04:30:00.000Z to ${fleetDay}T05:30:00.000Z`,
      ),
    );
    const shiftedJson = await cli([...shifted, '--format', 'json']);
    const event = shiftedJson.stderr.split('\n').find((l) => l.includes('"event":"query_hours_read"'));
    assert.deepEqual(JSON.parse(event ?? 'null'), {
      event: 'query_hours_read',
      asked: { from: `${fleetDay}T04:30:00.000Z`, to: `${fleetDay}T05:30:00.000Z` },
      read: { from: `${fleetDay}T05:00:00.000Z`, to: `${fleetDay}T06:00:00.000Z` },
    });
  });

  it('query: nothing matched (unknown tenant, empty store) prints "no data", never an empty table, and exits 3', async () => {
    const unknown = await cli([
      'query',
      '--metric',
      'received_bytes',
      '--from',
      fleetDay,
      '--to',
      '2026-11-25',
      '--where',
      'cluster=lkc-nope',
      '--grain',
      'day',
    ]);
    assert.equal(unknown.code, noData, unknown.stderr);
    assert.equal(unknown.stdout, 'no data\nno data: days rolled up but with nothing matching: 2026-11-24\n');
    assert.match(
      unknown.stderr,
      /query no data for metric received_bytes where cluster=lkc-nope from 2026-11-24T00:00:00\.000Z to 2026-11-25T00:00:00\.000Z/,
    );

    const emptyStore = await runCli([
      'query',
      '--metric',
      'cpu_usage',
      '--from',
      '2026-11-20',
      '--to',
      '2026-11-22',
      '--format',
      'json',
      '--store',
      empty.path,
    ]);
    assert.equal(emptyStore.code, noData, emptyStore.stderr);
    assert.deepEqual(JSON.parse(emptyStore.stdout), []);
    assert.deepEqual(stderrEvent(emptyStore, 'query_missing_data').missing, {
      days: ['2026-11-20', '2026-11-21'],
      notRolledUp: ['2026-11-20', '2026-11-21'],
      hours: [],
      nothingFound: true,
    });
    const dayTier = await runCli([
      'query',
      '--metric',
      'retained_bytes',
      '--agg',
      'last',
      '--grain',
      'day',
      '--from',
      '2026-11-20',
      '--to',
      '2026-11-22',
      '--store',
      empty.path,
    ]);
    assert.equal(dayTier.code, noData, `a day never rolled up is no data, not a halt: ${dayTier.stderr}`);
    assert.equal(
      dayTier.stdout,
      'no data\nno data: days not rolled up (no committed partition): 2026-11-20, 2026-11-21\n',
    );
    const [storage] =
      await db.rows(`SELECT sum(v) AS v FROM (SELECT max({'t': "timestamp", 'v': value}).v AS v FROM read_parquet(${fleetGlob(dir.path)})
      WHERE metric = 'retained_bytes' AND cluster = 'lkc-real' GROUP BY topic, "partition")`);
    const partial = await cli([
      'query',
      '--metric',
      'retained_bytes',
      '--agg',
      'last',
      '--grain',
      'day',
      '--from',
      '2026-11-23',
      '--to',
      '2026-11-25',
      '--where',
      'cluster=lkc-real',
      '--format',
      'csv',
    ]);
    assert.equal(partial.code, 0, partial.stderr);
    assert.equal(
      partial.stdout,
      `time,value\n${fleetDay}T00:00:00.000Z,${Number(storage!.v)}\n# no data: days not rolled up (no committed partition): 2026-11-23\n`,
    );
    // a range that ends partway into a day never rolled up: that day is no data too, not a day tier to ask for
    // (increase takes the same path; the small fleet has no counter)
    for (const metric of ['retained_bytes', 'cpu_usage']) {
      const lastByDay = (from: string, to: string) =>
        cli(['query', '--metric', metric, '--agg', 'last', '--grain', 'day', '--from', from, '--to', to]);
      const ending = await lastByDay(fleetDay, '2026-11-25T05:00Z');
      assert.equal(ending.code, 0, ending.stderr);
      assert.match(ending.stdout, /\nno data: days not rolled up \(no committed partition\): 2026-11-25\n$/);
      const only = await lastByDay('2026-11-25', '2026-11-25T05:00Z');
      assert.equal(only.code, noData, only.stderr);
      assert.equal(only.stdout, 'no data\nno data: days not rolled up (no committed partition): 2026-11-25\n');
    }
  });

  it('trend, diagnose and attribute: real zeros print 0, unknown clusters and days never rolled up are "no data" with exit 3', async () => {
    const trend = await cli(['trend', '--cluster', 'lkc-real', '--end', '2026-11-25T00:00:00Z', '--days', '2']);
    assert.equal(trend.code, 0, trend.stderr);
    assert.match(trend.stdout, /no data: days not rolled up \(no committed partition\): 2026-11-23\n/);
    assert.match(
      trend.stdout,
      /no data: hours with nothing matching \(22\): 2026-11-24T00:00:00Z\/2026-11-24T05:00:00Z, 2026-11-24T06:00:00Z\/2026-11-24T07:00:00Z, 2026-11-24T08:00:00Z\/2026-11-25T00:00:00Z\n$/,
    );
    const trendJson = await cli([
      'trend',
      '--cluster',
      'lkc-real',
      '--end',
      '2026-11-25T00:00:00Z',
      '--days',
      '2',
      '--format',
      'json',
    ]);
    assert.equal(trendJson.code, 0, trendJson.stderr);
    assert.ok(Array.isArray(JSON.parse(trendJson.stdout)), 'stdout stays the array of series');
    assert.deepEqual(stderrEvent(trendJson, 'query_missing_data').missing.notRolledUp, ['2026-11-23']);
    const noTrend = await cli(['trend', '--cluster', 'lkc-nope', '--end', '2026-11-25T00:00:00Z', '--days', '1']);
    assert.equal(noTrend.code, noData, noTrend.stderr);
    assert.match(noTrend.stdout, /^no data\n/);

    const zero = await cli(['diagnose', '--cluster', 'lkc-zero', '--at', `${fleetDay}T07:10:00Z`]);
    assert.equal(zero.code, 0, zero.stderr);
    // named by the hour holding 07:10, as the answer is
    assert.match(zero.stdout, /^storage of cluster lkc-zero in the hour from 2026-11-24T07:00:00\.000Z: 0 bytes\n/);
    const none = await cli(['diagnose', '--cluster', 'lkc-nope', '--at', `${fleetDay}T07:10:00Z`, '--format', 'json']);
    assert.equal(none.code, noData, none.stderr);
    assert.deepEqual(JSON.parse(none.stdout), {
      cluster: 'lkc-nope',
      hour: `${fleetDay}T07:00:00.000Z`,
      bytes: null,
      byTopic: [],
      missing: { days: [], notRolledUp: [], hours: [`${fleetDay}T07:00:00.000Z`], nothingFound: true },
    });

    const attribution = await cli([
      'attribute',
      '--cluster',
      'lkc-real',
      '--end',
      '2026-11-25T00:00:00Z',
      '--days',
      '1',
      '--format',
      'json',
    ]);
    assert.equal(attribution.code, 0, attribution.stderr);
    const a = JSON.parse(attribution.stdout) as {
      cpu: { points: unknown[] };
      missing: { hours: string[]; nothingFound: boolean };
    };
    assert.equal(a.cpu.points.length, 2);
    assert.equal(a.missing.hours.length, 22);
    assert.equal(a.missing.nothingFound, false);
    const noAttribution = await cli([
      'attribute',
      '--cluster',
      'lkc-real',
      '--end',
      '2026-11-20T00:00:00Z',
      '--days',
      '2',
    ]);
    assert.equal(noAttribution.code, noData, noAttribution.stderr);
    assert.match(noAttribution.stdout, /^no data\n/);
    assert.match(
      noAttribution.stdout,
      /no data: days not rolled up \(no committed partition\): 2026-11-18, 2026-11-19\n/,
    );
  });

  it('report: a day never rolled up exits 3; an unknown tenant shows "no data" cells, not zeros', async () => {
    const out = `${dir.path}/report.html`;
    const missingDay = await cli(['report', '--date', '2026-11-23', '--out', out]);
    assert.equal(missingDay.code, noData, missingDay.stderr);
    assert.match(missingDay.stderr, /report has no data for 2026-11-23 .*not rolled up/);
    const unknownTenant = await cli(['report', '--date', fleetDay, '--out', out, '--tenant', 'tn-nope']);
    assert.equal(unknownTenant.code, 0, unknownTenant.stderr);
    const html = await readFile(out, 'utf8');
    assert.equal(
      (html.match(/<tr><td>\d\d:00<\/td><td>no data<\/td><td>no data<\/td><td>no data<\/td><\/tr>/g) ?? []).length,
      24,
    );
    assert.doesNotMatch(html, /<td>0<\/td><td>0<\/td>/);
  });
});
