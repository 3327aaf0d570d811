import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { writeSampleDay } from '../../src/sample/write-sample-day.js';
import { openRollups } from '../../src/serve/open-rollups.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const date = '2026-11-24';
const start = Date.parse(`${date}T00:00:00Z`);
const hourMs = 3_600_000;

// A server keeps segments in memory: a query merging sketches of several segments must not change a cached one.
describe('cached segments: sketch queries over several segments leave the cached sketches as they were', () => {
  let dir: { path: string; remove: () => Promise<void> };
  before(async () => {
    dir = await makeTempDir('cached-sketches');
    const store = new LocalStore(dir.path);
    await writeSampleDay(store, { date, rows: 40_000, seed: 11 });
    const config = await loadJobConfig();
    await runRollup({ store, config, configHash: hashJobConfig(config), date, workers: 0 });
  });
  after(async () => {
    await dir.remove();
  });

  for (const [metric, agg] of [
    ['request_latency_ms', 'p99'],
    ['request_latency_ms', 'p50'],
    ['partition_online', 'distinct'],
  ] as const) {
    it(`${metric} ${agg}: one hour answers the same before and after a 6-hour query, as from a fresh reader`, async () => {
      const hour = { metric, fromMs: start, toMs: start + hourMs, grain: 'day' as const, groupBy: [], agg };
      const six = { ...hour, toMs: start + 6 * hourMs };
      const fresh = async (q: typeof hour) => (await (await openRollups({ store: dir.path })).query(q)).rows;
      const expectedHour = await fresh(hour);
      const expectedSix = await fresh(six);
      assert.equal(expectedHour.length, 1);
      const server = await openRollups({ store: dir.path }); // one reader, segments cached between queries
      assert.deepEqual((await server.query(hour)).rows, expectedHour);
      assert.deepEqual((await server.query(six)).rows, expectedSix);
      assert.deepEqual((await server.query(hour)).rows, expectedHour);
      assert.deepEqual((await server.query(six)).rows, expectedSix);
    });
  }
});
