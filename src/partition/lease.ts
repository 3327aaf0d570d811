import { hostname } from 'node:os';
import type { ObjectStore } from '../storage/object-store.js';
import { PreconditionFailedError, StorageError } from '../storage/storage-error.js';

/** The lease object that makes one run the only writer of a partition. */
export interface LeaseRecord {
  readonly runId: string;
  readonly host: string;
  readonly pid: number;
  readonly acquiredAt: string; // ISO-8601
  readonly expiresAt: string; // ISO-8601: after this a new run may take the lease over
}

/** Another live run holds the partition's lease; retrying later is right (exit 75). */
export class LeaseHeldError extends StorageError {
  constructor(key: string, holder: LeaseRecord) {
    super(`lease ${key} is held by run ${holder.runId} on ${holder.host} (pid ${holder.pid}) until ${holder.expiresAt}: another run of this partition is in progress`, true);
  }
}

/** A lease we hold, renewed in the background; `verify` re-reads it before the commit, `release` stops renewing and removes it if it is still ours. */
export interface Lease {
  readonly key: string;
  verify(): Promise<void>;
  release(): Promise<void>;
}

/**
 * Takes the partition lease with a conditional create (S3 If-None-Match: *, an exclusive create locally), then reads
 * it back. An expired lease, or one whose holder process is gone from this host, is taken over. While held, the lease
 * is renewed every ttl/3, so a short ttl frees the partition soon after a holder dies (a pod killed on another node).
 */
export async function acquireLease(store: ObjectStore, key: string, runId: string, ttlMs: number, now: () => Date): Promise<Lease> {
  const acquiredAt = now().toISOString();
  const bodyUntil = (): Uint8Array => {
    const record: LeaseRecord = { runId, host: hostname(), pid: process.pid, acquiredAt, expiresAt: new Date(now().getTime() + ttlMs).toISOString() };
    return new TextEncoder().encode(JSON.stringify(record) + '\n');
  };
  const body = bodyUntil();
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await store.put(key, body, { ifNoneMatch: '*', contentType: 'application/json' });
    } catch (e) {
      if (!(e instanceof PreconditionFailedError)) throw e;
      const holder = await readLease(store, key);
      if (holder && !isStale(holder, now())) throw new LeaseHeldError(key, holder);
      await store.delete(key); // expired or orphaned: take it over (the read-back below settles a tie)
      continue;
    }
    const renew = setInterval(() => {
      readLease(store, key)
        .then((current) => (current?.runId === runId ? store.put(key, bodyUntil(), { contentType: 'application/json' }) : undefined))
        .catch(() => undefined); // a failed renewal shows up in verify() before the commit
    }, Math.max(1000, ttlMs / 3));
    renew.unref();
    const lease: Lease = {
      key,
      async verify() {
        const current = await readLease(store, key);
        if (current?.runId !== runId) {
          throw new StorageError(`lease ${key} was taken over by run ${current?.runId ?? '(none)'} before run ${runId} committed; not committing`, true);
        }
      },
      async release() {
        clearInterval(renew);
        const current = await readLease(store, key);
        if (current?.runId === runId) await store.delete(key);
      },
    };
    await lease.verify();
    return lease;
  }
  throw new StorageError(`lease ${key} could not be taken after 3 attempts (contended)`, true);
}

async function readLease(store: ObjectStore, key: string): Promise<LeaseRecord | undefined> {
  if (!(await store.head(key))) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(await store.get(key))) as LeaseRecord;
  } catch {
    return undefined; // vanished or half-visible: treat as absent, the conditional create decides
  }
}

function isStale(holder: LeaseRecord, now: Date): boolean {
  if (Date.parse(holder.expiresAt) <= now.getTime()) return true;
  if (holder.host !== hostname()) return false;
  try {
    process.kill(holder.pid, 0); // signal 0: does the process exist?
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
