import { hostname } from 'node:os';
import * as v from 'valibot';
import { describeIssues } from '../config/describe-issues.js';
import type { ObjectStore } from '../storage/object-store.js';
import { NotFoundError, PreconditionFailedError, StorageError } from '../storage/storage-error.js';

const instant = v.pipe(
  v.string(),
  v.check((s) => Number.isFinite(Date.parse(s)), 'not an ISO-8601 instant'),
);

const leaseSchema = v.object({
  runId: v.pipe(v.string(), v.minLength(1)),
  host: v.string(),
  pid: v.pipe(v.number(), v.integer()),
  acquiredAt: instant,
  expiresAt: instant,
  ttlMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))), // the holder's TTL; absent in older leases
  purpose: v.optional(v.picklist(['run', 'gc'])), // what the holder does; absent in older leases (a run)
});

/** The lease object that makes one process (a run, or gc) the only writer of a partition. */
export type LeaseRecord = v.InferOutput<typeof leaseSchema>;

/** Who takes a lease: a run (writes and commits) or gc (deletes unreferenced files). */
export type LeasePurpose = 'run' | 'gc';

/**
 * How far a lease's expiry may lie beyond our own TTL before it is judged impossible (clocks of hosts differ a little).
 */
export const leaseClockSkewMs = 60_000;

/** How long a run waits for a gc of the same partition (it holds the lease for a few deletions) before exit 75. */
const gcWaitMs = 30_000;

/** Another live run holds the partition's lease; retrying later is right (exit 75). */
export class LeaseHeldError extends StorageError {
  constructor(key: string, holder: LeaseRecord) {
    super(
      `lease ${key} is held by ${holder.purpose === 'gc' ? 'gc' : 'run'} ${holder.runId} on ${holder.host} ` +
        `(pid ${holder.pid}) until ${holder.expiresAt}: another ${holder.purpose === 'gc' ? 'gc' : 'run'} of this ` +
        `partition is in progress`,
      true,
    );
  }
}

/**
 * The lease object cannot be honoured: unparsable, an expiry further ahead than any TTL allows (a clock that ran
 * ahead, a hand-edited file), or a path that is not an object (a directory). Retrying would fail forever: halt (exit
 * 1).
 */
export class LeaseUnusableError extends StorageError {
  constructor(key: string, where: string, problem: string, options?: { cause?: unknown }) {
    super(
      `lease ${key} in ${where} ${problem}; retrying will not help: make sure no run or gc of this partition is in ` +
        `progress, then delete the key ${key} (on a local store the path <store>/${key}, with rm -r if it is a ` +
        `directory) and run again`,
      false,
      options,
    );
  }
}

/** How long a run's lease lasts unless renewed (it renews well within it while it works). */
export const runLeaseTtlMs = 2 * 60_000;

/**
 * What a maintenance command (gc, retention) says after its summary when it skipped partitions whose lease no run can
 * take: a human must delete each key (exit 1).
 */
export function unusableLeasesError(command: string, leaseKeys: readonly string[]): Error {
  const n = leaseKeys.length;
  return new Error(
    `${command} skipped ${n} partition${n === 1 ? '' : 's'} whose lease no run can take: ${leaseKeys.join(', ')}; ` +
      `delete it when no run is at work there, then run ${command} again`,
  );
}

/**
 * A lease we hold, renewed in the background; `verify` re-reads it before the commit, `release` stops renewing and
 * removes it if it is still ours.
 */
export interface Lease {
  readonly key: string;
  readonly runId: string; // the run that holds it
  verify(): Promise<void>;
  release(): Promise<void>;
}

/** What is stored at a lease key. */
type LeaseState =
  | { readonly kind: 'absent' }
  | { readonly kind: 'held'; readonly record: LeaseRecord }
  | { readonly kind: 'unreadable'; readonly problem: string; readonly cause?: unknown };

/**
 * Takes the partition lease with a conditional create (S3 If-None-Match: *, an exclusive create locally), then reads
 * it back. An expired lease, or one whose holder process is gone from this host, is taken over; a run waits up to
 * 30 s for a gc holding it. A lease that cannot be honoured (LeaseUnusableError) halts. While held, the lease is
 * renewed every ttl/3, so a short ttl frees the partition soon after a holder dies (a pod killed on another node).
 */
