import type { FilePartial } from '../ingest/aggregate-raw-file.js';
import { pieceOfPart } from '../ingest/split-partial.js';
import type { Logger } from '../logger.js';
import { buildBytesPerGroup, planParts, planUnits, type SegmentUnit } from './plan-parts.js';
import { inInputOrder } from './carry-hours.js';
import type { SegmentSpill } from './segment-spill.js';

/**
 * The build units of an hour partition's 24 x `shards` segments: each segment whole, or, when its pieces' groups
 * (`groupsOf`) would not fit its share of `memoryBytes`, the parts `planParts` plans (a hot key split further).
 */
export function planSegmentUnits(
  shards: number,
  memoryBytes: number,
  groupsOf: (index: number) => readonly number[],
): SegmentUnit[] {
  return planUnits(24 * shards, (i) => planParts(groupsOf(i), buildBytesPerGroup, memoryBytes));
}

/**
 * The pieces of one part of a split segment, read from the spill one at a time and cut by the secondary hash, sorted
 * by `order` (the input index of each piece as added, when pieces were not added in input order); the segment's pieces
 * are released after its last part.
 */
export async function piecesOfPart(
  spill: SegmentSpill,
  unit: SegmentUnit,
  partitionDimension: number,
  order?: readonly number[],
): Promise<FilePartial[]> {
  const cut: (FilePartial | undefined)[] = []; // one per piece as added, so `order` still lines up
  await spill.each(unit.index, (piece) => {
    cut.push(pieceOfPart(piece, partitionDimension, unit.part, unit.parts));
  });
  if (unit.part === unit.parts - 1) await spill.release(unit.index);
  return inInputOrder(cut, order).filter((p) => p !== undefined);
}

/** One `segment_split` event per split segment: its hour, shard and parts. */
export function logSplits(logger: Logger, partition: string, shards: number, units: readonly SegmentUnit[]): void {
  for (const u of units)
    if (u.part === 0 && u.parts > 1)
      logger.event('segment_split', {
        partition,
        hour: Math.floor(u.index / shards),
        shard: u.index % shards,
        parts: u.parts,
      });
}
