import assert from 'node:assert/strict';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { it } from 'node:test';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import { QueryError, runQuery, type Query } from '../../src/query/run-query.js';
import { runPod } from '../../src/rollup/run-pod.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { writeSampleDay } from '../../src/sample/write-sample-day.js';
import { LocalStore } from '../../src/storage/local-store.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { StorageError } from '../../src/storage/storage-error.js';
import { leaseBody } from '../helpers/live-lease.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const date = '2026-11-24';
const hourLease = `rollup/hour/dt=${date}/_lease.json`;
const dayLease = `rollup/day/dt=${date}/_lease.json`;
const hourManifest = `rollup/hour/dt=${date}/_manifest.json`;
const dayManifest = `rollup/day/dt=${date}/_manifest.json`;

/** A store that records, in order, every put and delete of the day's leases and manifests. */
function recording(store: ObjectStore, events: string[]): ObjectStore {
  const watched = new Set([hourLease, dayLease, hourManifest, dayManifest]);
  return {
    description: store.description,
    listPage: (p, t, n) => store.listPage(p, t, n),
    head: (k) => store.head(k),
    get: (k) => store.get(k),
    getRange: (k, s, e, o) => store.getRange(k, s, e, o),
    put: async (k, b, o) => {
      await store.put(k, b, o);
      if (watched.has(k) && !events.includes(`put ${k}`)) events.push(`put ${k}`); // lease renewals not repeated
    },
    delete: async (k) => {
      await store.delete(k);
      if (watched.has(k)) events.push(`delete ${k}`);
    },
  };
}

async function leasesLeft(root: string): Promise<string[]> {
  const found: string[] = [];
  for (const grain of ['hour', 'day'])
    for (const f of await readdir(`${root}/rollup/${grain}/dt=${date}`).catch(() => []))
      if (f.startsWith('_lease')) found.push(`${grain}/${f}`);
  return found;
}

/** The hours committed, then the day lease taken before the hour lease is let go, and held until the day commit. */
function assertHandedOver(events: readonly string[]): void {
  const at = (e: string): number => {
    const i = events.indexOf(e);
    assert.ok(i >= 0, `${e} in ${events.join(' | ')}`);
    return i;
  };
  assert.ok(at(`put ${hourManifest}`) < at(`delete ${hourLease}`), events.join(' | '));
  assert.ok(at(`put ${dayLease}`) < at(`delete ${hourLease}`), events.join(' | ')); // the handover
  assert.ok(at(`put ${dayManifest}`) < at(`delete ${dayLease}`), events.join(' | '));
}

it('a run takes the day tier lease before it lets the hour tier lease go: no moment shows a stale day tier unleased', async () => {
  const dir = await makeTempDir('day-lease-handover');
  try {
    const local = new LocalStore(dir.path);
    await writeSampleDay(local, { date, rows: 6000, seed: 4 });
    const config = await loadJobConfig();
    const configHash = hashJobConfig(config);
    const events: string[] = [];
    await runRollup({ store: recording(local, events), config, configHash, date, workers: 0 });
    assertHandedOver(events);
    assert.deepEqual(await leasesLeft(dir.path), []);

    // an unchanged rerun skips both tiers and leaves no lease behind
    events.length = 0;
    await runRollup({ store: recording(local, events), config, configHash, date, workers: 0 });
    assert.deepEqual(events, []);
    assert.deepEqual(await leasesLeft(dir.path), []);
  } finally {
    await dir.remove();
  }
});

it('last/increase at day grain while a first run builds the day tier: retry later, not the client at fault', async () => {
  const dir = await makeTempDir('day-lease-first-build');
  try {
    const store = new LocalStore(dir.path);
    await writeSampleDay(store, { date, rows: 6000, seed: 4 });
    const config = await loadJobConfig();
    await runRollup({ store, config, configHash: hashJobConfig(config), date, workers: 0 });
    await rm(`${dir.path}/${dayManifest}`); // the hours committed, the day tier not yet
    const dayMs = Date.parse(`${date}T00:00:00Z`);
    const q: Query = {
      metric: 'bytes_in_total',
      kind: config.metrics.bytes_in_total!.kind,
      fromMs: dayMs,
      toMs: dayMs + 86_400_000,
      grain: 'day',
      groupBy: [],
      where: {},
      whereNot: {},
      agg: 'increase',
    };
    await writeFile(`${dir.path}/${dayLease}`, leaseBody());
    await assert.rejects(
      runQuery(store, config.output.prefix, config.cube!, q),
      (e: unknown) =>
        e instanceof StorageError &&
        e.transient &&
        e.message.includes(`needs the day tier of ${date}, which a run is building now`),
    );
    // grouped by a dimension the job's day tier drops: the tier being built will not answer it either, so it is the
    // client's question (400), not a moment's state (75); so is any question of a job that declares no day tier
    const drops = config.output.tiers.find((t) => t.grain === 'day')!.dropDimensions;
    assert.deepEqual(drops, ['partition']);
    const byPartition = { ...q, groupBy: ['partition'] };
    await assert.rejects(
      runQuery(store, config.output.prefix, config.cube!, byPartition, undefined, { dayTierDrops: drops }),
      (e: unknown) =>
        e instanceof QueryError &&
        e.message.includes(
          `needs the committed day tier of ${date}, covering the whole day, to hold partition, which it drops`,
        ),
    );
    await assert.rejects(
      runQuery(store, config.output.prefix, config.cube!, q, undefined, { dayTierDrops: null }),
      (e: unknown) => e instanceof QueryError && e.message.includes('needs the committed day tier'),
    );
    // the same questions without the job (what its day tier drops not known): the tier being built may answer them
    await assert.rejects(
      runQuery(store, config.output.prefix, config.cube!, byPartition),
      (e: unknown) => e instanceof StorageError && e.transient,
    );
    // part of the day, which the day tier never answers: refused whatever runs
    await assert.rejects(
      runQuery(store, config.output.prefix, config.cube!, { ...q, toMs: dayMs + 12 * 3_600_000 }),
      (e: unknown) => e instanceof QueryError && e.message.includes('needs the committed day tier'),
    );
    // no live run at work (none; a killed run's lease; an expired one; gc's): the day tier is simply not there
    const gone = 2 ** 22 + 12_345; // no such pid: above Linux's default pid_max
    for (const body of [
      undefined,
      leaseBody({ pid: gone }),
      leaseBody({ expiresInMs: -1000 }),
      leaseBody({ purpose: 'gc' }),
    ]) {
      if (body === undefined) await rm(`${dir.path}/${dayLease}`);
      else await writeFile(`${dir.path}/${dayLease}`, body);
      await assert.rejects(
        runQuery(store, config.output.prefix, config.cube!, q),
        (e: unknown) => e instanceof QueryError && e.message.includes('needs the committed day tier'),
        body,
      );
    }
  } finally {
    await dir.remove();
  }
});

it("pods: pod 0 takes the day tier's lease before it lets the hour tier's go, as one process does", async () => {
  const dir = await makeTempDir('day-lease-handover-pods');
  try {
    const local = new LocalStore(dir.path);
    await writeSampleDay(local, { date, rows: 6000, seed: 4 });
    const config = await loadJobConfig();
    const configHash = hashJobConfig(config);
    const events: string[] = [];
    const store = recording(local, events);
    await Promise.all(
      [0, 1].map((index) =>
        runPod({ store, config, configHash, date, workers: 0, pod: { index, count: 2 }, pollMs: 20 }),
      ),
    );
    assertHandedOver(events);
    assert.deepEqual(await leasesLeft(dir.path), []);
  } finally {
    await dir.remove();
  }
});
