/**
 * One pod of an Indexed Job that spreads a day over N processes, both halves of the work: pod i decodes the raw
 * files of its hour folders (folder hour mod N = i) and leaves each file's pieces in the store's exchange, then builds
 * the segments assigned to it (unit k mod N = i, a unit being a segment or a part of a split one, in output order) from
 * the pieces every pod left, and uploads them with a segment manifest. Pod 0 then commits the day from the N segment
 * manifests alone (no data read); the day tier's units are then spread over the pods the same way, and pod 0 commits
 * it from what every pod built. The output is byte-identical to one process: a segment's bytes depend only on its
 * pieces, merged in input key order.
 */

import { configHashesOf } from '../config/load-job-config.js';
import { createHash } from 'node:crypto';
import * as v from 'valibot';
import { partitionDimensionOf } from '../config/job-config.js';
import { recordOf } from '../config/data-record.js';
import { decodeFilePartial, encodeFilePartial } from '../ingest/file-partial-codec.js';
import { rejectReasons, type RejectReason } from '../ingest/reject-reason.js';
import { silentLogger } from '../logger.js';
import { podExchangeWaitMs } from '../partition/collect-garbage.js';
import type { Lease } from '../partition/lease.js';
import { commitPartition } from '../partition/commit.js';
import { readManifestState, type CommittedManifest } from '../partition/committed-manifest.js';
import { dayTierInputsOf } from '../partition/day-tier-source.js';
import { type Manifest, type ManifestInput, rowsPerRejectReason } from '../partition/manifest.js';
import { deleteAll, listAll, type ObjectStore } from '../storage/object-store.js';
import { StorageError } from '../storage/storage-error.js';
import { manifestKey, rollupPartitionPrefix } from '../storage/partition-path.js';
import { buildSegments, uploadEmptySegment, type BuiltSegments } from './build-segments.js';
import { partialDayReasons } from './compose-hour-listing.js';
import { cuboidsOf } from './cuboid-rows.js';
import { decodeLanes, openLanes, rawFileSpecs } from './decode-inputs.js';
import { checkUnknownMetrics, decodeIntoSegments, partitionRows } from './decode-segments.js';
import type { InputRows } from './input-accounting.js';
import { folderHourOf, listRawInputs, requireRawInput } from './list-raw-inputs.js';
import { planPartition } from './plan-partition.js';
import { planHourRebuild } from './plan-hour-rebuild.js';
import { planShardsWithHistory } from './read-shard-history.js';
import { logSplits, partKey, planSegmentUnits } from './split-segments.js';
import { SegmentSpill } from './segment-spill.js';
import { piecesOfParts } from '../ingest/split-partial.js';
import type { RunRollupOptions } from './rollup-options.js';
import { withRoutedRowsCheck } from './late-inputs-read.js';
import { dayTierKeptReason, dayTierUpToDate, rawGoneState } from './raw-gone.js';
import { rawGoneReason } from './plan-rollup.js';
import { resultOf, unrecordedIgnored, type RollupResult } from './rollup-result.js';
import {
  buildDayUnits,
  planDayUnits,
  readDayTierSource,
  runDayTier,
  takeDayTierLease,
  type DayUnitBuilt,
} from './run-day-tier.js';
import { runPartition } from './run-partition.js';

/** What one pod did; pod 0 also committed (or found the day committed). */
export interface PodResult {
  readonly pod: { readonly index: number; readonly count: number };
  readonly plan: string; // the exchange's plan id: listing, config, shards and pod count
  readonly filesDecoded: number;
  readonly segmentsBuilt: number;
  readonly dayUnitsBuilt?: number; // units of the day tier this pod built (a job with a day tier)
  readonly committed?: RollupResult; // pod 0
  readonly skipped?: boolean; // the day was already committed with these inputs and config
  readonly keptBecause?: string; // skipped for another reason: a day whose raw objects are gone, kept as committed
}

