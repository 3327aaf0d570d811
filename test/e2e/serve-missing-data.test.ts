import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import { openRollups } from '../../src/serve/open-rollups.js';
import { serveRollups } from '../../src/serve/serve-rollups.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { openOracle, type Oracle } from '../helpers/duckdb.js';
import { fleetDay, fleetGlob, writeSmallFleetDay } from '../helpers/small-fleet-day.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** Serves a store on a free loopback port; returns its base URL and a stopper. */
async function serve(store: string): Promise<{ base: string; stop: () => Promise<void> }> {
  const server: Server = await serveRollups(await openRollups({ store }), { host: '127.0.0.1', port: 0 });
  const address = server.address();
  return {
    base: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('serve: a JSON field or header lists what was missing, and nothing matched is a 404', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let empty: { path: string; remove: () => Promise<void> };
  let db: Oracle;
  let server: { base: string; stop: () => Promise<void> };
  before(async () => {
    dir = await makeTempDir('serve-missing');
    empty = await makeTempDir('serve-empty');
    db = await openOracle();
    await db.run(`SET TimeZone = 'UTC'`);
    await writeSmallFleetDay(db, dir.path);
    const config = await loadJobConfig();
    await runRollup({
      store: new LocalStore(dir.path),
      config,
      configHash: hashJobConfig(config),
      date: fleetDay,
      workers: 0,
    });
    server = await serve(dir.path);
  });
  after(async () => {
    await server.stop();
    db.close();
    await dir.remove();
    await empty.remove();
  });
  const get = async (path: string): Promise<{ status: number; body: unknown; headers: Headers }> => {
    const r = await fetch(server.base + path);
    return { status: r.status, body: await r.json(), headers: r.headers };
  };

  it('/facts and /diagnose: a real zero is 200 with 0; an unknown tenant or cluster is 404 with the hour listed', async () => {
    const hour = `${fleetDay}T05:00:00.000Z`;
    const zero = await get(`/facts?tenant=tn-zero&hour=${hour}`);
    assert.equal(zero.status, 200);
    assert.deepEqual(zero.body, {
      tenant: 'tn-zero',
      hour,
      bytes: 0,
      byMetric: [
        { metric: 'received_bytes', bytes: 0 },
        { metric: 'sent_bytes', bytes: 0 },
      ],
      missing: { days: [], notRolledUp: [], hours: [], nothingFound: false },
    });
    const [want] = await db.rows(
      `SELECT sum(value) AS v FROM read_parquet(${fleetGlob(dir.path)}) WHERE cluster = 'lkc-real' AND metric IN ('received_bytes', 'sent_bytes') AND date_trunc('hour', "timestamp") = TIMESTAMP '${fleetDay} 05:00:00'`,
    );
    const real = await get(`/facts?cluster=lkc-real&hour=${hour}`);
    assert.equal(real.status, 200);
    assert.equal((real.body as { bytes: number }).bytes, Number(want!.v));
    const unknown = await get(`/facts?tenant=tn-nope&hour=${hour}`);
    assert.equal(unknown.status, 404);
    assert.match(
      (unknown.body as { error: string }).error,
      /no data for \/facts: no data: hours with nothing matching \(1\): 2026-11-24T05:00:00Z\/2026-11-24T06:00:00Z/,
    );
    assert.deepEqual((unknown.body as { missing: unknown }).missing, {
      days: [],
      notRolledUp: [],
      hours: [hour],
      nothingFound: true,
    });

    const storage = await get(`/diagnose?cluster=lkc-zero&at=${hour}`);
    assert.equal(storage.status, 200);
    assert.deepEqual(storage.body, {
      cluster: 'lkc-zero',
      hour,
      bytes: 0,
      byTopic: [{ topic: 'idle', bytes: 0 }],
      missing: { days: [], notRolledUp: [], hours: [], nothingFound: false },
    });
    const noStorage = await get(`/diagnose?topic=nope&at=2026-11-22T05:00:00Z`);
    assert.equal(noStorage.status, 404);
    assert.deepEqual((noStorage.body as { missing: unknown }).missing, {
      days: ['2026-11-22'],
      notRolledUp: ['2026-11-22'],
      hours: [],
      nothingFound: true,
    });
  });

  it('/query and /trend keep their JSON arrays and list missing days and hours in headers; nothing matched is 404', async () => {
    const q = await get(
      `/query?metric=received_bytes&from=2026-11-23T22:00:00Z&to=${fleetDay}T08:00:00Z&where=tenant=tn-real`,
    );
    assert.equal(q.status, 200);
    const rows =
      await db.rows(`SELECT strftime(date_trunc('hour', "timestamp"), '%Y-%m-%dT%H:%M:%S.000Z') AS time, sum(value) AS value FROM read_parquet(${fleetGlob(dir.path)})
      WHERE metric = 'received_bytes' AND tenant = 'tn-real' GROUP BY ALL ORDER BY time`);
    assert.deepEqual(
      q.body,
      rows.map((r) => ({ time: String(r.time), value: Number(r.value) })),
    );
    assert.equal(q.headers.get('x-rollup-missing-days'), '2026-11-23');
    assert.equal(
      q.headers.get('x-rollup-missing-hours'),
      '2026-11-24T00:00:00Z/2026-11-24T05:00:00Z, 2026-11-24T06:00:00Z/2026-11-24T07:00:00Z',
    );
    const whole = await get(
      `/query?metric=received_bytes&from=${fleetDay}T05:00:00Z&to=${fleetDay}T06:00:00Z&where=tenant=tn-zero`,
    );
    assert.equal(whole.status, 200);
    assert.deepEqual(whole.body, [{ time: `${fleetDay}T05:00:00.000Z`, value: 0 }]);
    assert.equal(whole.headers.get('x-rollup-missing-days'), null);
    assert.equal(whole.headers.get('x-rollup-missing-hours'), null);
    assert.equal(whole.headers.get('x-rollup-hours-read'), null, 'a range on hours reads what it asks for');
    // a range off the hour reads the hours that start in it, and says which: 04:30 to 05:30 reads hour 05 alone
    const shifted = await get(
      `/query?metric=received_bytes&from=${fleetDay}T04:30:00Z&to=${fleetDay}T05:30:00Z&where=tenant=tn-zero`,
    );
    assert.equal(shifted.status, 200);
    assert.deepEqual(shifted.body, whole.body);
    assert.equal(shifted.headers.get('x-rollup-hours-read'), `${fleetDay}T05:00:00.000Z/${fleetDay}T06:00:00.000Z`);
    // a range off the hour holding no hour start reads nothing: its 404 says which (empty) hours it read
    const within = await get(`/query?metric=received_bytes&from=${fleetDay}T05:10:00Z&to=${fleetDay}T05:50:00Z`);
    assert.equal(within.status, 404);
    assert.equal(within.headers.get('x-rollup-hours-read'), `${fleetDay}T06:00:00.000Z/${fleetDay}T06:00:00.000Z`);
    const none = await get(
      `/query?metric=received_bytes&from=${fleetDay}&to=2026-11-25&where=cluster=lkc-nope&grain=day`,
    );
    assert.equal(none.status, 404);
    assert.deepEqual((none.body as { missing: unknown }).missing, {
      days: [fleetDay],
      notRolledUp: [],
      hours: [],
      nothingFound: true,
    });

    const trend = await get(`/trend?cluster=lkc-real&end=2026-11-25T00:00:00Z&days=2`);
    assert.equal(trend.status, 200);
    assert.deepEqual(
      (trend.body as { name: string }[]).map((s) => s.name),
      ['broker-0', 'broker-1'],
    );
    assert.equal(trend.headers.get('x-rollup-missing-days'), '2026-11-23');
    const noTrend = await get(`/trend?cluster=lkc-nope&end=2026-11-25T00:00:00Z&days=1`);
    assert.equal(noTrend.status, 404);
    const attribution = await get(`/attribute?cluster=lkc-real&end=2026-11-25T00:00:00Z&days=1`);
    assert.equal(attribution.status, 200);
    assert.equal((attribution.body as { missing: { hours: string[] } }).missing.hours.length, 22);
  });

  it('an empty store answers 404 listing the days never rolled up', async () => {
    const emptyServer = await serve(empty.path);
    try {
      const r = await fetch(`${emptyServer.base}/query?metric=cpu_usage&from=2026-11-20&to=2026-11-22`);
      assert.equal(r.status, 404);
      assert.deepEqual(((await r.json()) as { missing: unknown }).missing, {
        days: ['2026-11-20', '2026-11-21'],
        notRolledUp: ['2026-11-20', '2026-11-21'],
        hours: [],
        nothingFound: true,
      });
    } finally {
      await emptyServer.stop();
    }
  });
});
