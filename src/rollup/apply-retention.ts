import type { JobConfig } from '../config/job-config.js';
import { fileSignaturesOf, isBuiltFromHourFiles } from '../partition/day-tier-source.js';
import type { Manifest } from '../partition/manifest.js';
import { deleteAll, listAll, type ObjectInfo, type ObjectStore } from '../storage/object-store.js';
import {
  manifestKey,
  nextDate,
  isPartitionDate,
  previousDate,
  rawDayPrefix,
  rollupPartitionPrefix,
} from '../storage/partition-path.js';
import { acquireLease, LeaseHeldError, leaseOutlook, LeaseUnusableError, type Lease } from '../partition/lease.js';
import { newRunId } from '../partition/run-id.js';
import { listPartitions } from './list-partitions.js';
import { changedSinceDayTier, lateInputsNotRead } from './late-inputs-read.js';
import { inputOf, isLateInputOf, rawRetentionMarkerKey } from './list-raw-inputs.js';
import { sameIdentity } from './plan-rollup.js';
import type { Logger } from '../logger.js';
import type { RetentionCandidate, RetentionDecision, RetentionPolicy } from './plan-retention.js';

/** What retention did (or, in a dry run, would do) with one partition. */
export interface RetentionAction {
  readonly tier: 'raw' | 'hour' | 'day';
  readonly date: string;
  readonly prefix: string; // the partition's prefix
  readonly outcome: 'deleted' | 'would-delete' | 'skipped'; // skipped: its lease is held by a run, or unusable
  readonly objects: number; // objects under the prefix (deleted or to delete)
  readonly bytes: number;
  readonly skippedBecause?: string; // why it was skipped
  readonly leaseUnusable?: true; // skipped on a lease no run can take: a human must delete it (the command exits 1)
}

/**
 * Every partition retention may act on: each rollup tier's partitions, and raw days when a raw retention is declared.
 */
export async function listRetentionCandidates(
  store: ObjectStore,
  config: JobConfig,
  policy: RetentionPolicy,
): Promise<RetentionCandidate[]> {
  const candidates: RetentionCandidate[] = [];
  const committed = { hour: new Map<string, Manifest>(), day: new Map<string, Manifest>() };
  const rolledUp = new Set<string>(); // days with a committed partition of any tier (an hour tier may expire first)
  const grains = new Set(config.output.tiers.map((t) => t.grain));
  const listings = await Promise.all([...grains].map((grain) => listPartitions(store, config.output.prefix, grain)));
  for (const p of listings.flat()) {
    if (p.kind !== 'committed') continue; // a crashed run's leftover, or an unreadable manifest: nothing read as late
    rolledUp.add(p.date);
    committed[p.grain].set(p.date, p.manifest);
  }
  for (const p of listings.flat()) {
    const hour = p.grain === 'hour' && p.kind === 'committed' ? p.manifest : undefined;
    const day = committed.day.get(p.date);
    const dayTier =
      hour === undefined || !grains.has('day')
        ? undefined
        : day === undefined
          ? 'missing'
          : isBuiltFromHourFiles(fileSignaturesOf(day), fileSignaturesOf(hour))
            ? undefined
            : 'stale';
    candidates.push({ tier: p.grain, date: p.date, ...(dayTier ? { dayTier } : {}) });
  }
  if (policy.raw !== undefined) {
    const objects = new Map<string, ObjectInfo[]>();
    for (const o of await listAll(store, `${config.raw.prefix}/dt=`)) {
      const date = /^[^/]+\/dt=(\d{4}-\d{2}-\d{2})\//.exec(o.key)?.[1];
      if (date === undefined) continue;
      const list = objects.get(date);
      if (list) list.push(o);
      else objects.set(date, [o]);
    }
    const markerOf = (date: string): string | undefined =>
      isPartitionDate(date) ? rawRetentionMarkerKey(config.raw.prefix, date) : undefined;
    const lateObjects = (date: string): ObjectInfo[] =>
      (objects.get(date) ?? []).filter((o) =>
        isLateInputOf(o.key, config.raw.prefix, date, config.raw.lateArrivalHours),
      );
    /**
     * The late objects `late` that day `date`'s committed run did not read as they are now (undefined: not rolled
     * up): by its hour manifest, or, once the hour tier's retention removed that, those changed after the run that
     * built its day tier started.
     */
    const notReadBy = (date: string, late: readonly ObjectInfo[]): string[] | undefined => {
      const hourManifest = committed.hour.get(date);
      if (hourManifest) return notReadAsLate(late, hourManifest);
      const dayManifest = committed.day.get(date);
      return dayManifest && changedSinceDayTier(late, dayManifest);
    };
    for (const [date, found] of objects) {
      const hour = committed.hour.get(date);
      // a day's first lateArrivalHours folders hold late rows of the day before: both raw days stay until that
      // day's run has read them, so it can still be run again (a folder dt=2026-02-30 is no day: it has no neighbours)
      const day = isPartitionDate(date);
      const previousDay = day ? previousDate(date) : undefined;
      const nextDay = day ? nextDate(date) : undefined;
      // a day with no raw .parquet object of its own left, or one a retention is removing (its marker), is kept as
      // committed by every run: nothing reads them
      const rawGone = (d: string): boolean => {
        const left = objects.get(d) ?? [];
        const marker = markerOf(d);
        return left.some((o) => o.key === marker) || !left.some((o) => o.key.endsWith('.parquet'));
      };
      const marker = markerOf(date);
      // the day before, with raw objects of its own but never rolled up, reads them when it first runs
      const previousPending = previousDay !== undefined && !rolledUp.has(previousDay) && !rawGone(previousDay);
      const previousNotRead = previousDay === undefined ? undefined : notReadBy(previousDay, lateObjects(date));
      const lateNotRead = [
        ...(previousNotRead && previousDay
          ? [{ date: previousDay, keys: previousNotRead, rawGone: rawGone(previousDay) }]
          : []),
        ...(previousPending && previousDay
          ? [
              {
                date: previousDay,
                keys: lateObjects(date)
                  .map((o) => o.key)
                  .sort(),
                rawGone: false,
              },
            ]
          : []),
        ...(nextDay ? [{ date, keys: notReadBy(date, lateObjects(nextDay)) ?? [], rawGone: false }] : []),
      ].filter((l) => l.keys.length > 0);
      candidates.push({
        tier: 'raw',
        date,
        rolledUp: hour !== undefined,
        ...(hour
          ? {
              notRolledUp: notRolledUp(
                found.filter((o) => o.key !== marker),
                hour,
              ),
            }
          : {}),
        ...(hour?.hourFolders !== undefined ? { partialDay: true } : {}),
        ...(lateNotRead.length > 0 ? { lateNotRead } : {}),
      });
    }
  }
  return candidates;
}

