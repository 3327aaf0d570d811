import { newRunId } from './run-id.js';
import { listAll, type ObjectStore, type ObjectVersion } from '../storage/object-store.js';
import { leaseKey, manifestKey, partitionFolderOf, rollupPartitionPrefix } from '../storage/partition-path.js';
import { readManifestState } from './committed-manifest.js';
import { acquireLease, LeaseHeldError, LeaseUnusableError, type Lease } from './lease.js';
import { listedFiles, type Manifest } from './manifest.js';

/** What a garbage collection of one partition did. */
export interface GarbageReport {
  readonly partition: string; // partition prefix
  readonly deleted: readonly string[]; // keys removed
  readonly waiting: readonly string[]; // unreferenced keys younger than the grace period, kept for now
  // older ones kept while pods may still be at work in the partition (an exchange written within podExchangeWaitMs)
  readonly exchanging: readonly string[];
  // old unreferenced keys that the manifest listed when re-read right before their deletion
  readonly kept: readonly string[];
  // why nothing was deleted: the manifest is unreadable, or a run holds the partition's lease, or no run can take it
  readonly skipped?: string;
  readonly leaseUnusable?: string; // the key of a lease no run can take (a human deletes it)
}

/**
 * How long a pod of an Indexed Job (`run --pod`) waits for the others' files in its partition's exchange
 * (`_exchange/<plan>/`): gc leaves every unlisted file of the partition alone (the exchange, and the segments the pods
 * uploaded for pod 0 to commit) while any exchange file is younger, whatever the grace, as pods hold no lease.
 */
export const podExchangeWaitMs = 30 * 60_000;

/** Every key a committed manifest makes visible (its own key and the lease are kept too). */
export function referencedKeys(manifest: Manifest | undefined): Set<string> {
  return new Set(manifest ? listedFiles(manifest).map((f) => f.key) : []);
}

/**
 * Removes files of a partition that its manifest does not list (leftovers of crashed runs, files of replaced runs)
 * once they are older than `graceMs`, so that readers still holding the previous manifest keep working meanwhile.
 * It holds the partition lease while it deletes (the caller's, when a run collects after its commit; else its own,
 * and a partition whose lease a run holds is skipped), and checks the manifest right before each deletion (a head
 * request; read and parsed again only when its size, ETag or modification time changed), so an object the committed
 * manifest lists is never deleted. An unreadable manifest deletes nothing.
 */
export async function collectGarbage(
  store: ObjectStore,
  rollupPrefix: string,
  grain: 'hour' | 'day',
  date: string,
  graceMs: number,
  now: () => Date,
  held?: Lease,
): Promise<GarbageReport> {
  const prefix = rollupPartitionPrefix(rollupPrefix, grain, date);
  if (held) return collectUnderLease(store, rollupPrefix, grain, date, graceMs, now);
  const lKey = leaseKey(rollupPrefix, grain, date);
  let lease: Lease;
  try {
    lease = await acquireLease(store, lKey, newRunId(now(), 'gc-'), 2 * 60_000, now, 'gc');
  } catch (e) {
    const none = { partition: prefix, deleted: [], waiting: [], exchanging: [], kept: [] };
    if (e instanceof LeaseHeldError) return { ...none, skipped: e.message };
    // the others are still collected; the command ends in a halt naming the key
    if (e instanceof LeaseUnusableError) return { ...none, skipped: e.message, leaseUnusable: lKey };
    throw e;
  }
  try {
    return await collectUnderLease(store, rollupPrefix, grain, date, graceMs, now);
  } finally {
    await lease.release();
  }
}