/** Options of one pod: the run's, plus its index and the pod count, and how long it waits for the other pods. */
export interface RunPodOptions extends RunRollupOptions {
  readonly pod: { readonly index: number; readonly count: number };
  readonly waitMs?: number; // default 30 min: then exit 75, and the Job retries the pod
  readonly pollMs?: number; // default 2 s
  // when this pod started (default: runPod's call): another plan's exchange files younger than it are pods of this
  // run that listed the raw objects differently
  readonly startedMs?: number;
}

const integer = v.pipe(v.number(), v.integer());

const decodedSchema = v.strictObject({
  pod: integer,
  rowsRead: integer,
  late: integer,
  routed: integer,
  rejected: rowsPerRejectReason,
  missingDimensions: v.array(v.strictObject({ key: v.string(), columns: v.array(v.string()) })),
  unknown: v.array(v.tuple([v.string(), integer])),
  groups: v.array(v.tuple([integer, integer])), // [segment, groups of this pod's pieces of it]
  // per input decoded by this pod: its hours and rows as the manifest records them (an incremental run carries them)
  inputs: v.optional(v.array(v.strictObject({ key: v.string(), hours: v.array(integer), rows: v.unknown() }))),
});

const builtSchema = v.strictObject({
  pod: integer,
  segments: v.array(v.unknown()), // ManifestSegment[], checked again by the manifest schema at commit
  cuboidRows: v.array(v.tuple([v.string(), integer])),
});

const dayBuiltSchema = v.strictObject({
  pod: integer,
  hourRunId: v.string(), // the hour partition's run the units were built from
  units: v.array(v.unknown()), // DayUnitBuilt[]: their segments are checked again by the manifest schema at commit
});

