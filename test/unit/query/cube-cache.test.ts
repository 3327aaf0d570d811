import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { hashJobConfig, loadJobConfig } from '../../../src/config/load-job-config.js';
import type { JobConfig } from '../../../src/config/job-config.js';
import { oneShotReads, openRollups } from '../../../src/serve/open-rollups.js';
import { runRollup } from '../../../src/rollup/run-rollup.js';
import { LocalStore } from '../../../src/storage/local-store.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { StorageError } from '../../../src/storage/storage-error.js';
import { openOracle, type Oracle } from '../../helpers/duckdb.js';
import { fleetDay, writeSmallFleetDay } from '../../helpers/small-fleet-day.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

let dir: { path: string; remove: () => Promise<void> };
let db: Oracle;
let config: JobConfig;
before(async () => {
  dir = await makeTempDir('cube-cache');
  db = await openOracle();
  await db.run(`SET TimeZone = 'UTC'`);
  await writeSmallFleetDay(db, dir.path);
  config = await loadJobConfig();
  await runRollup({
    store: new LocalStore(dir.path),
    config,
    configHash: hashJobConfig(config),
    date: fleetDay,
    workers: 0,
  });
});
after(async () => {
  // optional: a failed `before` reports its own error, not this hook's
  (db as Oracle | undefined)?.close();
  await (dir as typeof dir | undefined)?.remove();
});

/** The committed store, with `seen` told of each HEAD, GET and ranged GET before it runs (it may throw to fail it). */
function watchedStore(seen: (request: 'HEAD' | 'GET', key: string) => void): ObjectStore {
  const local = new LocalStore(dir.path);
  return {
    description: local.description,
    listPage: (prefix, token, size) => local.listPage(prefix, token, size),
    head: async (key) => {
      seen('HEAD', key);
      return local.head(key);
    },
    get: async (key, o) => {
      seen('GET', key);
      return local.get(key, o);
    },
    getRange: async (key, start, end, o) => {
      seen('GET', key);
      return local.getRange(key, start, end, o);
    },
    put: (key, body, o) => local.put(key, body, o),
    delete: (key) => local.delete(key),
  };
}

it('a day whose load failed (a transient storage error) is loaded again on the next query, not failed forever', async () => {
  let failures = 1;
  const flaky = watchedStore((request, key) => {
    if (request === 'GET' && key.includes('star-tree-') && failures-- > 0)
      throw new StorageError(`storage get ${key}: connection reset`, true);
  });
  const rollups = await openRollups({ store: flaky, config });
  const q = {
    metric: 'cpu_usage',
    fromMs: Date.parse(`${fleetDay}T05:00:00Z`),
    toMs: Date.parse(`${fleetDay}T06:00:00Z`),
    where: { cluster: ['lkc-zero'] },
  };
  await assert.rejects(rollups.query(q), /connection reset/);
  const answer = await rollups.query(q);
  assert.deepEqual(answer.rows, [{ time: `${fleetDay}T05:00:00.000Z`, groups: [], value: 0 }]);
});

