import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { it } from 'node:test';
import type { JobConfig } from '../../src/config/job-config.js';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import { silentLogger } from '../../src/logger.js';
import { applyRetention, listRetentionCandidates } from '../../src/rollup/apply-retention.js';
import { planRetention, retentionPolicyOf } from '../../src/rollup/plan-retention.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { writeSampleDay } from '../../src/sample/write-sample-day.js';
import { LocalStore } from '../../src/storage/local-store.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const date = '2026-11-21';

/** `inner`, whose `limit`-th delete of a raw object and every one after it fail, as a retention killed midway stops. */
function failingDeletes(inner: ObjectStore, limit: number): ObjectStore {
  let deletes = 0;
  return new Proxy(inner, {
    get(target, property) {
      if (property === 'delete')
        return async (key: string) => {
          if (key.startsWith('raw/') && ++deletes >= limit) throw new Error(`killed before deleting ${key}`);
          return target.delete(key);
        };
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function retention(store: ObjectStore, config: JobConfig): Promise<void> {
  const policy = retentionPolicyOf(config);
  const decisions = planRetention(
    await listRetentionCandidates(store, config, policy),
    policy,
    Date.parse('2026-12-30T00:00:00Z'),
  );
  await applyRetention(store, config, decisions, true, silentLogger, () => new Date());
}

it('a raw retention killed midway leaves the day marked: no run reads what is left as the day, the next retention finishes', async () => {
  const dir = await makeTempDir('retention-midway');
  try {
    const store = new LocalStore(dir.path);
    const base = await loadJobConfig();
    const config: JobConfig = { ...base, raw: { ...base.raw, retentionDays: 2 } };
    const configHash = hashJobConfig(config);
    await writeSampleDay(store, { date, rows: 20_000, seed: 4 });
    assert.equal((await runRollup({ store, config, configHash, date, workers: 0 })).outcome, 'committed');
    const manifest = `${dir.path}/rollup/hour/dt=${date}/_manifest.json`;
    const committed = await readFile(manifest, 'utf8');
    await assert.rejects(retention(failingDeletes(store, 40), config), /killed before deleting/);
    const marker = `${dir.path}/raw/dt=${date}/_retention.json`;
    assert.ok(existsSync(marker), 'the marker stays while objects are left');
    const left = (await readdir(`${dir.path}/raw/dt=${date}`, { recursive: true })).filter((f) =>
      f.endsWith('.parquet'),
    );
    assert.ok(left.length > 0, 'objects are left');
    // what is left is not the day: a run keeps the committed partition as it is (it rebuilt it from the rest)
    for (const force of [false, true]) {
      const rerun = await runRollup({ store, config, configHash, date, workers: 0, force });
      assert.equal(rerun.outcome, 'skipped', `force ${force}`);
      assert.equal(await readFile(manifest, 'utf8'), committed);
    }
    await retention(store, config);
    assert.equal(
      existsSync(`${dir.path}/raw/dt=${date}`) && (await readdir(`${dir.path}/raw/dt=${date}`)).length > 0,
      false,
    );
    assert.equal(await readFile(manifest, 'utf8'), committed);
  } finally {
    await dir.remove();
  }
});