/** Runs one pod of the day (see the file header). */
export async function runPod(given: RunPodOptions): Promise<PodResult> {
  const options = { ...given, startedMs: given.startedMs ?? Date.now() };
  const { store, config, date, pod } = options;
  const logger = options.logger ?? silentLogger;
  if (!(pod.count >= 1 && pod.index >= 0 && pod.index < pod.count))
    throw new RangeError(`pod ${pod.index}/${pod.count}: the index must be 0 .. count - 1`);
  const listing = await listRawInputs(store, config.raw.prefix, date, config.raw.lateArrivalHours);
  const { inputs } = listing;
  const gone = await rawGoneState(store, config, date, listing);
  if (gone === 'none') requireRawInput(listing, store, config.raw.prefix, date, options.allowEmpty ?? false);
  const mKey = manifestKey(config.output.prefix, 'hour', date);
  const now = options.now ?? ((): Date => new Date());
  const started = now().getTime();
  const { plan: committedPlan, committed } = await planPartition(
    store,
    inputs,
    mKey,
    configHashesOf(config, options.configHash),
    options.force ?? false,
    partialDayReasons, // a day that hourly runs built in part is built again whole, as one process's run does
  );
  const memoryBytes = options.memoryBytes ?? config.output.limits.memoryBytes; // plans the parts: same in every pod
  // the committed day's shard count is kept, as one process keeps it (unless the config changed or --force): pods
  // that planned it again from today's listing wrote other segments than one process would
  const kept = planHourRebuild(
    inputs,
    committed.kind === 'committed' ? committed.manifest : undefined,
    configHashesOf(config, options.configHash),
    { force: options.force ?? false, cube: config.cube !== undefined },
  ).shards;
  const shards = kept ?? (await planShardsWithHistory(store, config, date, memoryBytes, inputs));
  const plan = planIdOf(inputs, options.configHash, shards, pod.count, memoryBytes);
  const base = { pod, plan, filesDecoded: 0, segmentsBuilt: 0 };
  const dayExchange = `${rollupPartitionPrefix(config.output.prefix, 'day', date)}_exchange/${plan}/`;
  const withDayTier = config.output.tiers.some((t) => t.grain === 'day');
  if (gone === 'day') {
    logger.event('partition_skipped', { partition: mKey, reason: dayTierKeptReason, outcome: 'no-input' });
    return { ...base, skipped: true, keptBecause: dayTierKeptReason };
  }
  if (inputs.length === 0) return { ...base, skipped: true };
  const unchanged = committedPlan.action === 'skip';
  if (unchanged && committed.kind === 'committed') {
    // the hour tier as committed; its day tier is built again when it is missing or stale (hourly runs since)
    // a day whose raw objects are gone keeps its hour partition as committed, and its day tier unless it is stale or
    // missing (dayTierUpToDate)
    const kept = rawGoneReason(committed.manifest, inputs);
    if (kept && (!withDayTier || (await dayTierUpToDate(store, config, date))))
      return { ...base, skipped: true, keptBecause: kept };
    if (!withDayTier || (!kept && !(await dayTierToBuild(options, committed.manifest))))
      return { ...base, skipped: true };
    if (pod.index !== 0) return { ...base, dayUnitsBuilt: await buildDayShare(options, dayExchange) };
    const skipped = resultOf('skipped', committed.manifest, mKey, now().getTime() - started);
    const hour = await withRoutedRowsCheck(store, config, logger, skipped);
    const day = await commitDayTier(options, dayExchange);
    return { ...base, dayUnitsBuilt: day.unitsBuilt, committed: { ...hour, dayTier: day.result } };
  }
  if (unchanged) return { ...base, skipped: true };
  const partitionPrefix = rollupPartitionPrefix(config.output.prefix, 'hour', date);
  const exchange = `${partitionPrefix}_exchange/${plan}/`;
  const lanes = decodeLanes(options, inputs);
  const pool = openLanes(lanes);
  let dayLease: Lease | undefined;
  try {
    // 1. decode this pod's hour folders; every piece goes to the exchange, named by segment and input order
    const mine = inputs.filter((i) => folderHourOf(i.key) % pod.count === pod.index);
    const cut = { shards, partitionDimension: config.raw.dimensions.indexOf(partitionDimensionOf(config)) };
    const cache = { partitionPrefix, configHash: options.configHash, write: false };
    const order = new Map(inputs.map((i, n) => [i.key, n]));
    const specs = rawFileSpecs(config, date, mine);
    const groups = new Map<number, number>();
    const { accounting, unknown, perInput } = await decodeIntoSegments(
      { store, config, inputs: mine, specs, pool, logger, cache, cut },
      (segment, at, piece) => {
        groups.set(segment, (groups.get(segment) ?? 0) + piece.state.groups);
        const key = pieceKey(exchange, segment, order.get(mine[at.input]!.key)!, at.chunk);
        return store.put(key, encodeFilePartial(piece));
      },
    );
    const decoded: v.InferOutput<typeof decodedSchema> = {
      pod: pod.index,
      rowsRead: accounting.rowsRead,
      late: accounting.late,
      routed: accounting.routed,
      rejected: accounting.rejected,
      missingDimensions: accounting.missingDimensions,
      unknown: [...unknown],
      groups: [...groups].sort(([a], [b]) => a - b),
      inputs: [...perInput].map(([key, d]) => ({ key, hours: [...d.hours], rows: d.rows })),
    };
    await putJson(store, `${exchange}decoded/pod-${pod.index}.json`, decoded);
    logger.event('pod_decoded', { partition: mKey, pod: pod.index, files: mine.length, rows: accounting.rowsRead });
    // 2. once every pod decoded: build this pod's segments from everyone's pieces
    const all = (await waitForPods(store, `${exchange}decoded/`, podFiles(options), options)).map((b) =>
      v.parse(decodedSchema, b),
    );
    const unknownAll = new Map<string, number>();
    for (const d of all) for (const [m, n] of d.unknown) unknownAll.set(m, (unknownAll.get(m) ?? 0) + n);
    const unknownSorted = new Map([...unknownAll].sort(([a], [b]) => (a < b ? -1 : 1)));
    // each pod's inputs carry their rows as InputRows (checked again by the manifest schema at commit)
    const decodedInputs = all.flatMap((d) => d.inputs ?? []).map((i) => ({ key: i.key, rows: i.rows as InputRows }));
    checkUnknownMetrics(config, date, unknownSorted, decodedInputs);
    const ctx = {
      store,
      partitionPrefix,
      config,
      date,
      shards,
      pool,
      unknownMetrics: [...unknownSorted.keys()],
      logger,
    };
    // the units of every segment (a hot one split into parts, planned from every pod's group counts alike), and
    // this pod's share of them: unit k goes to pod k mod N, so the parts of a hot segment spread over the pods
    const groupsOf = new Map<number, number[]>();
    for (const d of all)
      for (const [segment, n] of d.groups) groupsOf.set(segment, [...(groupsOf.get(segment) ?? []), n]);
    const units = planSegmentUnits(shards, memoryBytes, (i) => groupsOf.get(i) ?? []);
    if (pod.index === 0) logSplits(logger, mKey, shards, units);
    const mineUnits = units.filter((_, k) => k % pod.count === pod.index);
    const piecesOf = async (index: number): Promise<string[]> =>
      (await listAll(store, `${exchange}pieces/${segmentName(index)}/`)).map((o) => o.key).sort(); // input order
    const spill = new SegmentSpill(Math.floor(memoryBytes / 4), options.spillFolder);
    let built: BuiltSegments;
    try {
      // the pieces of a hot segment, read once each and cut into its parts: this pod's parts are kept in its spill
      const builds = new Set(mineUnits.map((u) => partKey(u)));
      for (const u of mineUnits) {
        if (u.parts === 1 || mineUnits.some((w) => w.index === u.index && w.part < u.part)) continue;
        for (const k of await piecesOf(u.index)) {
          const piece = decodeFilePartial(await store.get(k), k);
          for (const [part, mine] of piecesOfParts(piece, cut.partitionDimension, u.parts)) {
            const key = partKey({ ...u, part });
            if (builds.has(key)) await spill.add(key, mine);
          }
        }
      }
      built = await buildSegments(ctx, mineUnits, async (unit) => {
        if (unit.parts > 1) return spill.take(partKey(unit));
        return Promise.all((await piecesOf(unit.index)).map(async (k) => decodeFilePartial(await store.get(k), k)));
      });
    } finally {
      await spill.close();
    }
    await putJson(store, `${exchange}built/pod-${pod.index}.json`, {
      pod: pod.index,
      segments: [...built.segments],
      cuboidRows: [...built.cuboidRows],
    } satisfies v.InferOutput<typeof builtSchema>);
    logger.event('pod_built', { partition: mKey, pod: pod.index, segments: built.segments.length });
    const result = { ...base, filesDecoded: mine.length, segmentsBuilt: built.segments.length };
    if (pod.index !== 0) {
      return withDayTier ? { ...result, dayUnitsBuilt: await buildDayShare(options, dayExchange) } : result;
    }
    // 3. pod 0: commit from the segment manifests (no data read), then the day tier, spread over the pods too
    const builtAll = (await waitForPods(store, `${exchange}built/`, podFiles(options), options)).map((b) =>
      v.parse(builtSchema, b),
    );
    // the day tier's lease, taken before the hour tier's is let go (takeDayTierLease)
    const takeDayLease = async (): Promise<void> => {
      dayLease = await takeDayTierLease(options);
    };
    const hour = await withRoutedRowsCheck(
      store,
      config,
      logger,
      await commitFromPods(
        ...([options, listing, exchange, shards, ctx, all, builtAll, unknownSorted, committed] as const),
        withDayTier ? takeDayLease : undefined,
      ),
    );
    if (!withDayTier) return { ...result, committed: hour };
    const day = await commitDayTier(options, dayExchange, dayLease);
    return { ...result, dayUnitsBuilt: day.unitsBuilt, committed: { ...hour, dayTier: day.result } };
  } finally {
    await dayLease?.release(); // taken here, released here, whatever the day tier did
    if (!lanes.shared) await pool?.close();
  }
}

