import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, it } from 'node:test';
import { openRollups } from '../../src/serve/open-rollups.js';
import { serveRollups } from '../../src/serve/serve-rollups.js';
import { openOracle, type Oracle } from '../helpers/duckdb.js';
import { runCli } from '../helpers/run-cli.js';
import { fleetDay, fleetGlob, writeSmallFleetDay } from '../helpers/small-fleet-day.js';
import { makeTempDir } from '../helpers/temp-dir.js';

let dir: { path: string; remove: () => Promise<void> };
let db: Oracle;
before(async () => {
  dir = await makeTempDir('serve-reload');
  db = await openOracle();
  await db.run(`SET TimeZone = 'UTC'`);
});
after(async () => {
  db.close();
  await dir.remove();
});

/** Serves the store on a free loopback port. */
async function serve(): Promise<{ server: Server; base: string }> {
  const server = await serveRollups(await openRollups({ store: dir.path }), { host: '127.0.0.1', port: 0 });
  const address = server.address();
  return { server, base: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}

it('serve answers a day committed after it was first asked for, and a rerun with more data (run --force), while it runs', {
  timeout: 300_000,
}, async () => {
  const early = await serve(); // asked before the day is committed
  let late: Awaited<ReturnType<typeof serve>> | undefined; // first asked after the first commit
  try {
    const facts = (base: string): string => `${base}/facts?cluster=lkc-real&hour=${fleetDay}T05:00:00Z`;
    const query = (base: string): string =>
      `${base}/query?metric=cpu_usage&from=${fleetDay}&to=2026-11-25&grain=day&agg=max&where=cluster=lkc-real`;
    const oracle = async (): Promise<{ bytes: number; cpuMax: number }> => {
      const [r] =
        await db.rows(`SELECT sum(value) FILTER (WHERE metric IN ('received_bytes', 'sent_bytes') AND hour("timestamp") = 5) AS bytes, max(value) FILTER (WHERE metric = 'cpu_usage') AS cpu
        FROM read_parquet(${fleetGlob(dir.path)}) WHERE cluster = 'lkc-real'`);
      return { bytes: Number(r!.bytes), cpuMax: Number(r!.cpu) };
    };

    const before = await fetch(facts(early.base));
    const beforeQuery = await fetch(query(early.base));

    await writeSmallFleetDay(db, dir.path);
    const first = await runCli(['run', '--date', fleetDay, '--store', dir.path, '--workers', '0']);
    assert.equal(first.code, 0, first.stderr);
    const want1 = await oracle();
    const after1 = await fetch(facts(early.base));
    assert.equal(
      ((await after1.json()) as { bytes: number }).bytes,
      want1.bytes,
      'the day committed after it was first asked for shows',
    );
    assert.equal(after1.status, 200);
    assert.deepEqual(await (await fetch(query(early.base))).json(), [
      { time: `${fleetDay}T00:00:00.000Z`, value: want1.cpuMax },
    ]);
    late = await serve();
    assert.equal(((await (await fetch(facts(late.base))).json()) as { bytes: number }).bytes, want1.bytes);

    await writeSmallFleetDay(db, dir.path, 5); // five more samples per series, in a second file per hour
    const rerun = await runCli(['run', '--date', fleetDay, '--store', dir.path, '--workers', '0', '--force']);
    assert.equal(rerun.code, 0, rerun.stderr);
    const want2 = await oracle();
    assert.ok(want2.bytes > want1.bytes && want2.cpuMax > want1.cpuMax, 'the rerun has more data');
    for (const { base } of [late, early]) {
      assert.equal(
        ((await (await fetch(facts(base))).json()) as { bytes: number }).bytes,
        want2.bytes,
        'the rerun numbers, not the cached ones',
      );
      assert.deepEqual(await (await fetch(query(base))).json(), [
        { time: `${fleetDay}T00:00:00.000Z`, value: want2.cpuMax },
      ]);
    }

    assert.equal(before.status, 404, 'before the commit: no data, not 0');
    assert.deepEqual(((await before.json()) as { missing: { notRolledUp: string[] } }).missing.notRolledUp, [fleetDay]);
    assert.equal(beforeQuery.status, 404);
  } finally {
    for (const s of [early, late]) if (s) await new Promise((resolve) => s.server.close(resolve));
  }
});
