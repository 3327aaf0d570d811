import { configHashesOf } from '../config/load-job-config.js';
import { partitionDimensionOf } from '../config/job-config.js';
import { recordOf } from '../config/data-record.js';
import { rejectReasons, type RejectReason } from '../ingest/reject-reason.js';
import { silentLogger, type Logger } from '../logger.js';
import { commitPartition } from '../partition/commit.js';
import type { Lease } from '../partition/lease.js';
import { readManifestState, type CommittedManifest } from '../partition/committed-manifest.js';
import { segmentFiles, type ManifestIgnored } from '../partition/manifest.js';
import { composeHourListing, partialDayReasons, type HourListing } from './compose-hour-listing.js';
import { countInputRows } from './input-accounting.js';
import { affectedHours, inputsOfHours, likelyDecoded, planHourRebuild } from './plan-hour-rebuild.js';
import { cuboidRowsOf, damagedHours, inInputOrder, inputEntry, missingDimensionsOf } from './carry-hours.js';
import { manifestKey, rollupPartitionPrefix } from '../storage/partition-path.js';
import { buildSegments, uploadEmptySegment } from './build-segments.js';
import { checkUnknownMetrics, decodeIntoSegments, partitionRows, type DecodedInput } from './decode-segments.js';
import { cuboidsOf } from './cuboid-rows.js';
import { decodeLanes, openLanes, rawFileSpecs } from './decode-inputs.js';
import { withRoutedRowsCheck } from './late-inputs-read.js';
import { dayTierKeptReason, dayTierUpToDate, rawGoneState } from './raw-gone.js';
import { planRollup, rawGoneReason } from './plan-rollup.js';
import {
  hourFolderPrefix,
  listRawInputs,
  requireRawInput,
  rowHourOfFolder,
  type RawListing,
} from './list-raw-inputs.js';
import { planShardsWithHistory } from './read-shard-history.js';
import type { RunRollupOptions } from './rollup-options.js';
import { resultOf, unrecordedIgnored, type RollupResult } from './rollup-result.js';
import { DayTierError } from './day-tier-error.js';
import { runDayTier, takeDayTierLease } from './run-day-tier.js';
import { runPartition } from './run-partition.js';
import { removeStaleSpills, SegmentSpill, type SpillKey } from './segment-spill.js';
import { logSplits, partKey, planSegmentUnits, splitIntoParts } from './split-segments.js';
import { ObjectChangedError } from '../storage/storage-error.js';
import { hourOfSegment } from '../ingest/split-partial.js';

/**
 * Rolls one day of raw telemetry up into every tier the job declares: the hour tier, then the day tier built from it.
 * With `hour` (`run --hour`), only the hour tier, from that hour folder's listing.
 */
export async function runRollup(options: RunRollupOptions): Promise<RollupResult> {
  const { store, config, date } = options;
  const dayFollows = options.hour === undefined && config.output.tiers.some((t) => t.grain === 'day');
  // the day tier's lease, taken before the hour tier lets its own go: a query never meets a day tier made stale by
  // the hours just committed with no run at work on it (it answers "retry in a moment", not "run it again")
  let dayLease: Lease | undefined;
  const takeDayLease = async (): Promise<void> => {
    dayLease = await takeDayTierLease(options);
  };
  try {
    const ran = await runHourTier(options, dayFollows ? takeDayLease : undefined);
    const hour = options.deferRoutedRowsCheck
      ? ran
      : await withRoutedRowsCheck(store, config, options.logger ?? silentLogger, ran);
    if (hour.outcome === 'no-input' || !dayFollows) return hour;
    // a day whose raw objects are gone keeps its hour partition as committed; its day tier, built from those hour
    // files, is built again only when it is not built from them as they are now (stale, or missing), never for a
    // config alone
    if (hour.keptBecause !== undefined && (await dayTierUpToDate(store, config, date))) return hour;
    try {
      return { ...hour, dayTier: await runDayTier(options, undefined, dayLease) };
    } catch (cause) {
      throw new DayTierError(hour, cause);
    }
  } finally {
    await dayLease?.release(); // taken here, released here, whatever the day tier did
  }
}

