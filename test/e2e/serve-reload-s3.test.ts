import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { after, before, it } from 'node:test';
import { openRollups } from '../../src/serve/open-rollups.js';
import { serveRollups } from '../../src/serve/serve-rollups.js';
import { openStore } from '../../src/storage/open-store.js';
import { openOracle, type Oracle } from '../helpers/duckdb.js';
import { runCli } from '../helpers/run-cli.js';
import { startS3Server, type S3Server } from '../helpers/s3-server.js';
import { fleetDay, fleetGlob, writeSmallFleetDay } from '../helpers/small-fleet-day.js';
import { makeTempDir } from '../helpers/temp-dir.js';

let s3: S3Server;
let local: { path: string; remove: () => Promise<void> };
let db: Oracle;
before(async () => {
  s3 = await startS3Server();
  Object.assign(process.env, s3.env); // the in-test S3Store uses the same default credential chain as the CLI
  local = await makeTempDir('serve-reload-s3');
  db = await openOracle();
  await db.run(`SET TimeZone = 'UTC'`);
});
after(async () => {
  db.close();
  await local.remove();
  await s3.stop();
});

it('serve on S3 reloads a day when its manifest ETag changes: a first commit and a rerun with more data show', {
  timeout: 180_000,
}, async () => {
  const url = `s3://${s3.bucket}/fleet`;
  const store = openStore(url);
  const upload = async (): Promise<void> => {
    for (const hr of await readdir(`${local.path}/raw/dt=${fleetDay}`)) {
      for (const f of await readdir(`${local.path}/raw/dt=${fleetDay}/${hr}`)) {
        const key = `raw/dt=${fleetDay}/${hr}/${f}`;
        if (!(await store.head(key))) await store.put(key, await readFile(`${local.path}/${key}`));
      }
    }
  };
  const server = await serveRollups(await openRollups({ store: url }), { host: '127.0.0.1', port: 0 });
  try {
    const address = server.address();
    const facts = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/facts?tenant=tn-real&hour=${fleetDay}T07:00:00Z`;
    const want = async (): Promise<number> =>
      Number(
        (
          await db.rows(`SELECT sum(value) AS v FROM read_parquet(${fleetGlob(local.path)})
      WHERE tenant = 'tn-real' AND metric IN ('received_bytes', 'sent_bytes') AND hour("timestamp") = 7`)
        )[0]!.v,
      );

    assert.equal((await fetch(facts)).status, 404, 'nothing committed yet');
    await writeSmallFleetDay(db, local.path);
    await upload();
    const first = await runCli(['run', '--date', fleetDay, '--store', url, '--workers', '0'], s3.env);
    assert.equal(first.code, 0, first.stderr);
    const r1 = await fetch(facts);
    assert.equal(r1.status, 200);
    assert.equal(((await r1.json()) as { bytes: number }).bytes, await want());

    const before = await want();
    await writeSmallFleetDay(db, local.path, 7);
    await upload();
    const rerun = await runCli(['run', '--date', fleetDay, '--store', url, '--workers', '0', '--force'], s3.env);
    assert.equal(rerun.code, 0, rerun.stderr);
    const after = await want();
    assert.ok(after > before);
    assert.equal(((await (await fetch(facts)).json()) as { bytes: number }).bytes, after);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
