import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { startCliHost } from '../helpers/cli-host.js';
import { openOracle, sqlString, type Oracle } from '../helpers/duckdb.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// The first and last days a partition can be (its output times are int64 nanoseconds since 1970): each is rolled up
// and queried like any other day, without the neighbour day it does not have; a day past them is refused up front.

const host = startCliHost();
after(() => host.stop());

describe('the first and last days a partition can be', { timeout: 300_000 }, () => {
  let db: Oracle;
  let dir: { path: string; remove: () => Promise<void> };

  /** Writes raw rows (DuckDB SELECT of timestamp, metric, value, tenant) as one object of the store. */
  async function writeRaw(key: string, select: string): Promise<void> {
    const file = `${dir.path}/${key}`;
    await mkdir(file.slice(0, file.lastIndexOf('/')), { recursive: true });
    await db.run(`COPY (${select}) TO ${sqlString(file)} (FORMAT parquet)`);
  }

  const cli = (args: readonly string[]) => host.run([...args, '--store', dir.path], {}, 120_000);

  /** The JSON answer of a query, which must exit 0. */
  async function answer(args: readonly string[]): Promise<unknown> {
    const r = await cli(['query', ...args, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  }

  before(async () => {
    db = await openOracle();
    await db.run(`SET TimeZone = 'UTC'`);
    dir = await makeTempDir('edge-dates');
    const rows = (from: string, n: number, step: number) =>
      `SELECT TIMESTAMP '${from}' + to_seconds(i * ${step}) AS timestamp, 'cpu_usage' AS metric,
        (i * 1.5)::DOUBLE AS value, 'tn-edge' AS tenant FROM range(${n}) t(i)`;
    // hr=00 of the first day holds 10 rows of the day before it (late rows of a day that cannot exist) and 20 own
    await writeRaw('raw/dt=1970-01-01/hr=00/a.parquet', rows('1969-12-31 23:50:00', 30, 60));
    // the last day's last hour, up to its last second, and a folder of the day after it (no partition can read it)
    await writeRaw('raw/dt=2262-04-10/hr=23/a.parquet', rows('2262-04-10 23:00:00', 61, 59));
    await writeRaw('raw/dt=2262-04-11/hr=00/a.parquet', rows('2262-04-10 23:59:59', 1, 1));
  });
  after(async () => {
    db.close();
    await dir.remove();
  });

  it('rolls up 1970-01-01: the rows of 1969 in its first folder are outside the day, not routed', async () => {
    const r = await cli(['run', '--date', '1970-01-01']);
    assert.equal(r.code, 0, r.stderr);
    const m = JSON.parse(await readFile(`${dir.path}/rollup/hour/dt=1970-01-01/_manifest.json`, 'utf8'));
    assert.deepEqual(
      {
        in: m.rows.in,
        routed: m.rows.routed,
        accepted: m.rows.accepted,
        outside: m.rows.rejected.timestamp_outside_day,
      },
      { in: 30, routed: 0, accepted: 20, outside: 10 },
    );
    // rows 10..29 at 00:00..00:19: values 15 to 43.5
    assert.deepEqual(
      await answer(['--metric', 'cpu_usage', '--from', '1970-01-01', '--to', '1970-01-02', '--agg', 'max']),
      [{ time: '1970-01-01T00:00:00.000Z', value: 43.5 }],
    );
    assert.deepEqual(
      await answer(['--metric', 'cpu_usage', '--from', '1970-01-01', '--to', '1970-01-02', '--agg', 'count']),
      [{ time: '1970-01-01T00:00:00.000Z', value: 20 }],
    );
  });

  it('rolls up 2262-04-10 to its last second, reading no folder of the day after', async () => {
    const r = await cli(['run', '--date', '2262-04-10']);
    assert.equal(r.code, 0, r.stderr);
    const m = JSON.parse(await readFile(`${dir.path}/rollup/hour/dt=2262-04-10/_manifest.json`, 'utf8'));
    assert.deepEqual(
      m.inputs.map((i: { key: string }) => i.key),
      ['raw/dt=2262-04-10/hr=23/a.parquet'],
    );
    assert.equal(m.rows.accepted, 61);
    // the last sample is at 23:59:00 (row 60): the latest value, and its time within the hour's cube records
    assert.deepEqual(
      await answer(['--metric', 'cpu_usage', '--from', '2262-04-10T23:00:00Z', '--to', '2262-04-11', '--agg', 'last']),
      [{ time: '2262-04-10T23:00:00.000Z', value: 90 }],
    );
    const files = m.outputs
      .filter((o: { key: string }) => o.key.includes('/part-'))
      .map((o: { key: string }) => sqlString(`${dir.path}/${o.key}`));
    const [row] = await db.rows(
      `SELECT max(last_time)::VARCHAR AS last FROM read_parquet([${files.join(', ')}]) WHERE metric = 'cpu_usage'`,
    );
    assert.equal(row!.last, '2262-04-10 23:59:00+00');
  });

  it('refuses a day after 2262-04-10 and a query past it before reading anything', async () => {
    const run = await cli(['run', '--date', '2262-04-11']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /date '2262-04-11' is after 2262-04-10, the last day whose times int64 nanoseconds hold/);
    const query = await cli(['query', '--metric', 'cpu_usage', '--from', '2262-04-10', '--to', '2262-04-12']);
    assert.equal(query.code, 1);
    assert.match(query.stderr, /is not within the days a partition can be, 1970-01-01 to 2262-04-10/);
  });
});