/**
 * Whether the pods build the day tier of a day whose hour tier they skip: when it is not committed, or not built from
 * the committed hour files (hours rebuilt by hourly runs since). Every pod asks before any builds, so they agree.
 */
async function dayTierToBuild(options: RunPodOptions, hour: Manifest): Promise<boolean> {
  const { store, config, date, configHash } = options;
  const dayKey = manifestKey(config.output.prefix, 'day', date);
  const { plan } = await planPartition(
    store,
    dayTierInputsOf(hour.outputs),
    dayKey,
    configHashesOf(config, configHash),
    options.force ?? false,
  );
  return plan.action === 'build';
}

/**
 * Pod 0's part of the day tier: tells the other pods which committed hour run to build it from, builds its own units
 * and commits the day tier from what every pod built.
 */
async function commitDayTier(
  options: RunPodOptions,
  dayExchange: string,
  heldLease?: Lease, // taken by the hour tier's commit (takeDayTierLease), released by runPod
): Promise<{ readonly unitsBuilt: number; readonly result: RollupResult }> {
  const { store, date, pod } = options;
  const source = await readDayTierSource(options);
  await putJson(store, `${dayExchange}hour-committed.json`, { hourRunId: source.runId });
  let unitsBuilt = 0;
  const result = await runDayTier(
    options,
    {
      mine: (unit) => {
        if (unit % pod.count !== 0) return false;
        unitsBuilt++; // asked once per unit, just before building it
        return true;
      },
      others: async () => {
        const others = (await waitForPods(store, `${dayExchange}built/`, podFiles(options, 1), options)).map((b) =>
          v.parse(dayBuiltSchema, b),
        );
        const stale = others.find((b) => b.hourRunId !== source.runId);
        if (stale)
          throw new StorageError(
            `pod ${stale.pod} built the day tier of ${date} from hour run ${stale.hourRunId}, not ${source.runId} ` +
              `(the hour partition was committed again meanwhile); retry`,
            true,
          );
        return others.flatMap((b) => b.units as DayUnitBuilt[]);
      },
    },
    heldLease,
  );
  await deleteAll(store, await listAll(store, dayExchange));
  return { unitsBuilt, result };
}