/** Rolls one day of raw telemetry up into the hour tier and commits it (manifest last), holding the partition lease. */
async function runHourTier(options: RunRollupOptions, beforeRelease?: () => Promise<void>): Promise<RollupResult> {
  const { store, config, date } = options;
  const now = options.now ?? (() => new Date());
  const logger = options.logger ?? silentLogger;
  const started = now().getTime();
  const mKey = manifestKey(config.output.prefix, 'hour', date);
  const listing = await listRawInputs(store, config.raw.prefix, date, config.raw.lateArrivalHours, options.hour);
  logger.event('inputs_listed', {
    partition: mKey,
    files: listing.inputs.length,
    ignored: listing.ignored.length,
    bytes: sum(listing.inputs.map((i) => i.size)),
    ms: now().getTime() - started,
  });
  logIgnored(logger, mKey, listing.ignored);
  // an --hour run whose folder holds no object of the day asks as a plain run would whether the day's raw is gone (its
  // rollups are then the only copy of its rows: kept as committed), and else goes on if other folders hold the day's
  const whole =
    options.hour !== undefined && listing.ownInputs === 0
      ? await listRawInputs(store, config.raw.prefix, date, config.raw.lateArrivalHours)
      : undefined;
  const gone = options.hour === undefined || whole ? await rawGoneState(store, config, date, whole ?? listing) : 'none';
  const day = gone !== 'none' && whole ? wholeDayListing(whole, undefined) : await dayListing(options, listing, mKey);
  const { inputs, ignored } = day;
  // an empty hour folder of a day no run has committed yet while other folders hold its objects: nothing to build yet
  const quietHour =
    whole !== undefined && whole.ownInputs > 0 && inputs.length === 0
      ? `hour folder hr=${pad2(options.hour ?? 0)} holds no raw object yet and no run has committed the day: ` +
        `nothing to build (its other folders' ${whole.ownInputs} objects are built by their own --hour runs, or ` +
        'the daily run)'
      : undefined;
  if (gone === 'none' && !quietHour && !inputs.some((i) => !i.late))
    requireRawInput(listing, store, config.raw.prefix, date, options.allowEmpty ?? false);
  const zero = Object.fromEntries(rejectReasons.map((r) => [r, 0])) as Record<RejectReason, number>;
  return runPartition(options, {
    grain: 'hour',
    inputs,
    ...(beforeRelease ? { beforeRelease } : {}),
    mustBuild: (committed) => [
      ...(day.newFolder ? [`hour folder hr=${pad2(options.hour ?? 0)} not built yet`] : []),
      ...(options.hour === undefined ? partialDayReasons(committed) : []),
    ],
    onSkip: (m) => ({ ignored: ignored.length, ignoredNew: unrecordedIgnored(ignored, m) }),
    withoutBuilding: (ms) => {
      if (inputs.length > 0 && gone !== 'day') return undefined;
      logger.event('partition_skipped', {
        partition: mKey,
        reason: gone === 'day' ? dayTierKeptReason : (quietHour ?? 'no raw objects for the day (--allow-empty)'),
        outcome: 'no-input',
      });
      const rows = { rowsIn: 0, rowsAccepted: 0, rowsLate: 0, rowsRouted: 0, rowsOut: 0 };
      return {
        outcome: 'no-input',
        date,
        grain: 'hour',
        manifestKey: mKey,
        inputs: 0,
        ignored: ignored.length,
        ...(gone === 'day' ? { keptBecause: dayTierKeptReason } : quietHour ? { keptBecause: quietHour } : {}),
        ...rows,
        rejected: zero,
        files: 0,
        bytes: 0,
        read: { files: 0, bytes: 0 },
        written: { files: 0, bytes: 0 },
        ms,
      };
    },
    build: ({ runId, lease }) => buildAndCommit({ ...options, now, logger, runId }, listing, mKey, started, lease),
  });
}

/**
 * The day's inputs as a run sees them: the whole day's listing, or with `--hour` that folder's listing and the
 * committed manifest's inputs of every other folder (composeHourListing).
 */
async function dayListing(options: RunRollupOptions, listing: RawListing, mKey: string): Promise<HourListing> {
  if (options.hour === undefined) return wholeDayListing(listing, undefined);
  const state = await readManifestState(options.store, mKey);
  const { config, date, hour } = options;
  const folder = hourFolderPrefix(config.raw.prefix, date, hour);
  return composeHourListing(listing, state.kind === 'committed' ? state.manifest : undefined, hour, folder);
}