export async function acquireLease(
  store: ObjectStore,
  key: string,
  runId: string,
  ttlMs: number,
  now: () => Date,
  purpose: LeasePurpose = 'run',
): Promise<Lease> {
  const acquiredAt = now().toISOString();
  const bodyUntil = (): Uint8Array => {
    const record: LeaseRecord = {
      runId,
      host: hostname(),
      pid: process.pid,
      acquiredAt,
      expiresAt: new Date(now().getTime() + ttlMs).toISOString(),
      ttlMs,
      purpose,
    };
    return new TextEncoder().encode(JSON.stringify(record) + '\n');
  };
  const waitUntil = Date.now() + gcWaitMs;
  let absentAfterConflict = 0;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await store.put(key, bodyUntil(), { ifNoneMatch: '*', contentType: 'application/json' });
    } catch (e) {
      if (!(e instanceof PreconditionFailedError)) throw e;
      const holder = await readLease(store, key);
      if (holder.kind === 'unreadable')
        throw new LeaseUnusableError(key, store.description, holder.problem, { cause: holder.cause });
      // ours: this put landed but its answer was lost, and the client's retry of it found the key (412): held
      const ours =
        holder.kind === 'held' &&
        holder.record.runId === runId &&
        holder.record.pid === process.pid &&
        holder.record.host === hostname();
      if (!ours) {
        if (holder.kind === 'held') {
          checkPlausible(holder.record, key, store.description, ttlMs, now());
          if (!isStale(holder.record, now())) {
            if (purpose === 'run' && holder.record.purpose === 'gc' && Date.now() < waitUntil) {
              await new Promise((r) => setTimeout(r, 200));
              attempt--; // a gc finishes soon: wait for it instead of failing the run
              continue;
            }
            throw new LeaseHeldError(key, holder.record);
          }
        } else if (++absentAfterConflict === 3) {
          throw new LeaseUnusableError(
            key,
            store.description,
            'exists but is not a readable object ' +
              '(the exclusive create fails and nothing can be read there: a directory?)',
          );
        }
        await store.delete(key); // expired or orphaned: take it over (the read-back below settles a tie)
        continue;
      }
    }
    const renew = setInterval(
      () => {
        readLease(store, key)
          .then((current) =>
            current.kind === 'held' && current.record.runId === runId
              ? store.put(key, bodyUntil(), { contentType: 'application/json' })
              : undefined,
          )
          .catch(() => undefined); // a failed renewal shows up in verify() before the commit
      },
      Math.max(1000, ttlMs / 3),
    );
    renew.unref();
    const lease: Lease = {
      key,
      runId,
      async verify() {
        const current = await readLease(store, key);
        if (current.kind !== 'held' || current.record.runId !== runId) {
          const by =
            current.kind === 'held'
              ? current.record.runId
              : current.kind === 'absent'
                ? '(none)'
                : `(unreadable: ${current.problem})`;
          throw new StorageError(
            `lease ${key} was taken over by run ${by} before run ${runId} committed; not committing`,
            true,
          );
        }
      },
      async release() {
        clearInterval(renew);
        const current = await readLease(store, key);
        if (current.kind === 'held' && current.record.runId === runId) await store.delete(key);
      },
    };
    await lease.verify();
    return lease;
  }
  throw new StorageError(`lease ${key} could not be taken after 3 attempts (contended)`, true);
}

/** What taking a lease would meet now: nothing to wait for, a live holder, or a lease no one can take (its problem). */
export type LeaseOutlook =
  | { readonly kind: 'free' } // absent, expired, or its holder's process is gone: taken (over) at once
  | { readonly kind: 'held'; readonly holder: LeaseRecord }
  | { readonly kind: 'unusable'; readonly problem: string };

/**
 * Judges the lease at `key` as acquireLease would, without taking it (a dry run's view): a stale lease is free, an
 * unreadable or implausible one unusable.
 */
export async function leaseOutlook(store: ObjectStore, key: string, ttlMs: number, now: Date): Promise<LeaseOutlook> {
  const current = await readLease(store, key);
  if (current.kind === 'absent') return { kind: 'free' };
  if (current.kind === 'unreadable') return { kind: 'unusable', problem: `lease ${key} ${current.problem}` };
  try {
    checkPlausible(current.record, key, store.description, ttlMs, now);
  } catch (e) {
    return { kind: 'unusable', problem: (e as Error).message };
  }
  return isStale(current.record, now) ? { kind: 'free' } : { kind: 'held', holder: current.record };
}

/**
 * Whether a live run holds the lease at `key` now: a run's lease (not gc's), neither expired nor left by a process gone
 * from this host. A killed run's lease does not count: an answer that waits for it would wait until someone takes it
 * over.
 */
export async function heldByLiveRun(store: ObjectStore, key: string, now: Date): Promise<boolean> {
  const current = await readLease(store, key);
  return current.kind === 'held' && current.record.purpose === 'run' && !isStale(current.record, now);
}

/** Runs `work` while holding the lease at `key`, releasing it afterwards whatever happens. */
export async function withLease<T>(
  store: ObjectStore,
  key: string,
  runId: string,
  ttlMs: number,
  now: () => Date,
  purpose: LeasePurpose,
  work: (lease: Lease) => Promise<T>,
): Promise<T> {
  const lease = await acquireLease(store, key, runId, ttlMs, now, purpose);
  try {
    return await work(lease);
  } finally {
    await lease.release();
  }
}

async function readLease(store: ObjectStore, key: string): Promise<LeaseState> {
  if (!(await store.head(key))) return { kind: 'absent' };
  let bytes: Uint8Array;
  try {
    bytes = await store.get(key);
  } catch (e) {
    if (e instanceof NotFoundError) return { kind: 'absent' }; // released between head and get
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    return {
      kind: 'unreadable',
      problem: `is not valid JSON (${bytes.length} bytes: ${(cause as Error).message})`,
      cause,
    };
  }
  const parsed = v.safeParse(leaseSchema, json);
  if (!parsed.success)
    return {
      kind: 'unreadable',
      problem: `is not a lease record (${describeIssues(parsed.issues).slice(0, 3).join('; ')})`,
    };
  return { kind: 'held', record: parsed.output };
}

/**
 * Halts on a lease whose expiry lies further ahead than our TTL (plus clock skew) allows: no live holder could have
 * written it.
 */
function checkPlausible(holder: LeaseRecord, key: string, where: string, ttlMs: number, now: Date): void {
  const ahead = Date.parse(holder.expiresAt) - now.getTime();
  if (ahead > ttlMs + leaseClockSkewMs) {
    throw new LeaseUnusableError(
      key,
      where,
      `expires at ${holder.expiresAt}, ${Math.round(ahead / 1000)} s from now, further ahead than its TTL ` +
        `of ${Math.round(ttlMs / 1000)} s allows (plus ${leaseClockSkewMs / 1000} s of clock skew): a clock that ran ` +
        `ahead or a hand-edited lease (held by run ${holder.runId} on ${holder.host}, pid ${holder.pid})`,
    );
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
