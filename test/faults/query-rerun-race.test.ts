import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import { it } from 'node:test';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import { collectGarbage } from '../../src/partition/collect-garbage.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { writeSampleDay } from '../../src/sample/write-sample-day.js';
import { openRollups } from '../../src/serve/open-rollups.js';
import { LocalStore } from '../../src/storage/local-store.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { openOracle, sqlString } from '../helpers/duckdb.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const date = '2026-11-20';

it('a query whose listed file a rerun and gc delete under it answers from the new commit (it called the file damaged)', async () => {
  const dir = await makeTempDir('query-rerun-race');
  const db = await openOracle();
  try {
    const local = new LocalStore(dir.path);
    await writeSampleDay(local, { date, rows: 20_000, seed: 7 });
    const config = await loadJobConfig();
    const configHash = hashJobConfig(config);
    await runRollup({ store: local, config, configHash, date, workers: 0 });
    // the first read of a star-tree record file waits while a late file lands, the day is run again and gc deletes
    // the files the new commit no longer lists (among them, the file being read)
    let raced = false;
    const store: ObjectStore = new Proxy(local, {
      get(target, property) {
        if (property === 'getRange')
          return async (...args: Parameters<ObjectStore['getRange']>) => {
            if (!raced && args[0].includes('/star-tree-records-h13-')) {
              raced = true;
              await copyFile(
                `${dir.path}/raw/dt=${date}/hr=13/part-0.parquet`,
                `${dir.path}/raw/dt=${date}/hr=13/late-copy.parquet`,
              );
              await runRollup({ store: local, config, configHash, date, workers: 0 });
              const gone = await collectGarbage(local, config.output.prefix, 'hour', date, 0, () => new Date());
              assert.ok(gone.deleted.includes(args[0]), `gc deleted ${args[0]}`);
            }
            return target.getRange(...args);
          };
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const rollups = await openRollups({ store, config });
    const from = Date.parse(`${date}T13:00:00Z`);
    // by tenant: read from the segments' records (a total alone is added up from the manifest)
    const answer = await rollups.query({
      metric: 'received_bytes',
      fromMs: from,
      toMs: from + 3_600_000,
      groupBy: ['tenant'],
    });
    assert.ok(raced, 'the race happened');
    const [row] = await db.rows(
      `SELECT sum(value)::DOUBLE AS s FROM read_parquet(${sqlString(`${dir.path}/raw/dt=${date}/hr=13/*.parquet`)}) ` +
        `WHERE metric = 'received_bytes' AND timestamp >= TIMESTAMPTZ '${date} 13:00:00+00' ` +
        `AND timestamp < TIMESTAMPTZ '${date} 14:00:00+00' AND isfinite(value)`,
    );
    const expected = Number(row!.s);
    const total = answer.rows.reduce((n, r) => n + (r.value ?? 0), 0);
    assert.ok(answer.rows.length > 1);
    assert.ok(Math.abs(total - expected) <= 1e-9 * expected, `${total} vs ${expected}`);
  } finally {
    db.close();
    await dir.remove();
  }
});