/**
 * The listing of every folder of the day (and the next day's late folders) as a run's day: a plain run's (the day
 * complete as listed: `hourFolders` undefined), or an `--hour` run's widened to the whole day, which stays partial:
 * the hour folders its hour listing had (`hourFolders`; the folders not among them may not have all their objects yet).
 */
function wholeDayListing(whole: RawListing, hourFolders: readonly number[] | undefined): HourListing {
  return { inputs: whole.inputs, ignored: whole.ignored, hourFolders, newFolder: false };
}

/**
 * Builds and commits the hour tier. An `--hour` run that finds an object of another folder changed since the manifest
 * recorded it (it re-reads such objects for the hours it rebuilds) lists the whole day and runs as a plain run.
 */
async function buildAndCommit(
  options: RunRollupOptions & { now: () => Date; logger: Logger; runId: string },
  listing: RawListing,
  mKey: string,
  started: number,
  lease: Lease,
): Promise<RollupResult> {
  try {
    return await buildAndCommitOnce(options, listing, mKey, started, lease);
  } catch (e) {
    const { store, config, date, hour } = options;
    if (hour === undefined || !(e instanceof ObjectChangedError) || listing.inputs.some((i) => i.key === e.key))
      throw e;
    options.logger.event('hour_run_widened', { level: 'warn', partition: mKey, key: e.key, reason: e.message });
    const whole = await listRawInputs(store, config.raw.prefix, date, config.raw.lateArrivalHours);
    // planned as a plain run would: a day whose own raw objects are all gone keeps its partition
    const state = await readManifestState(store, mKey);
    const kept = state.kind === 'committed' ? rawGoneReason(state.manifest, whole.inputs) : undefined;
    if (state.kind === 'committed' && kept) {
      options.logger.event('partition_skipped', { partition: mKey, reason: kept, outcome: 'skipped' });
      return { ...resultOf('skipped', state.manifest, mKey, options.now().getTime() - started), keptBecause: kept };
    }
    const hourFolders = (await dayListing(options, listing, mKey)).hourFolders;
    const { hour: _hour, ...plain } = options;
    const built = await buildAndCommitOnce(plain, whole, mKey, started, lease, hourFolders);
    const why = `${e.key} changed since the manifest recorded it`;
    return { ...built, reasons: widenedReasons(why, whole, state, options) };
  }
}

/** Why an `--hour` run widened to the whole day built it: that, and what a plain run's plan would have said. */
function widenedReasons(
  why: string,
  whole: RawListing,
  state: CommittedManifest,
  options: RunRollupOptions,
): readonly string[] {
  const plan = planRollup(whole.inputs, state, configHashesOf(options.config, options.configHash), false);
  return [`widened to the whole day: ${why}`, ...(plan.action === 'build' ? plan.reasons : [])];
}

