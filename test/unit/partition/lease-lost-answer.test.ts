import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { acquireLease, LeaseHeldError } from '../../../src/partition/lease.js';
import type { PutOptions } from '../../../src/storage/object-store.js';
import { LocalStore } from '../../../src/storage/local-store.js';
import { PreconditionFailedError } from '../../../src/storage/storage-error.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const dir = await makeTempDir('lease-lost-answer');
after(() => dir.remove());

/**
 * A store whose exclusive creates land but answer 412, as S3 does when the answer of a conditional PUT is lost and
 * the client sends it again: the retry finds the key its first attempt wrote.
 */
class LostAnswerStore extends LocalStore {
  override async put(key: string, body: Uint8Array, options?: PutOptions): Promise<void> {
    await super.put(key, body, options);
    if (options?.ifNoneMatch === '*') throw new PreconditionFailedError(key, this.description);
  }
}

it("a lease whose create landed but answered 412 is this run's own: held, not another run's", async () => {
  const store = new LostAnswerStore(dir.path);
  const key = 'rollup/hour/dt=2026-11-24/_lease.json';
  const lease = await acquireLease(store, key, 'run-a', 60_000, () => new Date());
  await lease.verify();
  // another run (another id) still finds it held
  await assert.rejects(
    acquireLease(store, key, 'run-b', 60_000, () => new Date()),
    LeaseHeldError,
  );
  await lease.release();
  assert.equal(await store.head(key), undefined);
});