async function commitFromPods(
  options: RunPodOptions,
  listing: Awaited<ReturnType<typeof listRawInputs>>,
  exchange: string,
  shards: number,
  ctx: Parameters<typeof uploadEmptySegment>[0],
  decoded: readonly v.InferOutput<typeof decodedSchema>[],
  built: readonly v.InferOutput<typeof builtSchema>[],
  unknown: ReadonlyMap<string, number>,
  planned: CommittedManifest, // the hour partition as the pods found it when they planned
  beforeRelease?: () => Promise<void>,
): Promise<RollupResult> {
  const { store, config, date } = options;
  const hour = await runPartition(options, {
    grain: 'hour',
    ...(beforeRelease ? { beforeRelease } : {}),
    inputs: listing.inputs,
    mustBuild: partialDayReasons,
    onSkip: (m) => ({ ignored: listing.ignored.length, ignoredNew: unrecordedIgnored(listing.ignored, m) }),
    build: async ({ runId, lease, now, started, manifestKey: mKey }) => {
      const segments = built
        .flatMap((b) => b.segments as BuiltSegments['segments'])
        .sort((a, b) => (a.hour ?? 0) - (b.hour ?? 0) || a.shard - b.shard || (a.part ?? 0) - (b.part ?? 0));
      const cuboidRows = new Map<string, number>();
      for (const b of built) for (const [n, r] of b.cuboidRows) cuboidRows.set(n, (cuboidRows.get(n) ?? 0) + r);
      const found: BuiltSegments =
        segments.length > 0 ? { segments, cuboidRows, cubeRecords: 0 } : await uploadEmptySegment(ctx);
      const rejected = Object.fromEntries(rejectReasons.map((r) => [r, 0])) as Record<RejectReason, number>;
      for (const d of decoded) for (const r of rejectReasons) rejected[r] += d.rejected[r];
      const total = (f: (d: v.InferOutput<typeof decodedSchema>) => number): number =>
        decoded.reduce((a, d) => a + f(d), 0);
      const counts = { rowsRead: total((d) => d.rowsRead), late: total((d) => d.late), routed: total((d) => d.routed) };
      await lease.verify();
      await requireUnchangedSince(store, planned, mKey);
      const manifest = await commitPartition(store, {
        config,
        configHash: options.configHash,
        grain: 'hour',
        date,
        runId,
        createdAt: now().toISOString(),
        inputs: withHoursAndRows(listing.inputs, decoded),
        ignored: listing.ignored,
        segments: found.segments,
        layout: { partitionDimension: partitionDimensionOf(config), shards },
        rows: partitionRows(
          { ...counts, rejected },
          unknown,
          found.segments.reduce((n, s) => n + s.rows, 0),
        ),
        unknownMetrics: recordOf(unknown),
        missingDimensions: decoded
          .flatMap((d) => d.missingDimensions)
          .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
        ...(config.cube ? { cube: { spec: config.cube, cuboids: cuboidsOf(config.cube, found.cuboidRows) } } : {}),
      });
      await deleteAll(store, await listAll(store, exchange));
      return { ...resultOf('committed', manifest, mKey, now().getTime() - started), ignored: listing.ignored.length };
    },
  });
  return hour;
}