async function buildAndCommitOnce(
  options: RunRollupOptions & { now: () => Date; logger: Logger; runId: string },
  listing: RawListing,
  mKey: string,
  started: number,
  lease: Lease,
  widenedFolders?: readonly number[], // an --hour run widened to the whole day: its hour folders (the day stays partial)
): Promise<RollupResult> {
  const { store, config, date, now, logger } = options;
  const cpuMs = options.cpuMs ?? processCpuMs;
  const state = await readManifestState(store, mKey); // under the lease: what this run replaces
  const previous = state.kind === 'committed' ? state.manifest : undefined;
  let day = widenedFolders ? wholeDayListing(listing, widenedFolders) : await dayListing(options, listing, mKey);
  let widenedBecause: readonly string[] | undefined;
  const grain = 'hour' as const;
  const plan = planHourRebuild(day.inputs, previous, configHashesOf(options.config, options.configHash), {
    force: options.force ?? false,
    cube: config.cube !== undefined,
  });
  if (plan.kind === 'full' && previous && options.hour !== undefined) {
    // the committed day cannot be carried (config changed, --force, an older manifest): rebuild it whole from a fresh
    // listing of every folder, rather than read the other folders' objects as an older manifest recorded them
    const whole = await listRawInputs(store, config.raw.prefix, date, config.raw.lateArrivalHours);
    logger.event('hour_run_widened', { partition: mKey, reason: plan.reason, files: whole.inputs.length });
    widenedBecause = widenedReasons(plan.reason, whole, state, options);
    day = wholeDayListing(whole, day.hourFolders);
  }
  const { inputs, ignored } = day;
  const aggregateStart = now().getTime();
  const partitionPrefix = rollupPartitionPrefix(config.output.prefix, grain, date);
  const cache = { partitionPrefix, configHash: options.configHash, write: false };
  const partitionDimension = partitionDimensionOf(config);
  const memoryBytes = options.memoryBytes ?? config.output.limits.memoryBytes;
  const cut = {
    shards: plan.shards ?? (await planShardsWithHistory(store, config, date, memoryBytes, inputs)),
    partitionDimension: config.raw.dimensions.indexOf(partitionDimension),
  };
  await removeStaleSpills(options.spillFolder);
  const spill = new SegmentSpill(Math.floor(memoryBytes / 4), options.spillFolder);
  // threads as the bytes it will decode pay for: an hourly run of a large day decodes an hour or two of its objects
  const likely = plan.kind === 'full' ? undefined : likelyDecoded(plan, rowHourOfFolder(inputs));
  const lanes = decodeLanes(options, likely ? inputs.filter((i) => likely.has(i.key)) : inputs);
  const pool = openLanes(lanes);
  const indexOf = new Map(inputs.map((i, n) => [i.key, n]));
  const order = new Map<SpillKey, number[]>(); // segment (or part) -> input index of each piece, in the order added
  const decodedInputs = new Map<string, DecodedInput>();
  const counts = { fromShards: 0, shardPartialsIgnored: 0, foreignShardPartials: 0 };
  const decode = async (keys: readonly string[], keep: (segment: number) => boolean): Promise<void> => {
    const subset = keys.map((k) => inputs[indexOf.get(k)!]!);
    const { decoded, perInput } = await decodeIntoSegments(
      {
        store,
        config,
        inputs: subset,
        specs: rawFileSpecs(config, date, subset),
        pool,
        logger,
        cache,
        cut,
      },
      async (segment, at, piece) => {
        if (!keep(segment)) return;
        let list = order.get(segment);
        if (!list) order.set(segment, (list = []));
        list.push(indexOf.get(subset[at.input]!.key)!); // a file's chunks come in order: a stable sort keeps it
        await spill.add(segment, piece);
      },
    );
    for (const [k, v] of perInput) decodedInputs.set(k, v);
    counts.fromShards += decoded.fromShards;
    counts.shardPartialsIgnored += decoded.shardPartialsIgnored;
    counts.foreignShardPartials += decoded.foreignShardPartials;
  };
  try {
    let hours: number[];
    if (plan.kind === 'full') {
      await decode(
        inputs.map((i) => i.key),
        () => true,
      );
      hours = Array.from({ length: 24 }, (_, h) => h);
    } else {
      await decode(plan.decode, () => true);
      const learned = new Map([...decodedInputs].map(([k, v]) => [k, v.hours]));
      hours = affectedHours(plan, learned, await damagedHours(store, previous!));
      const wanted = new Set(hours);
      await decode(inputsOfHours(plan, hours), (segment) => wanted.has(hourOfSegment(segment, cut.shards)));
    }
    const rebuilt = new Set(hours);
    const recorded = new Map((previous?.inputs ?? []).map((i) => [i.key, i]));
    const entries = inputs.map((i) => inputEntry(i, decodedInputs.get(i.key), recorded.get(i.key)));
    const rowCounts = countInputRows(entries)!; // every entry has its rows: decoded now, or carried with them
    const unknown = rowCounts.unknown;
    logger.event('inputs_aggregated', {
      partition: mKey,
      rows: rowCounts.counts.rowsRead,
      shards: cut.shards,
      spilledBytes: spill.spilled.bytes,
      plan: plan.kind === 'full' ? `full (${plan.reason})` : 'incremental',
      filesDecoded: decodedInputs.size,
      hoursRebuilt: hours.length,
      threads: pool?.size ?? 0, // decode and build threads (0: this thread)
      ...counts,
      ms: now().getTime() - aggregateStart,
    });
    checkUnknownMetrics(config, date, unknown, entries);
    const encodeStart = now().getTime();
    const encodeCpuStart = cpuMs();
    const ctx = {
      store,
      partitionPrefix,
      config,
      date,
      shards: cut.shards,
      pool,
      unknownMetrics: [...unknown.keys()],
      logger,
    };
    const rebuiltUnits = planSegmentUnits(cut.shards, memoryBytes, (i) => spill.groups(i)).filter((u) =>
      rebuilt.has(hourOfSegment(u.index, cut.shards)),
    );
    logSplits(logger, mKey, cut.shards, rebuiltUnits);
    await splitIntoParts(spill, rebuiltUnits, cut.partitionDimension, order);
    const found = await buildSegments(ctx, rebuiltUnits, async (u) => {
      const key = u.parts === 1 ? u.index : partKey(u);
      return inInputOrder(await spill.take(key), order.get(key));
    });
    // an empty day's placeholder segment (no record) is not carried: it is written again only if the day stays empty
    const carried = (previous?.segments?.list ?? []).filter(
      (s) => plan.kind !== 'full' && !rebuilt.has(s.hour!) && s.rows > 0,
    );
    const all = [...carried, ...found.segments].sort(
      (a, b) => a.hour! - b.hour! || a.shard - b.shard || (a.part ?? 0) - (b.part ?? 0),
    );
    const segments = all.length > 0 ? all : (await uploadEmptySegment(ctx)).segments;
    const cubeMs = now().getTime() - encodeStart; // every segment: base files, star-tree, cuboids, upload
    const cubeCpuMs = Math.round(cpuMs() - encodeCpuStart); // the same, CPU of every thread
    const rowsOut = segments.reduce((n, s) => n + s.rows, 0);
    logger.event('partition_encoded', {
      partition: mKey,
      rows: rowsOut,
      segments: segments.length,
      segmentsBuilt: found.segments.length,
      segmentsCarried: carried.length,
      shards: cut.shards,
      spilledBytes: spill.spilled.bytes,
      bytes: sum(segments.flatMap((s) => s.outputs.map((o) => o.bytes))),
      ...(config.cube ? { cubeRecords: found.cubeRecords, cubeMs, cubeCpuMs } : {}),
      ms: now().getTime() - encodeStart,
    });
    const createdAt = now();
    logger.progress('commit', 0, 1);
    await lease.verify();
    const manifest = await commitPartition(store, {
      config,
      configHash: options.configHash,
      grain,
      date,
      runId: options.runId,
      createdAt: createdAt.toISOString(),
      inputs: entries,
      ignored,
      segments,
      layout: { partitionDimension, shards: cut.shards },
      rows: partitionRows(rowCounts.counts, unknown, rowsOut),
      unknownMetrics: recordOf(unknown),
      missingDimensions: missingDimensionsOf(entries, decodedInputs, previous),
      ...(config.cube ? { cube: { spec: config.cube, cuboids: cuboidsOf(config.cube, cuboidRowsOf(segments)) } } : {}),
      ...(day.hourFolders ? { hourFolders: day.hourFolders } : {}),
    });
    const decodedSizes = inputs.filter((i) => decodedInputs.has(i.key)).map((i) => i.size);
    const result = {
      ...resultOf('committed', manifest, mKey, now().getTime() - started, {
        read: { files: decodedSizes.length, bytes: sum(decodedSizes) },
        written: segments.filter((s) => !carried.includes(s)).flatMap(segmentFiles),
      }),
      ignored: ignored.length,
      hoursRebuilt:
        plan.kind === 'full' ? [...new Set([...decodedInputs.values()].flatMap((d) => d.hours))].sort(byNumber) : hours,
      hoursKept: [...new Set(carried.map((c) => c.hour!))],
      ...(day.hourFolders ? { hourFolders: day.hourFolders } : {}),
      ...(widenedBecause ? { reasons: widenedBecause } : {}),
    };
    logger.event('partition_committed', {
      partition: mKey,
      rows: result.rowsOut,
      bytes: result.bytes,
      ms: result.ms,
      outcome: 'committed',
    });
    return result;
  } finally {
    await spill.close();
    if (!lanes.shared) await pool?.close();
  }
}

function byNumber(a: number, b: number): number {
  return a - b;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Each ignored raw object as a warning (the first 100; then one line with how many more). */
function logIgnored(logger: Logger, partition: string, ignored: readonly ManifestIgnored[]): void {
  for (const i of ignored.slice(0, 100))
    logger.event('raw_object_ignored', { level: 'warn', partition, key: i.key, reason: i.reason });
  if (ignored.length > 100)
    logger.event('raw_objects_ignored', {
      level: 'warn',
      partition,
      more: ignored.length - 100,
      note: 'the manifest lists every ignored object',
    });
}

/** CPU milliseconds this process has used, user and system, every thread. */
function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

export type { RollupResult } from './rollup-result.js';
