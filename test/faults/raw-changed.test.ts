import assert from 'node:assert/strict';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import { classifyFailure, exitCodes } from '../../src/cli/exit-code.js';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import type { JobConfig } from '../../src/config/job-config.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { writeSampleDay } from '../../src/sample/write-sample-day.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { listAll, type ObjectStore } from '../../src/storage/object-store.js';
import { createS3Client } from '../../src/storage/s3-client.js';
import { S3Store } from '../../src/storage/s3-store.js';
import { startS3Server, type S3Server } from '../helpers/s3-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// A raw object replaced or rewritten between the listing and the read is a transient condition (exit 75: the next
// run lists the new version), reported as "changed" with the listed and the current identity, never as a corrupt
// file (exit 1). Checked on the local store (a rewrite in place: same size, other bytes, new mtime) and on s3rver
// (a new PUT of the key: same size, other ETag).

const date = '2026-11-24';
const victim = `raw/dt=${date}/hr=05/part-0.parquet`;

/** `store`, but the first read of `key` is preceded by `replace()`: a producer rewriting the object mid-run. */
function replacedBeforeRead(store: ObjectStore, key: string, replace: () => Promise<void>): ObjectStore {
  let replaced = false;
  return {
    description: store.description,
    listPage: (...a: Parameters<ObjectStore['listPage']>) => store.listPage(...a),
    head: (k: string) => store.head(k),
    get: async (...a: Parameters<ObjectStore['get']>) => {
      if (a[0] === key && !replaced) {
        replaced = true;
        await replace();
      }
      return store.get(...a);
    },
    getRange: (...a: Parameters<ObjectStore['getRange']>) => store.getRange(...a),
    put: (...a: Parameters<ObjectStore['put']>) => store.put(...a),
    delete: (k: string) => store.delete(k),
  };
}

/** The same bytes with 64 bytes in the middle overwritten: same size, not the same Parquet file. */
function garbled(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  out.fill(0xab, Math.floor(out.length / 2), Math.floor(out.length / 2) + 64);
  return out;
}

/** Asserts a retry (75) whose message says the object changed, naming it and its listed size. */
function assertChanged(error: unknown, listedSize: number): true {
  assert.ok(error instanceof Error, String(error));
  assert.equal(classifyFailure(error).code, exitCodes.retry, `expected a retry (75), got: ${error.message}`);
  assert.match(error.message, /storage object changed while being read/);
  assert.ok(error.message.includes(victim), error.message);
  assert.ok(error.message.includes(`listed as size ${listedSize}`), error.message);
  return true;
}

let config: JobConfig;
before(async () => {
  config = await loadJobConfig();
});

describe('a raw object changed between listing and reading: local store', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let store: LocalStore;
  before(async () => {
    dir = await makeTempDir('raw-changed');
    store = new LocalStore(dir.path);
    await writeSampleDay(store, { date, rows: 2000, seed: 5, filesPerHour: 2 });
  });
  after(() => dir.remove());

  it('get with the listed version refuses a file rewritten in place or deleted, and returns an unchanged one', async () => {
    const [listed] = await listAll(store, victim);
    assert.ok(listed);
    assert.deepEqual(
      await store.get(victim, { expect: listed }),
      new Uint8Array(await readFile(`${dir.path}/${victim}`)),
    );
    const copy = `raw/dt=${date}/hr=06/part-0.parquet`;
    const [other] = await listAll(store, copy);
    const handle = await open(`${dir.path}/${copy}`, 'r+');
    await handle.write(new Uint8Array(8).fill(1), 0, 8, 100);
    await handle.close();
    await assert.rejects(
      store.get(copy, { expect: other! }),
      (e: Error) =>
        e.name === 'StorageError' &&
        /changed while being read/.test(e.message) &&
        e.message.includes(`now size ${other!.size}, mtime`),
    );
    await unlink(`${dir.path}/${copy}`);
    await assert.rejects(
      store.get(copy, { expect: other! }),
      (e: Error) => classifyFailure(e).code === exitCodes.retry && /, now deleted$/.test(e.message),
    );
  });

  it('a run that reads a file rewritten since its listing exits 75 (retry), not 1 (corrupt)', async () => {
    const file = `${dir.path}/${victim}`;
    const size = (await stat(file)).size;
    const racing = replacedBeforeRead(store, victim, async () => {
      const bytes = garbled(new Uint8Array(await readFile(file)));
      const handle = await open(file, 'r+'); // in place: same inode, same size, new mtime
      await handle.write(bytes, 0, bytes.length, 0);
      await handle.close();
    });
    await assert.rejects(
      runRollup({ store: racing, config, configHash: hashJobConfig(config), date, workers: 0 }),
      (e) => assertChanged(e, size),
    );
  });
});

describe('a raw object changed between listing and reading: s3rver', () => {
  let server: S3Server;
  let client: S3Client;
  let store: S3Store;
  before(async () => {
    server = await startS3Server();
    Object.assign(process.env, server.env); // the client uses the default credential chain, as the CLI does
    client = createS3Client(3, server.env);
    store = new S3Store({ bucket: server.bucket, prefix: 'changed', client });
    await writeSampleDay(store, { date, rows: 2000, seed: 5, filesPerHour: 2 });
  });
  after(async () => {
    client.destroy();
    await server.stop();
  });

  it('get with the listed version refuses an object put again with other bytes of the same size', async () => {
    const key = `raw/dt=${date}/hr=07/part-0.parquet`;
    const [listed] = await listAll(store, key);
    assert.ok(listed?.etag);
    const bytes = await store.get(key, { expect: listed });
    assert.equal(bytes.length, listed.size);
    await store.put(key, garbled(bytes));
    await assert.rejects(
      store.get(key, { expect: listed }),
      (e: Error) =>
        classifyFailure(e).code === exitCodes.retry &&
        e.message.includes(`listed as size ${listed.size}, etag ${listed.etag}, mtime`) &&
        /now size \d+, etag [0-9a-f]{32}/.test(e.message),
    );
    await store.delete(key);
    await assert.rejects(
      store.get(key, { expect: listed }),
      (e: Error) => classifyFailure(e).code === exitCodes.retry && /, now deleted$/.test(e.message),
    );
  });

  it('a run that reads an object replaced since its listing exits 75 (retry), not 1 (corrupt)', async () => {
    const original = await store.get(victim);
    const racing = replacedBeforeRead(store, victim, () => store.put(victim, garbled(original)));
    await assert.rejects(
      runRollup({ store: racing, config, configHash: hashJobConfig(config), date, workers: 0 }),
      (e) => assertChanged(e, original.length),
    );
  });
});