/** The objects of a day's late hour folders that the previous day's committed run did not read as they are now. */
function notReadAsLate(late: readonly ObjectInfo[], previous: Manifest): string[] {
  return lateInputsNotRead(late.map(inputOf), previous)
    .map((o) => o.key)
    .sort();
}

/**
 * The objects of a raw day that its committed hour partition did not read as they are now: neither an input of the
 * same identity (size, ETag, modification time) nor an object it ignored with a reason. A day built in part by
 * hourly runs has not read the folders they did not list.
 */
function notRolledUp(found: readonly ObjectInfo[], hour: Manifest): string[] {
  const inputs = new Map(hour.inputs.map((i) => [i.key, i]));
  const ignored = new Set(hour.ignored?.map((i) => i.key));
  return found
    .filter((o) => {
      const input = inputs.get(o.key);
      return input ? !sameIdentity(input, inputOf(o)) : !ignored.has(o.key);
    })
    .map((o) => o.key)
    .sort();
}

/**
 * Carries out the delete decisions (all of them when `apply`, none in a dry run; both are logged). A rollup partition
 * is deleted under its lease, taken as gc takes it: a partition a run is writing is skipped and left to the next
 * retention, and a run that starts meanwhile waits for the lease (then exits 75), so it never commits files this
 * deletion is removing. Its manifest goes first, so readers see it vanish in one step, then its files. `clock` is the
 * real clock (the lease's expiry), not the instant ages are judged at.
 */