/**
 * Pods hold no lease while they build: a run that committed the partition meanwhile (`run --hour`, a plain run) read
 * inputs the pods' older listing may lack, so pod 0 (under the lease) commits only over the partition the pods planned
 * against; else a retry (exit 75) naming both runs, as a single process re-plans under its lease.
 */
async function requireUnchangedSince(store: ObjectStore, planned: CommittedManifest, mKey: string): Promise<void> {
  const identity = (m: CommittedManifest): string =>
    m.kind === 'committed'
      ? `the commit of run ${m.manifest.runId}`
      : m.kind === 'absent'
        ? 'no commit'
        : 'an unreadable manifest';
  const now = await readManifestState(store, mKey);
  if (identity(now) !== identity(planned))
    throw new StorageError(
      `pods planned ${mKey} against ${identity(planned)}, but found ${identity(now)} when committing: a run ` +
        'committed the day while the pods built, and their commit would undo it; run the day again (the Indexed ' +
        'Job, or a plain run)',
      true,
    );
}

/**
 * A pod other than 0, once pod 0 committed the hour partition: builds its share of the day tier's units (unit k goes
 * to pod k mod N) from the committed hour segments and leaves what it built for pod 0 to commit.
 */
async function buildDayShare(options: RunPodOptions, dayExchange: string): Promise<number> {
  const { store, config, pod } = options;
  const [marker] = await waitForPods(store, dayExchange, ['hour-committed.json'], options);
  const { hourRunId } = v.parse(v.strictObject({ hourRunId: v.string() }), marker);
  const hour = await readDayTierSource(options);
  if (hour.runId !== hourRunId) return 0; // committed again since: that run's pods build its day tier
  const units = planDayUnits(hour, options.memoryBytes ?? config.output.limits.memoryBytes);
  const mine = units.map((_, k) => k).filter((k) => k % pod.count === pod.index);
  const built: DayUnitBuilt[] = await buildDayUnits(options, hour, units, mine);
  await putJson(store, `${dayExchange}built/pod-${pod.index}.json`, {
    pod: pod.index,
    hourRunId,
    units: built,
  } satisfies v.InferOutput<typeof dayBuiltSchema>);
  return built.length;
}

/** The inputs as the manifest records them, with the hours and rows their pods found (as one process records them). */
function withHoursAndRows(
  inputs: readonly ManifestInput[],
  decoded: readonly v.InferOutput<typeof decodedSchema>[],
): ManifestInput[] {
  const found = new Map(decoded.flatMap((d) => d.inputs ?? []).map((i) => [i.key, i]));
  return inputs.map((i) => {
    const d = found.get(i.key);
    return d ? { ...i, hours: d.hours, rows: d.rows as ManifestInput['rows'] } : i;
  });
}

/** The files pods `first` .. N-1 leave in an exchange folder, in pod order. */
function podFiles(o: RunPodOptions, first = 0): string[] {
  return Array.from({ length: o.pod.count - first }, (_, i) => `pod-${first + i}.json`);
}

