import { damagedHours } from '../../rollup/carry-hours.js';
import { defaultDecodeThreads } from '../../rollup/decode-threads.js';
import type { ConfigHashes } from '../../config/config-hashes.js';
import { configHashesOf, hashJobConfig, loadJobConfig } from '../../config/load-job-config.js';
import { collectGarbage, listPartitionDates, podExchangeWaitMs } from '../../partition/collect-garbage.js';
import { strayFolderNote } from '../../rollup/list-partitions.js';
import { listRawInputs, NoRawInputError, rowHourOfFolder, type RawListing } from '../../rollup/list-raw-inputs.js';
import { expectedHours, planHourRebuild } from '../../rollup/plan-hour-rebuild.js';
import { hourList } from '../hour-list.js';
import type { Logger } from '../../logger.js';
import { planPartition } from '../../rollup/plan-partition.js';
import { ignoredLines, type RollupPlan } from '../../rollup/plan-rollup.js';
import { partialDayReasons } from '../../rollup/compose-hour-listing.js';
import { RawInputError } from '../../ingest/aggregate-raw-file.js';
import { describeRoutedRowsNotRead } from '../../rollup/late-inputs-read.js';
import { dayTierKeptReason, dayTierUpToDate, rawGoneState } from '../../rollup/raw-gone.js';
import { datesBetween, runBackfill, type BackfillOutcome } from '../../rollup/run-backfill.js';
import { openStore } from '../../storage/open-store.js';
import { leaseKey, manifestKey, parsePartitionDate, rawDayPrefix } from '../../storage/partition-path.js';
import { classifyFailure, exitCodes } from '../exit-code.js';
import type { JobConfig } from '../../config/job-config.js';
import type { Manifest } from '../../partition/manifest.js';
import { dayTierInputsOf } from '../../partition/day-tier-source.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { leaseOutlook, runLeaseTtlMs, unusableLeasesError } from '../../partition/lease.js';

/** Options shared by the maintenance commands. */
export interface StoreOptions {
  readonly store: string;
  readonly config?: string;
}

/**
 * `plan`: says, without writing anything, whether each date would be skipped or rebuilt, and why; returns how many
 * dates the run would halt on.
 */
export async function planCommand(
  // force: the plan of `backfill --force`, which rebuilds committed days as `run --force` does
  o: StoreOptions & { date?: string; from?: string; to?: string; allowEmpty?: boolean; force?: boolean },
): Promise<{ readonly halts: number }> {
  let halts = 0;
  const config = await loadJobConfig(o.config);
  const store = openStore(o.store);
  const hashes = configHashesOf(config);
  const force = o.force ?? false;
  const dates = o.date ? [parsePartitionDate(o.date)] : datesBetween(o.from ?? '', o.to ?? '');
  for (const date of dates) {
    let listing: RawListing;
    try {
      listing = await listRawInputs(store, config.raw.prefix, date, config.raw.lateArrivalHours);
    } catch (error) {
      if (!(error instanceof RawInputError)) throw error;
      process.stdout.write(`${date}  halt   ${error.message}\n`);
      halts++;
      continue;
    }
    const { inputs, ignored } = listing;
    const planned = await planPartition(store, inputs, manifestKey(config.output.prefix, 'hour', date), hashes, force);
    const { committed } = planned;
    // a partially built day (run --hour) is committed again by a run that lists every folder
    const partial = committed.kind === 'committed' ? partialDayReasons(committed.manifest) : [];
    const plan: RollupPlan =
      planned.plan.action === 'skip' && partial.length > 0 ? { action: 'build', reasons: partial } : planned.plan;
    const gone = await rawGoneState(store, config, date, listing);
    if (gone !== 'none') {
      // the plan before a partial day's reasons to build: a day whose raw is gone is kept, partial or not
      const why = gone === 'day' ? dayTierKeptReason : planned.plan.action === 'skip' ? planned.plan.reason : '';
      process.stdout.write(`${date}  keep   0 raw objects of its own  ${why}\n`);
      // its day tier is built from the committed hour files, not from raw: again when stale or missing
      if (gone === 'hour' && config.output.tiers.some((t) => t.grain === 'day'))
        process.stdout.write(
          `${date}  day tier ${
            (await dayTierUpToDate(store, config, date))
              ? 'skip   built from the committed hour files'
              : 'build  from the committed hour files (its day tier is stale or missing)'
          }\n`,
        );
    } else if (listing.ownInputs === 0) {
      const late = inputs.length; // the next day's objects holding this day's late rows
      if (!o.allowEmpty) halts++;
      process.stdout.write(
        `${date}  empty  0 raw objects  no raw object under ${rawDayPrefix(config.raw.prefix, date)}: run halts ` +
          `(exit 1) unless --allow-empty${
            late > 0
              ? `, which builds the day from the ${late} late object${late === 1 ? '' : 's'} of the next day`
              : ', which commits nothing'
          }\n`,
      );
    } else {
      const why = plan.action === 'skip' ? plan.reason : plan.reasons.join('; ');
      process.stdout.write(
        `${date}  ${plan.action === 'skip' ? 'skip ' : 'build'}  ${inputs.length} raw objects  ${why}\n`,
      );
      if (plan.action === 'build' && committed.kind === 'committed')
        process.stdout.write(
          `${date}         ${await rebuildLine(store, inputs, committed.manifest, hashes, config, force)}\n`,
        );
      // judged as the run will judge it when it takes the lease to build: one no run can take halts it
      const lease = leaseKey(config.output.prefix, 'hour', date);
      const outlook = plan.action === 'build' ? await leaseOutlook(store, lease, runLeaseTtlMs, new Date()) : undefined;
      if (outlook?.kind === 'unusable') {
        halts++;
        process.stdout.write(`${date}  halt   ${outlook.problem}: run halts (exit 1) until the key is deleted\n`);
      }
    }
    for (const line of ignoredLines(ignored, committed.kind === 'committed' ? committed.manifest : undefined))
      process.stdout.write(`${date}         ${line}\n`);
    if (listing.ownInputs > 0 && config.output.tiers.some((t) => t.grain === 'day')) {
      const line =
        plan.action === 'build' || committed.kind !== 'committed'
          ? 'build  after the hour tier, from the hour files it commits (skipped if they are the files it was ' +
            'built from: rebuilt hours that come out byte-identical)'
          : await planDayTier(store, committed.manifest, manifestKey(config.output.prefix, 'day', date), hashes, force);
      process.stdout.write(`${date}  day tier ${line}\n`);
    }
  }
  return { halts };
}

