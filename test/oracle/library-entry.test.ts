import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';
import {
  ConfigError,
  MissingPartitionError,
  NotFoundError,
  openRollups,
  PartitionChangedError,
  QueryError,
  StorageError,
  StoreLocationError,
} from '../../src/index.js';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { writeSampleDay } from '../../src/sample/write-sample-day.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const date = '2026-11-19';

it('the library entry: a parsed JSON config is checked and completed, bad times are QueryErrors, counts are copies', async () => {
  const dir = await makeTempDir('library-entry');
  try {
    const store = new LocalStore(dir.path);
    await writeSampleDay(store, { date, rows: 8_000, seed: 7 });
    const config = await loadJobConfig();
    // hours 04 and 05 built by hourly runs: 05's late rows land in 06 and 07, not built, so 05 is not complete
    for (const hour of [4, 5])
      await runRollup({ store, config, configHash: hashJobConfig(config), date, hour, workers: 0 });
    const json = JSON.parse(await readFile('jobs/default-job.json', 'utf8')) as unknown;
    const rollups = await openRollups({ store, config: json as typeof config }); // as a caller parses the file
    assert.equal(rollups.config.raw.lateArrivalHours, 2, 'the default filled in');
    const from = Date.parse(`${date}T04:00:00Z`);
    const answer = await rollups.query({ metric: 'received_bytes', fromMs: from, toMs: from + 4 * 3_600_000 });
    assert.deepEqual(answer.missing.notBuilt, [
      `${date}T04:00:00.000Z`,
      `${date}T05:00:00.000Z`,
      `${date}T06:00:00.000Z`,
      `${date}T07:00:00.000Z`,
    ]);
    await assert.rejects(
      openRollups({ store, config: { ...config, output: { ...config.output, rowGroupRows: 0 } } }),
      (e: unknown) => e instanceof ConfigError && /output\.rowGroupRows/.test(e.message),
    );

    const invalid = new Date('13:00 tomorrow');
    for (const [call, name] of [
      [() => rollups.query({ metric: 'received_bytes', fromMs: Number.NaN, toMs: from }), 'query fromMs NaN'],
      [() => rollups.facts({ tenant: 't', hour: invalid }), 'hour Invalid Date'],
      [() => rollups.diagnose({ cluster: 'c', at: invalid }), 'at Invalid Date'],
      [() => rollups.trend({ cluster: 'c', end: new Date(from), days: Number('seven') }), 'days NaN'],
      [() => rollups.attribute({ cluster: 'c', end: invalid }), 'end Invalid Date'],
    ] as const)
      await assert.rejects(call(), (e: unknown) => e instanceof QueryError && e.message.startsWith(name), name);

    const before = rollups.cacheCounts();
    const kept = { ...before };
    await rollups.query({ metric: 'received_bytes', fromMs: from, toMs: from + 3_600_000, groupBy: ['tenant'] });
    assert.deepEqual(before, kept, 'a value kept from before does not change');
    assert.notDeepEqual(rollups.cacheCounts(), kept);

    // the error classes a caller tells apart are exported
    assert.ok(new PartitionChangedError('hour', date) instanceof StorageError);
    assert.equal(new PartitionChangedError('hour', date).transient, true);
    for (const c of [MissingPartitionError, NotFoundError, StoreLocationError]) assert.equal(typeof c, 'function');
  } finally {
    await dir.remove();
  }
});
