import assert from 'node:assert/strict';
import { it } from 'node:test';
import { NotFoundError, PreconditionFailedError, StorageError } from '../../../src/storage/storage-error.js';

it('StorageError carries transient and the cause', () => {
  const cause = new Error('socket hang up');
  const e = new StorageError('storage get k failed', true, { cause });
  assert.deepEqual([e.name, e.message, e.transient, e.cause], ['StorageError', 'storage get k failed', true, cause]);
  assert.ok(e instanceof Error);
});

it('NotFoundError names the key and the store, and is permanent', () => {
  const e = new NotFoundError('rollup/dt=2026-11-24/_manifest.json', 'local store /data');
  assert.ok(e instanceof StorageError);
  assert.deepEqual(
    [e.name, e.message, e.transient, e.key],
    [
      'StorageError',
      'storage object not found: rollup/dt=2026-11-24/_manifest.json in local store /data',
      false,
      'rollup/dt=2026-11-24/_manifest.json',
    ],
  );
});

it('PreconditionFailedError names the key and the store, and is permanent', () => {
  const e = new PreconditionFailedError('k/_lease.json', 's3://bucket');
  assert.ok(e instanceof StorageError);
  assert.deepEqual(
    [e.name, e.message, e.transient, e.key],
    [
      'StorageError',
      'storage precondition failed: k/_lease.json already exists in s3://bucket',
      false,
      'k/_lease.json',
    ],
  );
});
