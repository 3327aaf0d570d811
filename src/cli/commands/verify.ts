import type { JobConfig } from '../../config/job-config.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { listedFiles } from '../../partition/manifest.js';
import { configHashesOf, loadJobConfig } from '../../config/load-job-config.js';
import { readManifestState } from '../../partition/committed-manifest.js';
import { checkRoutedRows, describeRoutedRowsNotRead } from '../../rollup/late-inputs-read.js';
import { ownRawInputsLeft } from '../../rollup/raw-gone.js';
import { datesBetween } from '../../rollup/run-backfill.js';
import { verifyPartition, type PartitionMismatch } from '../../partition/verify-partition.js';
import { isPastRetention, retentionPolicyOf } from '../../rollup/plan-retention.js';
import { openStore } from '../../storage/open-store.js';
import { leaseKey, manifestKey, parsePartitionDate } from '../../storage/partition-path.js';
import { leaseOutlook, runLeaseTtlMs } from '../../partition/lease.js';
import { exitCodes } from '../exit-code.js';
import { hourList } from '../hour-list.js';
import { printable } from '../../printable.js';
import type { StoreOptions } from './maintenance.js';

/** Options of `telemetry-rollup verify`. */
export interface VerifyOptions extends StoreOptions {
  readonly date?: string;
  readonly from?: string;
  readonly to?: string;
  readonly tier?: 'hour' | 'day'; // default: every tier the job declares
}

/**
 * `verify`: re-reads every object the committed manifests of the dates list, checks existence, size and sha256, and
 * each manifest's configHash against the current config, and that the rows an hour partition routed to the previous
 * day are in that day's committed partition, and that each partition's lease is one a run can take; prints every
 * mismatch. Returns 1 on any mismatch, 0 when clean.
 */
