import { performance } from 'node:perf_hooks';
import type { JobConfig } from '../config/job-config.js';
import type { FilePartial } from '../ingest/aggregate-raw-file.js';
import type { Logger } from '../logger.js';
import { uploadSegment } from '../partition/commit.js';
import type { ManifestSegment } from '../partition/manifest.js';
import type { ObjectStore } from '../storage/object-store.js';
import { buildSegmentFromPieces, pieceTransferables, type TimedSegment } from './build-segment.js';
import type { SegmentUnit } from './plan-parts.js';
import type { WorkerPool } from './worker-pool.js';

/** Where and how segments are built: the partition, the job, the build threads and the metrics left out. */
export interface SegmentBuildContext {
  readonly store: ObjectStore;
  readonly partitionPrefix: string;
  readonly config: JobConfig;
  readonly date: string;
  readonly shards: number;
  readonly pool: WorkerPool | undefined; // undefined: build on this thread
  readonly unknownMetrics: readonly string[];
  readonly logger: Logger;
}

/** The uploaded segments (by index, empty ones left out) and what the manifest adds up over them. */
export interface BuiltSegments {
  readonly segments: readonly ManifestSegment[];
  readonly cuboidRows: ReadonlyMap<string, number>;
  readonly cubeRecords: number;
}

/**
 * Builds the segments (or parts of split segments) `units` (in output order; index = hour * shards + shard) from their
 * pieces, two at a time on the build threads (the memory budget plans for two), uploading each as soon as it is
 * built. A segment with no record is not kept.
 */
export async function buildSegments(
  ctx: SegmentBuildContext,
  units: readonly SegmentUnit[],
  piecesOf: (unit: SegmentUnit) => Promise<FilePartial[]>,
): Promise<BuiltSegments> {
  const segments: ManifestSegment[] = [];
  const cuboidRows = new Map<string, number>();
  let cubeRecords = 0;
  const inFlight: Promise<TimedSegment>[] = [];
  const uploadNext = async (): Promise<void> => {
    const { segment, ms, thread } = await inFlight.shift()!;
    if (segment.rows === 0) return;
    ctx.logger.event('segment_built', {
      partition: `${ctx.partitionPrefix}_manifest.json`,
      hour: segment.hour,
      shard: segment.shard,
      ...(segment.parts !== undefined ? { part: segment.part, parts: segment.parts } : {}),
      rows: segment.rows,
      cubeRecords: segment.cube?.shape.records,
      thread,
      ms: Math.round(ms),
    });
    for (const c of segment.cube?.cuboids ?? []) cuboidRows.set(c.name, (cuboidRows.get(c.name) ?? 0) + c.rows);
    cubeRecords += segment.cube?.shape.records ?? 0;
    segments.push(await uploadSegment(ctx.store, ctx.partitionPrefix, segment));
  };
  for (const [done, unit] of units.entries()) {
    ctx.logger.progress('segments', done, units.length);
    const pieces = await piecesOf(unit);
    if (pieces.length === 0) continue;
    const built = buildOne(ctx, unit, pieces);
    built.catch(() => undefined); // awaited in order by uploadNext()
    inFlight.push(built);
    if (inFlight.length >= Math.min(2, Math.max(1, ctx.pool?.size ?? 1))) await uploadNext();
  }
  while (inFlight.length > 0) await uploadNext();
  ctx.logger.progress('segments', units.length, units.length);
  return { segments, cuboidRows, cubeRecords };
}

/** Uploads the one empty segment of a partition with no record at all, so that its files can be read as a table. */
export async function uploadEmptySegment(ctx: SegmentBuildContext): Promise<BuiltSegments> {
  const built = (await buildOne(ctx, { index: 0, part: 0, parts: 1 }, [])).segment;
  const cuboidRows = new Map((built.cube?.cuboids ?? []).map((c) => [c.name, c.rows]));
  return { segments: [await uploadSegment(ctx.store, ctx.partitionPrefix, built)], cuboidRows, cubeRecords: 0 };
}

function buildOne(ctx: SegmentBuildContext, unit: SegmentUnit, pieces: FilePartial[]): Promise<TimedSegment> {
  const task = {
    date: ctx.date,
    hour: Math.floor(unit.index / ctx.shards),
    shard: unit.index % ctx.shards,
    ...(unit.parts > 1 ? { part: unit.part, parts: unit.parts } : {}),
    pieces,
    unknownMetrics: ctx.unknownMetrics,
  };
  // a small segment builds here: handing it to a thread costs more than building it (same bytes either way)
  if (!ctx.pool || groupsOf(pieces) < smallSegmentGroups)
    return Promise.resolve().then(() => {
      const started = performance.now();
      const segment = buildSegmentFromPieces({ ...task, config: ctx.config });
      return { segment, ms: performance.now() - started, thread: 0 };
    });
  return ctx.pool.run<TimedSegment>(
    { kind: 'build-segment', configJson: JSON.stringify(ctx.config), ...task },
    pieceTransferables(pieces),
  );
}

/** Below this many groups (before merging) a segment is built on the calling thread. */
const smallSegmentGroups = 2_000;

function groupsOf(pieces: readonly FilePartial[]): number {
  return pieces.reduce((n, p) => n + p.state.groups, 0);
}