/** What a run would do with the day tier of a day whose hour tier it skips: it is built from the committed hours. */
async function planDayTier(
  store: ObjectStore,
  hour: Manifest,
  dayKey: string,
  hashes: ConfigHashes,
  force: boolean,
): Promise<string> {
  const { plan } = await planPartition(store, dayTierInputsOf(hour.outputs), dayKey, hashes, force);
  if (plan.action === 'skip') return `skip   ${plan.reason}`;
  return `build  ${plan.reasons.join('; ')}`;
}

/** What a run would rebuild of a committed day: every hour (and why), or only some hours, keeping the others. */
async function rebuildLine(
  store: ObjectStore,
  inputs: RawListing['inputs'],
  previous: Manifest,
  hashes: ConfigHashes,
  config: JobConfig,
  force: boolean,
): Promise<string> {
  const plan = planHourRebuild(inputs, previous, hashes, { force, cube: config.cube !== undefined });
  if (plan.kind === 'full') return `every hour rebuilt: ${plan.reason}`;
  const late = new Set(inputs.filter((i) => i.late).map((i) => i.key));
  const damaged = await damagedHours(store, previous); // as the run finds them: rebuilt too
  const hours = expectedHours(plan, rowHourOfFolder(inputs), damaged);
  const lateDecoded = plan.decode.filter((key) => late.has(key)).length;
  const added = plan.added.filter((key) => !late.has(key)).length; // their hours are their rows', known once read
  const kept = [...new Set(previous.segments?.list.flatMap((s) => (s.hour === null ? [] : [s.hour])) ?? [])]
    .filter((h) => !hours.includes(h))
    .sort((a, b) => a - b);
  const rebuilt = [
    ...(hours.length > 0 ? [hourList(hours)] : []),
    ...(lateDecoded > 0
      ? [`the hours the rows of ${lateDecoded} late object${lateDecoded === 1 ? '' : 's'} fall in`]
      : []),
  ];
  const unless = [...(lateDecoded > 0 ? ['late'] : []), ...(added > 0 ? ['new'] : [])].join(' or ');
  return (
    `hours to rebuild ${rebuilt.join(', and ') || 'none'} ` +
    `(kept as committed${unless ? ` unless ${unless} rows fall in them` : ''}: ${hourList(kept)}; ` +
    `from ${plan.added.length} new, ${plan.changed.length} changed, ${plan.removed.length} removed raw objects; ` +
    (added > 0
      ? `a new object is counted in its folder's hour, but the run rebuilds the hours its rows fall in, known once ` +
        'read; '
      : '') +
    'late rows may add earlier hours)'
  );
}

/**
 * `gc`: removes unreferenced rollup files older than the grace period (leftovers of crashed or replaced runs) in every
 * tier, holding each partition's lease; partitions a run holds, or whose manifest is unreadable, are left whole and
 * reported.
 */
