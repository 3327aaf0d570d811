import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, it } from 'node:test';
import { S3Store } from '../../src/storage/s3-store.js';
import { createS3Client } from '../../src/storage/s3-client.js';
import { runCli } from '../helpers/run-cli.js';
import { startS3Server, type S3Server } from '../helpers/s3-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

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
      const gen = await runCli(['generate', '--date', '2026-11-24', '--rows', '30000', '--seed', '11', '--store', store], env);
      assert.equal(gen.code, 0, gen.stderr);
      const run = await runCli(['run', '--date', '2026-11-24', '--store', store], env);
      assert.equal(run.code, 0, run.stderr);
    }
    const key = 'rollup/hour/dt=2026-11-24/_manifest.json';
    const s3Store = new S3Store({ bucket: server.bucket, prefix: 'fleet/prod', client: createS3Client(2, server.env) });
    const fromS3 = JSON.parse(new TextDecoder().decode(await s3Store.get(key))) as { outputs: { key: string; sha256: string }[]; inputs: { key: string; etag?: string }[]; rows: unknown };
    const fromLocal = JSON.parse(await readFile(`${local.path}/${key}`, 'utf8')) as typeof fromS3;
    assert.deepEqual(fromS3.outputs, fromLocal.outputs);
    assert.deepEqual(fromS3.rows, fromLocal.rows);
    assert.deepEqual(fromS3.inputs.map((i) => i.key), fromLocal.inputs.map((i) => i.key));
    assert.ok(fromS3.inputs.every((i) => typeof i.etag === 'string' && i.etag.length > 0));
    for (const o of fromS3.outputs) {
      const a = await s3Store.get(o.key);
      const b = await readFile(`${local.path}/${o.key}`);
      assert.ok(Buffer.from(a).equals(b), `${o.key} differs between S3 and local`);
    }
  } finally {
    await local.remove();
  }
});

it('exits 75 (retry) when the S3 endpoint does not answer', async () => {
  const r = await runCli(['run', '--date', '2026-11-24', '--store', `s3://${server.bucket}/x`], { ...server.env, AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9' });
  assert.equal(r.code, 75, r.stderr);
  assert.doesNotMatch(r.stderr, /S3RVER/); // no credentials in errors
});