export async function applyRetention(
  store: ObjectStore,
  config: JobConfig,
  decisions: readonly RetentionDecision[],
  apply: boolean,
  logger: Logger,
  clock: () => Date,
): Promise<RetentionAction[]> {
  const actions: RetentionAction[] = [];
  for (const d of decisions) {
    if (d.kind !== 'delete') continue;
    const prefix =
      d.tier === 'raw'
        ? rawDayPrefix(config.raw.prefix, d.date)
        : rollupPartitionPrefix(config.output.prefix, d.tier, d.date);
    const leaseKey = d.tier === 'raw' ? undefined : `${prefix}_lease.json`;
    const skipped = (objects: readonly ObjectInfo[], reason: string, unusable = false): void => {
      const bytes = objects.reduce((a, o) => a + o.size, 0);
      logger.event('retention_skipped', { ...fieldsOf(d, prefix, objects.length, bytes), reason });
      actions.push({
        tier: d.tier,
        date: d.date,
        prefix,
        objects: objects.length,
        bytes,
        outcome: 'skipped',
        skippedBecause: reason,
        ...(unusable ? { leaseUnusable: true as const } : {}),
      });
    };
    let lease: Lease | undefined;
    if (apply && leaseKey !== undefined) {
      try {
        lease = await acquireLease(store, leaseKey, newRunId(clock(), 'retention-'), leaseTtlMs, clock, 'gc');
      } catch (e) {
        // a lease no run can take halts nothing else: the other partitions are still deleted, and the command exits 1
        if (!(e instanceof LeaseHeldError) && !(e instanceof LeaseUnusableError)) throw e;
        const unusable = e instanceof LeaseUnusableError;
        skipped(
          (await listAll(store, prefix)).filter((o) => o.key !== leaseKey),
          `${unusable ? 'its lease is unusable' : 'a run holds its lease'}: ${e.message}`,
          unusable,
        );
        continue;
      }
    }
    try {
      // listed under the lease: what a run committed before it is deleted whole
      const objects = (await listAll(store, prefix)).filter((o) => o.key !== leaseKey);
      const bytes = objects.reduce((a, o) => a + o.size, 0);
      const base = { tier: d.tier, date: d.date, prefix, objects: objects.length, bytes };
      const fields = fieldsOf(d, prefix, objects.length, bytes);
      if (!apply) {
        // judged as --apply will judge it: a dead run's lease is taken over, an unusable one skipped (exit 1)
        const outlook = leaseKey === undefined ? undefined : await leaseOutlook(store, leaseKey, leaseTtlMs, clock());
        if (outlook?.kind === 'held') {
          skipped(objects, `a run holds its lease: run ${outlook.holder.runId} on ${outlook.holder.host}`);
          continue;
        }
        if (outlook?.kind === 'unusable') {
          skipped(objects, `its lease is unusable: ${outlook.problem}`, true);
          continue;
        }
        logger.event('retention_planned', { ...fields, outcome: 'would-delete' });
        actions.push({ ...base, outcome: 'would-delete' });
        continue;
      }
      const mKey = d.tier === 'raw' ? undefined : manifestKey(config.output.prefix, d.tier, d.date);
      if (mKey !== undefined) await store.delete(mKey); // the partition vanishes for readers here
      // a raw day is marked first: killed midway, what is left of it is never read as the day (listRawInputs)
      const marker = d.tier === 'raw' ? rawRetentionMarkerKey(config.raw.prefix, d.date) : undefined;
      if (marker !== undefined)
        await store.put(
          marker,
          new TextEncoder().encode(`${JSON.stringify({ removingSince: clock().toISOString() })}\n`),
          {
            contentType: 'application/json',
          },
        );
      await deleteAll(
        store,
        objects.filter((o) => o.key !== mKey && o.key !== marker),
      );
      if (marker !== undefined) await store.delete(marker);
      // a killed process's unfinished puts, an hour old (a raw day's producers may still be writing to it)
      await store.removeAbandonedPuts?.(prefix, clock().getTime() - abandonedPutMs);
      logger.event('retention_deleted', { ...fields, outcome: 'deleted' });
      actions.push({ ...base, outcome: 'deleted' });
    } finally {
      await lease?.release();
    }
  }
  return actions;
}

/** How long retention's lease of a partition lasts (renewed while it deletes), as gc's. */
const leaseTtlMs = 2 * 60_000;

/** How old an unfinished put's temp file must be before retention removes it with its partition. */
const abandonedPutMs = 60 * 60_000;

type DeleteDecision = Extract<RetentionDecision, { kind: 'delete' }>;

function fieldsOf(d: DeleteDecision, partition: string, objects: number, bytes: number): Record<string, unknown> {
  return { partition, tier: d.tier, objects, bytes, ageDays: d.ageDays, retentionDays: d.retentionDays };
}
