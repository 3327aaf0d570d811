import assert from 'node:assert/strict';
import { it } from 'node:test';
import { deleteAll, type ObjectStore } from '../../../src/storage/object-store.js';
import { StorageError } from '../../../src/storage/storage-error.js';

/** A store whose deletes finish after `delayMs(key)`, failing for `failing` keys; it records them all. */
function deletingStore(failing: ReadonlySet<string>) {
  const started: string[] = [];
  const finished: string[] = [];
  let inFlight = 0;
  let most = 0;
  const store = {
    description: 'memory://deletes',
    delete: async (key: string) => {
      started.push(key);
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, key.length % 3));
      inFlight--;
      finished.push(key);
      if (failing.has(key)) throw new StorageError(`storage delete ${key}: access denied`, false);
    },
  } as Pick<ObjectStore, 'description' | 'delete'> as ObjectStore;
  return { store, started, finished, most: () => most };
}

it('deletes every object at once, not one round trip after another', async () => {
  const keys = ['a', 'bb', 'ccc', 'dddd', 'eeeee'].map((key) => ({ key }));
  const s = deletingStore(new Set());
  await deleteAll(s.store, keys);
  assert.deepEqual([...s.finished].sort(), ['a', 'bb', 'ccc', 'dddd', 'eeeee']);
  assert.equal(s.most(), 5);
});

it('a failed delete rejects, after every other delete has settled', async () => {
  const keys = ['a', 'bb', 'ccc', 'dddd'].map((key) => ({ key }));
  const s = deletingStore(new Set(['a']));
  await assert.rejects(deleteAll(s.store, keys), /storage delete a: access denied/);
  assert.equal(s.finished.length, 4);
});

it('nothing to delete is nothing done', async () => {
  const s = deletingStore(new Set());
  await deleteAll(s.store, []);
  assert.deepEqual(s.started, []);
});
