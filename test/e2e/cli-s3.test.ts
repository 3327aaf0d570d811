import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, it } from 'node:test';
import { S3Store } from '../../src/storage/s3-store.js';
import { createS3Client } from '../../src/storage/s3-client.js';
import { startCliHost } from '../helpers/cli-host.js';
import { startS3Server, type S3Server } from '../helpers/s3-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// One host process runs every CLI invocation of this file (through main): these tests are about the commands, not
// the process, and a new process per invocation spent most of its time loading modules.
const host = startCliHost();
after(() => host.stop());
const runCli = host.run;

let server: S3Server;
before(async () => {
  server = await startS3Server();
  Object.assign(process.env, server.env); // the in-test S3Store uses the same default credential chain as the CLI
});
after(() => server.stop());

it('generate + run against a real S3 server over HTTP gives the same files as the local store', async () => {
  const local = await makeTempDir('s3-vs-local');
  try {
    const s3 = `s3://${server.bucket}/fleet/prod`;
    for (const store of [s3, local.path]) {
      const env = store === s3 ? server.env : {};
      const gen = await runCli(
        ['generate', '--date', '2026-11-24', '--rows', '30000', '--seed', '11', '--store', store],
        env,
      );
      assert.equal(gen.code, 0, gen.stderr);
      const run = await runCli(['run', '--date', '2026-11-24', '--store', store], env);
      assert.equal(run.code, 0, run.stderr);
    }
    const key = 'rollup/hour/dt=2026-11-24/_manifest.json';
    const s3Store = new S3Store({ bucket: server.bucket, prefix: 'fleet/prod', client: createS3Client(2, server.env) });
    const fromS3 = JSON.parse(new TextDecoder().decode(await s3Store.get(key))) as {
      outputs: { key: string; sha256: string }[];
      inputs: { key: string; etag?: string }[];
      rows: unknown;
    };
    const fromLocal = JSON.parse(await readFile(`${local.path}/${key}`, 'utf8')) as typeof fromS3;
    assert.deepEqual(fromS3.outputs, fromLocal.outputs);
    assert.deepEqual(fromS3.rows, fromLocal.rows);
    assert.deepEqual(
      fromS3.inputs.map((i) => i.key),
      fromLocal.inputs.map((i) => i.key),
    );
    assert.ok(fromS3.inputs.every((i) => typeof i.etag === 'string' && i.etag.length > 0));
    for (const o of fromS3.outputs) {
      const a = await s3Store.get(o.key);
      const b = await readFile(`${local.path}/${o.key}`);
      assert.ok(Buffer.from(a).equals(b), `${o.key} differs between S3 and local`);
    }
    // a one-shot query reads ranges of the segment files (S3 Range, size checked): the same answer as on local disk
    // the star-trees of the hours (a group-by no cuboid holds), and the day tier's hour cuboids (one a cuboid holds)
    for (const [groupBy, read] of [
      ['region', /segment hour 10 shard 0: partial read, [1-9]\d* of \d+ bytes/],
      ['cluster', /segment hour day shard 0: hour-cuboids read, [1-9]\d* of \d+ bytes/],
    ] as const) {
      const answers: string[] = [];
      for (const store of [s3, local.path]) {
        const window = ['--from', '2026-11-24T10:00:00Z', '--to', '2026-11-24T12:00:00Z', '--group-by', groupBy];
        const q = await runCli(
          ['query', '--metric', 'received_bytes', ...window, '--format', 'json', '--explain', '--store', store],
          store === s3 ? server.env : {},
        );
        assert.equal(q.code, 0, q.stderr);
        assert.match(q.stderr, read);
        answers.push(q.stdout);
      }
      assert.ok(answers[0]!.length > 10);
      assert.equal(answers[0], answers[1]);
    }
  } finally {
    await local.remove();
  }
});

it('exits 75 (retry) when the S3 endpoint does not answer', async () => {
  const r = await runCli(['run', '--date', '2026-11-24', '--store', `s3://${server.bucket}/x`], {
    ...server.env,
    AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
  });
  assert.equal(r.code, 75, r.stderr);
  assert.doesNotMatch(r.stderr, /S3RVER/); // no credentials in errors
});

it('on S3 too, objects not read are listed with a reason, a bad hour folder halts, and an empty day fails unless --allow-empty', async () => {
  const date = '2026-11-24';
  const store = `s3://${server.bucket}/fleet/listing`;
  const s3Store = new S3Store({
    bucket: server.bucket,
    prefix: 'fleet/listing',
    client: createS3Client(2, server.env),
  });
  const gen = await runCli(['generate', '--date', date, '--rows', '2000', '--seed', '4', '--store', store], server.env);
  assert.equal(gen.code, 0, gen.stderr);
  await s3Store.put(`raw/dt=${date}/_SUCCESS`, new Uint8Array(0));
  await s3Store.put(`raw/dt=${date}/hr=05/_SUCCESS`, new Uint8Array(0));
  const run = await runCli(['run', '--date', date, '--workers', '0', '--store', store], server.env);
  assert.equal(run.code, 0, run.stderr);
  const manifest = JSON.parse(new TextDecoder().decode(await s3Store.get(`rollup/hour/dt=${date}/_manifest.json`))) as {
    ignored: unknown;
    rows: { in: number };
  };
  assert.deepEqual(manifest.ignored, [
    { key: `raw/dt=${date}/_SUCCESS`, reason: 'not in an hour folder (hr=00..hr=23)' },
    { key: `raw/dt=${date}/hr=05/_SUCCESS`, reason: 'not a .parquet file' },
  ]);
  assert.equal(manifest.rows.in, 2000);

  const bad = `raw/dt=${date}/HR=05/part-0.parquet`;
  await s3Store.put(bad, await s3Store.get(`raw/dt=${date}/hr=05/part-0.parquet`));
  const halted = await runCli(['run', '--date', date, '--workers', '0', '--store', store], server.env);
  assert.equal(halted.code, 1, halted.stderr);
  assert.match(
    halted.stderr,
    new RegExp(`telemetry-rollup: raw listing 1 object .*"${bad}" \\(folder 'HR=05' looks like an hour`),
  );

  const empty = await runCli(['run', '--date', date, '--store', `s3://${server.bucket}/fleet/typo`], server.env);
  assert.equal(empty.code, 1, empty.stderr);
  assert.ok(
    empty.stderr.includes(
      `no raw input for ${date}: no .parquet object in an hour folder under s3://${server.bucket}/fleet/typo/raw/dt=${date}/`,
    ),
    empty.stderr,
  );
  const allowed = await runCli(
    ['run', '--date', date, '--allow-empty', '--store', `s3://${server.bucket}/fleet/typo`],
    server.env,
  );
  assert.equal(allowed.code, 0, allowed.stderr);
});
