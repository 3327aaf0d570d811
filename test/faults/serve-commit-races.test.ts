import assert from 'node:assert/strict';
import { it } from 'node:test';
import { openRollups } from '../../src/serve/open-rollups.js';
import { serveRollups } from '../../src/serve/serve-rollups.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { listAll, type ObjectStore } from '../../src/storage/object-store.js';
import { runCli } from '../helpers/run-cli.js';
import { fleetDay, writeSmallFleetDay } from '../helpers/small-fleet-day.js';
import { openOracle } from '../helpers/duckdb.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// `retention --apply` deletes a partition's manifest, then its files; a request that read the manifest just before
// finds a listed file gone. The answer is what is committed now (here: nothing, 404), not a 500 blaming damage.
it('serve answers a request that finds a listed file deleted under it from what is committed now, not with a 500', async () => {
  const dir = await makeTempDir('serve-retention');
  const db = await openOracle();
  try {
    await writeSmallFleetDay(db, dir.path);
    assert.equal((await runCli(['run', '--date', fleetDay, '--store', dir.path, '--workers', '0'])).code, 0);
    const local = new LocalStore(dir.path);
    const partition = `rollup/hour/dt=${fleetDay}/`;
    let deleted = false;
    // the first read of a data file of the day: retention deletes the manifest and that file just before it
    const race = async (key: string): Promise<void> => {
      if (deleted || !key.startsWith(partition) || key.endsWith('_manifest.json')) return;
      deleted = true;
      await local.delete(`${partition}_manifest.json`);
      await local.delete(key);
    };
    const racing: ObjectStore = {
      description: local.description,
      listPage: (p, t, n) => local.listPage(p, t, n),
      head: (k) => local.head(k),
      get: async (k, o) => {
        await race(k);
        return local.get(k, o);
      },
      getRange: async (k, s, e, o) => {
        await race(k);
        return local.getRange(k, s, e, o);
      },
      getStart: async (k, n) => {
        await race(k);
        return local.getStart(k, n);
      },
      put: (k, b, o) => local.put(k, b, o),
      delete: (k) => local.delete(k),
    };
    const server = await serveRollups(await openRollups({ store: racing }), { host: '127.0.0.1', port: 0 });
    try {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const r = await fetch(`http://127.0.0.1:${port}/values?dim=cluster`);
      assert.ok(deleted, 'the request read a file of the partition');
      const body = (await r.json()) as { error?: string };
      assert.equal(r.status, 404, JSON.stringify(body));
      assert.doesNotMatch(body.error ?? '', /internal error/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  } finally {
    db.close();
    await dir.remove();
  }
});

// facts adds received and sent bytes, one query each; a run committing the day between the two must not give the
// received bytes of one commit and the sent bytes of the other.
it('serve answers facts from one commit when a run commits the day between its two queries', async () => {
  const [a, b] = [await makeTempDir('facts-commit-a'), await makeTempDir('facts-commit-b')];
  const db = await openOracle();
  try {
    await writeSmallFleetDay(db, a.path);
    await writeSmallFleetDay(db, b.path, 5); // more samples an hour: other sums
    for (const dir of [a, b])
      assert.equal((await runCli(['run', '--date', fleetDay, '--store', dir.path, '--workers', '0'])).code, 0);
    const manifest = `rollup/hour/dt=${fleetDay}/_manifest.json`;
    const [storeA, storeB] = [new LocalStore(a.path), new LocalStore(b.path)];
    // commit B's files beside commit A's (named by content), its manifest served from the second check on
    for (const o of await listAll(storeB, `rollup/hour/dt=${fleetDay}/`))
      if (o.key !== manifest) await storeA.put(o.key, await storeB.get(o.key));
    let checks = 0;
    const committedNow = (): LocalStore => (checks > 1 ? storeB : storeA);
    const switching: ObjectStore = {
      description: storeA.description,
      listPage: (p, t, n) => storeA.listPage(p, t, n),
      head: (k) => {
        if (k !== manifest) return storeA.head(k);
        checks++;
        return committedNow().head(k);
      },
      get: (k, o) => (k === manifest ? committedNow() : storeA).get(k, o),
      getRange: (k, s, e, o) => (k === manifest ? committedNow() : storeA).getRange(k, s, e, o),
      put: (k, body, o) => storeA.put(k, body, o),
      delete: (k) => storeA.delete(k),
    };
    const hour = new Date(`${fleetDay}T05:00:00Z`);
    const facts = async (store: ObjectStore) => (await openRollups({ store })).facts({ tenant: 'tn-real', hour });
    const [onlyA, onlyB] = [await facts(storeA), await facts(storeB)];
    assert.notEqual(onlyA.byMetric[0]!.bytes, onlyB.byMetric[0]!.bytes);
    const raced = await facts(switching);
    assert.ok(checks > 2, `the manifest was checked ${checks} times`);
    assert.deepEqual(raced, onlyB, 'every number from the commit that is current');
  } finally {
    db.close();
    await a.remove();
    await b.remove();
  }
});