/** Waits until every one of `names` is under `prefix` (other pods leave them); returns their JSON in that order. */
async function waitForPods(
  store: ObjectStore,
  prefix: string,
  names: readonly string[],
  o: RunPodOptions,
): Promise<unknown[]> {
  const deadline = Date.now() + (o.waitMs ?? podExchangeWaitMs);
  const wanted = names.map((n) => `${prefix}${n}`);
  for (let poll = 0; ; poll++) {
    const present = new Set((await listAll(store, prefix)).map((x) => x.key));
    const missing = wanted.filter((k) => !present.has(k));
    if (missing.length === 0)
      return Promise.all(wanted.map(async (k) => JSON.parse(new TextDecoder().decode(await store.get(k))) as unknown));
    if (poll % otherPlansEvery === otherPlansEvery - 1) await refuseOtherPlans(store, prefix, missing, o);
    if (Date.now() > deadline)
      throw new StorageError(
        `pod ${o.pod.index}/${o.pod.count} waited ${Math.round((o.waitMs ?? podExchangeWaitMs) / 1000)} s for ` +
          `${missing.join(', ')} in ${store.description}: another pod has not finished; retry`,
        true,
      );
    await new Promise((r) => setTimeout(r, o.pollMs ?? 2000));
  }
}

/** Polls between two looks for pods of this run that planned from another listing (a listing of every exchange). */
const otherPlansEvery = 5;

/** The clock skew allowed between a pod and the store when judging whether another plan's file is of this run. */
const otherPlansSkewMs = 5_000;

/**
 * Halts a wait (exit 75: every pod retries, and lists again) when a file it waits for (`missing`, keys under `prefix`,
 * `<root>_exchange/<plan>/<phase>/<name>`) is in another plan's exchange, written since this pod started: that pod
 * listed other raw objects (one landed or changed while the pods started), so it never leaves them in this one.
 */
async function refuseOtherPlans(
  store: ObjectStore,
  prefix: string,
  missing: readonly string[],
  o: RunPodOptions,
): Promise<void> {
  const match = /^(.*_exchange\/)([^/]+)\/(.*)$/.exec(prefix);
  if (!match) return;
  const [, root, plan, phase] = match as unknown as [string, string, string, string];
  const names = new Set(missing.map((k) => k.slice(prefix.length)));
  // since this pod started, less a few seconds of clock skew: a failed attempt's files, which a retry started at least
  // a backoff (10 s) later, are older (with a minute's margin they halted the retries that would have agreed)
  const since = (o.startedMs ?? 0) - otherPlansSkewMs;
  const elsewhere = (await listAll(store, root)).filter((x) => {
    const [other, ...rest] = x.key.slice(root.length).split('/');
    const path = rest.join('/');
    return (
      other !== plan &&
      path.startsWith(phase) &&
      names.has(path.slice(phase.length)) &&
      (x.mtimeMs ?? Number.POSITIVE_INFINITY) >= since
    );
  });
  if (elsewhere.length === 0) return;
  throw new StorageError(
    `pod ${o.pod.index}/${o.pod.count} planned from another listing of the raw objects than ` +
      `${elsewhere.map((x) => x.key.slice(root.length)).join(', ')} (this pod's plan is ${plan}): an object landed ` +
      'or changed while the pods started; every pod retries and lists again',
    true,
  );
}

/**
 * Names the exchange of one plan: the listing (keys, sizes, versions), the config, the shard and pod counts and the
 * memory budget (it plans the parts of hot segments, so pods with different budgets never share an exchange).
 */
function planIdOf(
  inputs: readonly ManifestInput[],
  configHash: string,
  shards: number,
  pods: number,
  memoryBytes: number,
): string {
  const identity = JSON.stringify([inputs, configHash, shards, pods, memoryBytes]);
  return createHash('sha256').update(identity).digest('hex').slice(0, 16);
}

function segmentName(segment: number): string {
  return `seg-${String(segment).padStart(5, '0')}`;
}

/** Where a pod leaves a piece of a segment: named by the input's place in the day's inputs and the chunk's in its file. */
function pieceKey(exchange: string, segment: number, input: number, chunk: number): string {
  return `${exchange}pieces/${segmentName(segment)}/${String(input).padStart(7, '0')}-${String(chunk).padStart(6, '0')}.partial`;
}

async function putJson(store: ObjectStore, key: string, value: unknown): Promise<void> {
  await store.put(key, new TextEncoder().encode(JSON.stringify(value)), { contentType: 'application/json' });
}