it('explain says how each segment was read: whole then cached (serve), hour cuboids (one-shot), and bytes', async () => {
  const store = new LocalStore(dir.path);
  const q = {
    metric: 'cpu_usage',
    fromMs: Date.parse(`${fleetDay}T05:00:00Z`),
    toMs: Date.parse(`${fleetDay}T07:00:00Z`),
    where: { cluster: ['lkc-zero'] }, // a filter: the segments are read (a metric alone is answered by its totals)
  };
  const served = await openRollups({ store, config });
  const first = await served.query(q);
  const again = await served.query(q);
  const oneShot = await (await openRollups({ store, config, segmentReads: 'partial' })).query(q);
  assert.deepEqual(again.rows, first.rows);
  assert.deepEqual(oneShot.rows, first.rows);
  const segments = (a: typeof first) => a.explain.days.flatMap((d) => d.segments);
  assert.ok(segments(first).length >= 1, JSON.stringify(first.explain));
  for (const s of segments(first)) {
    assert.equal(s.reads, 'whole');
    assert.ok(s.bytesRead > 0 && s.bytesRead <= s.segmentBytes && s.rowGroupsRead > 0, JSON.stringify(s));
  }
  for (const s of segments(again)) assert.deepEqual([s.reads, s.bytesRead, s.rowGroupsRead], ['cached', 0, 0]);
  // one-shot: a declared cuboid holds cluster, so the day tier's hour cuboids are read (a part of one file)
  assert.equal(oneShot.explain.days[0]!.hourCuboid, 'metric_cluster');
  assert.ok(segments(oneShot).length >= 1);
  for (const s of segments(oneShot)) {
    assert.equal(s.reads, 'hour-cuboids');
    assert.ok(s.bytesRead > 0 && s.bytesRead <= s.segmentBytes, JSON.stringify(s)); // a small file: one read
  }
  assert.equal(
    first.explain.days[0]!.bytesRead,
    segments(first).reduce((n, s) => n + s.bytesRead, 0),
  );
  const { where: _where, ...alone } = q;
  for (const rollups of [served, await openRollups({ store, config, segmentReads: 'partial' })]) {
    const totals = await rollups.query(alone);
    assert.ok(totals.rows.length > 0);
    for (const s of segments(totals)) assert.deepEqual([s.reads, s.bytesRead, s.rowGroupsRead], ['totals', 0, 0]);
  }
});

it("one-shot reads GET each day's manifest once and never HEAD it; serve HEADs it on every query", async () => {
  const manifestRequests: string[] = [];
  const counted = watchedStore((request, key) => {
    if (key.endsWith('/_manifest.json')) manifestRequests.push(`${request} ${key}`);
  });
  const q = {
    metric: 'cpu_usage',
    fromMs: Date.parse(`${fleetDay}T05:00:00Z`),
    toMs: Date.parse(`${fleetDay}T08:00:00Z`),
  };
  const hourKey = `rollup/hour/dt=${fleetDay}/_manifest.json`;
  const oneShot = await openRollups({ store: counted, config, ...oneShotReads });
  const answer = await oneShot.query(q);
  assert.deepEqual((await oneShot.query(q)).rows, answer.rows);
  assert.deepEqual(manifestRequests, [`GET ${hourKey}`]);
  manifestRequests.length = 0;
  const served = await openRollups({ store: counted, config });
  assert.deepEqual((await served.query(q)).rows, answer.rows);
  assert.deepEqual((await served.query(q)).rows, answer.rows);
  assert.deepEqual(manifestRequests, [`HEAD ${hourKey}`, `GET ${hourKey}`, `HEAD ${hourKey}`]);
});

it("parallel queries on a cold cache GET each day's manifest once, whether serve's reads or one-shot reads", async () => {
  const manifestGets: string[] = [];
  const counted = watchedStore((request, key) => {
    if (request === 'GET' && key.endsWith('/_manifest.json')) manifestGets.push(key);
  });
  const queries = ['lkc-zero', 'lkc-real', 'lkc-zero'].map((cluster) => ({
    metric: 'cpu_usage',
    fromMs: Date.parse(`${fleetDay}T05:00:00Z`),
    toMs: Date.parse(`${fleetDay}T08:00:00Z`),
    where: { cluster: [cluster] },
  }));
  const hourKey = `rollup/hour/dt=${fleetDay}/_manifest.json`;
  const dayKey = `rollup/day/dt=${fleetDay}/_manifest.json`;
  // serve's reads answer from the hour tier's segments; one-shot reads from the day tier's hour cuboids (a declared
  // cuboid holds a cluster's facts) after the hour tier's manifest
  for (const [reads, manifests] of [
    [{}, [hourKey]],
    [oneShotReads, [hourKey, dayKey]],
  ] as const) {
    manifestGets.length = 0;
    const rollups = await openRollups({ store: counted, config, ...reads });
    const answers = await Promise.all(queries.map((q) => rollups.query(q)));
    assert.deepEqual(answers[2]!.rows, answers[0]!.rows);
    assert.deepEqual(manifestGets, manifests, JSON.stringify(reads));
  }
});