export async function verifyCommand(o: VerifyOptions, now: () => Date): Promise<number> {
  const config = await loadJobConfig(o.config);
  const policy = retentionPolicyOf(config);
  const store = openStore(o.store, { syncReads: true }); // one-shot: nothing to do while it waits
  const hashes = configHashesOf(config);
  const dates = o.date ? [parsePartitionDate(o.date)] : datesBetween(o.from ?? '', o.to ?? '');
  const tiers = config.output.tiers.map((t) => t.grain).filter((g) => o.tier === undefined || g === o.tier);
  if (tiers.length === 0) throw new Error(`verify tier '${o.tier}' is not declared in output.tiers of the job config`);
  const mismatches: PartitionMismatch[] = [];
  let files = 0;
  let leases = 0;
  for (const date of dates) {
    for (const grain of tiers) {
      // a lease no run can take halts every run, gc and retention of the partition until a human deletes it
      const lease = await leaseOutlook(store, leaseKey(config.output.prefix, grain, date), runLeaseTtlMs, now());
      if (lease.kind === 'unusable') {
        process.stdout.write(`${date}  ${grain.padEnd(4)}  MISMATCH  ${printable(lease.problem)}\n`);
        mismatches.push({ key: leaseKey(config.output.prefix, grain, date), problem: lease.problem });
        leases++;
      }
      const committed = await readManifestState(store, manifestKey(config.output.prefix, grain, date));
      if (grain === 'hour' && committed.kind === 'absent' && (await hourRemovedByRetention(store, config, date))) {
        process.stdout.write(
          `${date}  ${grain.padEnd(4)}  note      ${committed.key}: removed by retention (the hour tier's ` +
            'retentionDays); the day tier keeps the day\n',
        );
        continue;
      }
      const retentionDays = policy[grain];
      if (committed.kind === 'absent' && isPastRetention(date, retentionDays, now().getTime())) {
        process.stdout.write(
          `${date}  ${grain.padEnd(4)}  note      ${committed.key}: past the ${grain} tier's retention ` +
            `(${retentionDays} days): removed by retention, nothing to verify\n`,
        );
        continue;
      }
      const hour =
        grain === 'day' ? await readManifestState(store, manifestKey(config.output.prefix, 'hour', date)) : undefined;
      // a day built by hourly runs so far: its day tier comes with the day's plain run, not a fault to repair
      if (committed.kind === 'absent' && hour?.kind === 'committed' && hour.manifest.hourFolders !== undefined) {
        process.stdout.write(
          `${date}  ${grain.padEnd(4)}  note      ${committed.key}: not built yet: the day is partial, built by ` +
            `hourly runs so far (hour folders ${hourList(hour.manifest.hourFolders)}); its plain run ` +
            `(\`run --date ${date}\`, once the day and its late folders are in) builds the day tier\n`,
        );
        continue;
      }
      const found = await verifyPartition(
        store,
        committed,
        hashes,
        hour?.kind === 'committed' ? hour.manifest : undefined,
      );
      if (committed.kind === 'committed') files += listedFiles(committed.manifest).length;
      // the rows this day left to the previous day's committed partition must be in it (a day never rolled up is
      // no partition to verify)
      const unread =
        grain === 'hour' && committed.kind === 'committed'
          ? await checkRoutedRows(store, config, committed.manifest)
          : undefined;
      // rows whose objects are gone: lost, said as a note (nothing but restoring them can change it)
      if (unread?.gone)
        process.stdout.write(
          `${date}  ${grain.padEnd(4)}  note      ${manifestKey(config.output.prefix, 'hour', unread.date)}: ` +
            `${describeRoutedRowsNotRead(unread)}\n`,
        );
      else if (unread && unread.previous !== 'absent')
        found.push({
          key: manifestKey(config.output.prefix, 'hour', unread.date),
          problem: describeRoutedRowsNotRead(unread),
        });
      // another config's partition of a day whose own raw objects are gone: every run keeps it as built (rawGoneState)
      const kept = found.some((m) => m.cause === 'config') && !(await ownRawInputsLeft(store, config, date));
      for (const m of found) {
        if (kept && m.cause === 'config' && committed.kind === 'committed')
          process.stdout.write(
            `${date}  ${grain.padEnd(4)}  note      ${m.key}: built with another config (configHash ` +
              `${committed.manifest.configHash}, now ${hashes.current}); its own raw objects are gone, so no run ` +
              'rebuilds it: kept as built (restore its raw objects, then `run --force`, to rebuild it)\n',
          );
        else {
          process.stdout.write(`${date}  ${grain.padEnd(4)}  MISMATCH  ${m.key}: ${m.problem}\n`);
          mismatches.push(m);
        }
      }
      // a day tier whose hour manifest cannot be read: its files are whole, but what it was built from is unchecked
      const lineage = hour?.kind === 'unreadable' && committed.kind === 'committed';
      if (found.length === 0 && lease.kind !== 'unusable')
        process.stdout.write(
          `${date}  ${grain.padEnd(4)}  ok${lineage ? '        (not checked against the hour partition: its manifest is unreadable)' : ''}\n`,
        );
    }
  }
  process.stdout.write(
    `verify: ${dates.length * tiers.length} partitions, ${files} files re-hashed, ${mismatches.length} mismatches\n`,
  );
  if (mismatches.length > leases)
    process.stdout.write(
      'verify: `telemetry-rollup run --date D` rebuilds a partition with missing files or an unreadable manifest; ' +
        '`--force` one whose files were altered in place\n',
    );
  if (leases > 0)
    process.stdout.write(
      'verify: no run can take a lease above: every run, gc and retention of its partition halts (exit 1) until the ' +
        'key is deleted; delete it when no run is at work there\n',
    );
  return mismatches.length > 0 ? exitCodes.halt : exitCodes.done;
}

/**
 * Whether the absent hour partition of `date` reads as removed by retention: the hour tier keeps partitions for
 * `retentionDays`, and the day tier of that date is committed (its partitions go first, the day tier keeps the day).
 */
async function hourRemovedByRetention(store: ObjectStore, config: JobConfig, date: string): Promise<boolean> {
  if (config.output.tiers.find((t) => t.grain === 'hour')?.retentionDays === undefined) return false;
  return (await store.head(manifestKey(config.output.prefix, 'day', date))) !== undefined;
}