export async function gcCommand(
  o: StoreOptions & { date?: string; graceSeconds: number },
  logger: Logger,
): Promise<void> {
  const config = await loadJobConfig(o.config);
  const store = openStore(o.store);
  let checked = 0;
  let deleted = 0;
  let waiting = 0;
  let exchanging = 0;
  const skipped: string[] = [];
  const unusable: string[] = []; // lease keys no run can take
  for (const { grain } of config.output.tiers) {
    const { dates, strays } = o.date
      ? { dates: [parsePartitionDate(o.date)], strays: [] }
      : await listPartitionDates(store, config.output.prefix, grain);
    for (const folder of strays) {
      skipped.push(`  ${folder}: ${strayFolderNote}`);
      logger.event('garbage_skipped', { partition: folder, reason: strayFolderNote });
    }
    // a killed process's unfinished puts in folders that hold nothing else (no listing shows them): the local store's
    if (!o.date) {
      const cutoff = Date.now() - o.graceSeconds * 1000;
      deleted += ((await store.removeAbandonedPuts?.(`${config.output.prefix}/${grain}/`, cutoff)) ?? []).length;
    }
    for (const date of dates) {
      const r = await collectGarbage(store, config.output.prefix, grain, date, o.graceSeconds * 1000, () => new Date());
      checked++;
      deleted += r.deleted.length;
      waiting += r.waiting.length;
      exchanging += r.exchanging.length;
      if (r.leaseUnusable !== undefined) unusable.push(r.leaseUnusable);
      if (r.skipped !== undefined) {
        skipped.push(`  ${r.partition}: ${r.skipped}`);
        logger.event('garbage_skipped', { partition: r.partition, reason: r.skipped });
      } else if (r.deleted.length > 0 || r.waiting.length > 0 || r.exchanging.length > 0 || r.kept.length > 0) {
        logger.event('garbage_collected', {
          partition: r.partition,
          deleted: r.deleted.length,
          waiting: r.waiting.length,
          exchanging: r.exchanging.length,
          kept: r.kept.length,
        });
      }
    }
  }
  process.stdout.write(
    `gc: ${checked} partitions checked, ${deleted} unreferenced files removed, ${waiting} younger ` +
      `than ${o.graceSeconds} s kept for now` +
      (exchanging > 0
        ? `, ${exchanging} of pod runs kept (an exchange written to in the last ${podExchangeWaitMs / 60_000} min: ` +
          'pods may still wait on them or commit them)'
        : '') +
      '\n',
  );
  if (skipped.length > 0)
    process.stdout.write(`gc: ${skipped.length} partitions left untouched:\n${skipped.join('\n')}\n`);
  if (unusable.length > 0) throw unusableLeasesError('gc', unusable);
}

/**
 * `backfill`: plans, then rolls up a date range with bounded parallelism; prints a per-date table; returns the exit
 * code.
 */
export async function backfillCommand(
  o: StoreOptions & { from: string; to: string; parallel: number; force: boolean; allowEmpty?: boolean },
  logger: Logger,
  report?: (outcomes: readonly BackfillOutcome[]) => void,
): Promise<number> {
  await planCommand({ ...o, from: o.from, to: o.to, force: o.force });
  const config = await loadJobConfig(o.config);
  const store = openStore(o.store);
  const dates = datesBetween(o.from, o.to);
  const workers = Math.max(1, Math.floor(defaultDecodeThreads() / Math.max(1, o.parallel)));
  const outcomes = await runBackfill(
    dates,
    o.parallel,
    {
      store,
      config,
      configHash: hashJobConfig(config),
      force: o.force,
      allowEmpty: o.allowEmpty ?? false,
      workers,
      logger,
    },
    (done) =>
      logger.event(
        'backfill_date',
        done.kind === 'done'
          ? { partition: done.date, outcome: done.result.outcome, rows: done.result.rowsIn, ms: done.result.ms }
          : { partition: done.date, outcome: failureLabel(done.error), error: String((done.error as Error).message) },
      ),
  );
  process.stdout.write(formatSummary(outcomes));
  report?.(outcomes);
  const codes = outcomes
    .filter((x) => x.kind === 'failed')
    .map((x) => classifyFailure((x as { error: unknown }).error).code);
  return codes.includes(exitCodes.halt)
    ? exitCodes.halt
    : codes.includes(exitCodes.retry)
      ? exitCodes.retry
      : exitCodes.done;
}

/** A failed date's outcome, in the summary and its backfill_date event alike. */
function failureLabel(error: unknown): 'no-input' | 'retry' | 'failed' {
  return error instanceof NoRawInputError ? 'no-input' : classifyFailure(error).kind === 'retry' ? 'retry' : 'failed';
}

function formatSummary(outcomes: readonly BackfillOutcome[]): string {
  const lines = ['date        outcome    rows in   rows out      ms  note'];
  for (const x of outcomes) {
    if (x.kind === 'done') {
      const r = x.result;
      // the outcome is the hour tier's; the day tier's is said when it differs (a stale day tier rebuilt over a
      // skipped hour tier), and the time counts both
      const day = r.dayTier && r.dayTier.outcome !== r.outcome ? `  day tier ${r.dayTier.outcome}` : '';
      const note = r.routedNotRead ? `  not read yet: ${describeRoutedRowsNotRead(r.routedNotRead)}` : '';
      lines.push(
        `${x.date}  ${r.outcome.padEnd(9)} ${String(r.rowsIn).padStart(8)} ` +
          `${String(r.rowsOut).padStart(10)} ${String(r.ms + (r.dayTier?.ms ?? 0)).padStart(7)}${day}${note}`,
      );
    } else {
      const label = failureLabel(x.error);
      lines.push(
        `${x.date}  ${label.padEnd(9)} ${''.padStart(8)} ` +
          `${''.padStart(10)} ${''.padStart(7)}  ${(x.error as Error).message}`,
      );
    }
  }
  return lines.join('\n') + '\n';
}