async function collectUnderLease(
  store: ObjectStore,
  rollupPrefix: string,
  grain: 'hour' | 'day',
  date: string,
  graceMs: number,
  now: () => Date,
): Promise<GarbageReport> {
  const prefix = rollupPartitionPrefix(rollupPrefix, grain, date);
  const mKey = manifestKey(rollupPrefix, grain, date);
  const lKey = leaseKey(rollupPrefix, grain, date);
  // the keys the manifest listed when last read, with its identity then: a replaced partition's hundreds of files
  // cost a head each, not a GET and a parse of a manifest of up to a few MB
  let last: { readonly version: ObjectVersion | undefined; readonly keys: Set<string> | string } | undefined;
  const referenced = async (): Promise<Set<string> | string> => {
    const info = await store.head(mKey);
    const version = info && { size: info.size, etag: info.etag, mtimeMs: info.mtimeMs };
    if (last && sameVersion(last.version, version)) return last.keys;
    const state = await readManifestState(store, mKey);
    const keys =
      state.kind === 'unreadable'
        ? `${state.problem}: kept every file of the partition (run rebuilds the manifest)`
        : referencedKeys(state.kind === 'committed' ? state.manifest : undefined);
    last = { version, keys }; // a manifest replaced between the head and the read shows a new identity next time
    return keys;
  };
  const first = await referenced();
  if (typeof first === 'string')
    return { partition: prefix, deleted: [], waiting: [], exchanging: [], kept: [], skipped: first };
  const deleted: string[] = [];
  const waiting: string[] = [];
  const exchanging: string[] = [];
  const kept: string[] = [];
  const cutoff = now().getTime() - graceMs;
  const listing = await listAll(store, prefix);
  const live = liveExchanges(listing, prefix, now().getTime() - podExchangeWaitMs);
  for (const o of listing) {
    if (o.key === mKey || o.key === lKey || first.has(o.key)) continue;
    if ((o.mtimeMs ?? Number.POSITIVE_INFINITY) > cutoff) {
      waiting.push(o.key);
      continue;
    }
    // pods hold no lease: a live exchange's files are kept, and while any exchange is live the partition's other
    // unlisted files too (segments the pods uploaded for pod 0 to commit); a dead exchange goes
    const exchange = exchangeOf(o.key, prefix);
    if (exchange !== undefined ? live.has(exchange) : live.size > 0) {
      exchanging.push(o.key);
      continue;
    }
    const current = await referenced(); // right before the deletion: a commit may have listed this object meanwhile
    if (typeof current === 'string') return { partition: prefix, deleted, waiting, exchanging, kept, skipped: current };
    if (current.has(o.key)) {
      kept.push(o.key);
      continue;
    }
    await store.delete(o.key);
    deleted.push(o.key);
  }
  // a killed process's unfinished puts (the local store's temp files): never listed, and never an object of a commit
  for (const key of (await store.removeAbandonedPuts?.(prefix, cutoff)) ?? []) deleted.push(key);
  return { partition: prefix, deleted, waiting, exchanging, kept };
}

/** The exchange folder (`<partition>_exchange/<plan>/`) holding `key`, or undefined when it is in none. */
function exchangeOf(key: string, prefix: string): string | undefined {
  const exchanges = `${prefix}_exchange/`;
  if (!key.startsWith(exchanges)) return undefined;
  const slash = key.indexOf('/', exchanges.length);
  return slash < 0 ? undefined : key.slice(0, slash + 1);
}

/** The exchange folders of pod runs that may still be waiting: any of their files modified after `sinceMs`. */
function liveExchanges(
  listing: readonly { readonly key: string; readonly mtimeMs?: number }[],
  prefix: string,
  sinceMs: number,
): ReadonlySet<string> {
  const live = new Set<string>();
  for (const o of listing) {
    const exchange = exchangeOf(o.key, prefix);
    if (exchange !== undefined && (o.mtimeMs ?? Number.POSITIVE_INFINITY) > sinceMs) live.add(exchange);
  }
  return live;
}

/** Whether two heads of one key saw the same object: absent both, or the same size, ETag and modification time. */
function sameVersion(a: ObjectVersion | undefined, b: ObjectVersion | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.size === b.size && a.etag === b.etag && a.mtimeMs === b.mtimeMs;
}

/**
 * The dates that have any rollup files of `grain` (committed or not), from the store's listing, and the stray `dt=`
 * folders that are no partition day (`dt=2026-02-30`), which gc leaves alone.
 */
export async function listPartitionDates(
  store: ObjectStore,
  rollupPrefix: string,
  grain: 'hour' | 'day',
): Promise<{ readonly dates: readonly string[]; readonly strays: readonly string[] }> {
  const dates = new Set<string>();
  const strays = new Set<string>();
  for (const o of await listAll(store, `${rollupPrefix}/${grain}/dt=`)) {
    const folder = partitionFolderOf(o.key);
    if (folder?.date !== undefined) dates.add(folder.date);
    else if (folder !== undefined) strays.add(`${rollupPrefix}/${grain}/dt=${folder.value}/`);
  }
  return { dates: [...dates].sort(), strays: [...strays].sort() };
}
