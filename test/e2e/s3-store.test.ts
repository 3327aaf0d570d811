import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { listAll } from '../../src/storage/object-store.js';
import { openStore } from '../../src/storage/open-store.js';
import { S3Store } from '../../src/storage/s3-store.js';
import { StorageError } from '../../src/storage/storage-error.js';
import { startS3Server, type S3Server } from '../helpers/s3-server.js';
import { describeObjectStoreContract, patternBytes } from '../helpers/object-store-contract.js';

let server: S3Server;
let client: S3Client;
let nextPrefix = 0;

before(async () => {
  server = await startS3Server();
  client = new S3Client({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    forcePathStyle: true,
    maxAttempts: 2,
    // s3rver 3.7 stores aws-chunked bodies with their framing; checksums only when an operation requires them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
});

after(async () => {
  client?.destroy();
  await server?.stop();
});

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describeObjectStoreContract(
  'S3Store on s3rver',
  async () => new S3Store({ bucket: server.bucket, prefix: `contract/${nextPrefix++}`, client }),
  { md5Etag: true, brokenEmptyRanges: true },
);

describe('S3Store on s3rver', () => {
  it('prepends the store prefix to keys and strips it from listings', async () => {
    const store = new S3Store({ bucket: server.bucket, prefix: '/nested/prefix/', client });
    assert.equal(store.description, `s3://${server.bucket}/nested/prefix`);
    await store.put('dt=2026-01-01/a.bin', utf8('a'));
    const raw = await client.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: 'nested/' }));
    assert.deepEqual(
      raw.Contents?.map((o) => o.Key),
      ['nested/prefix/dt=2026-01-01/a.bin'],
    );
    assert.deepEqual(
      (await listAll(store, 'dt=')).map((o) => o.key),
      ['dt=2026-01-01/a.bin'],
    );
    const got = await client.send(
      new GetObjectCommand({ Bucket: server.bucket, Key: 'nested/prefix/dt=2026-01-01/a.bin' }),
    );
    assert.equal(await got.Body?.transformToString(), 'a');
  });

  it('a store at the bucket root sees every key', async () => {
    const store = new S3Store({ bucket: server.bucket, prefix: '', client });
    assert.equal(store.description, `s3://${server.bucket}`);
    await store.put('root-level/x', utf8('x'));
    assert.deepEqual(
      (await listAll(store, 'root-level/')).map((o) => o.key),
      ['root-level/x'],
    );
  });

  it('lists 1200 objects across ListObjectsV2 continuation pages', async () => {
    const store = new S3Store({ bucket: server.bucket, prefix: 'many', client, maxConcurrency: 8 });
    const keys = Array.from({ length: 1200 }, (_, i) => `k/${String(i).padStart(5, '0')}`);
    await Promise.all(keys.map((k) => store.put(k, utf8(k))));
    const first = await store.listPage('k/');
    assert.equal(first.objects.length, 1000);
    assert.ok(first.nextToken !== undefined);
    assert.deepEqual(
      (await listAll(store, 'k/')).map((o) => o.key),
      keys,
    );
  });

  it('the production client from the environment (openStore) reaches s3rver', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, server.env);
    try {
      const store = openStore(`s3://${server.bucket}/from-env`);
      assert.equal(store.description, `s3://${server.bucket}/from-env`);
      const body = patternBytes(300_000);
      await store.put('big.bin', body);
      assert.deepEqual(await store.get('big.bin'), body, 'stored without aws-chunked framing');
      assert.deepEqual(await store.getRange('big.bin', 123_456, 200_000), body.slice(123_456, 200_000));
      assert.equal((await store.head('big.bin'))?.size, 300_000);
      for (let i = 0; i < 5; i++) await store.put(`p/${i}`, utf8(String(i)));
      const page = await store.listPage('p/', undefined, 2);
      assert.deepEqual(
        page.objects.map((o) => o.key),
        ['p/0', 'p/1'],
      );
      assert.deepEqual(
        (await store.listPage('p/', page.nextToken, 2)).objects.map((o) => o.key),
        ['p/2', 'p/3'],
      );
    } finally {
      for (const k of Object.keys(server.env)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });

  it('maps a missing bucket to a non-transient error naming bucket, key and status', async () => {
    const store = new S3Store({ bucket: 'no-such-bucket', prefix: 'x', client });
    await assert.rejects(
      store.listPage(''),
      (e) =>
        e instanceof StorageError &&
        !e.transient &&
        /s3:\/\/no-such-bucket\/x\/: HTTP 404 NoSuchBucket/.test(e.message) &&
        !e.message.includes('S3RVER'),
    );
    await assert.rejects(
      store.put('k', utf8('k')),
      (e) => e instanceof StorageError && !e.transient && e.message.includes('s3://no-such-bucket/x/k: HTTP 404'),
    );
  });
});
