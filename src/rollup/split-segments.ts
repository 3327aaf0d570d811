import { piecesOfParts } from '../ingest/split-partial.js';
import type { Logger } from '../logger.js';
import { buildBytesPerGroup, planParts, planUnits, type SegmentUnit } from './plan-parts.js';
import type { SegmentSpill, SpillKey } from './segment-spill.js';

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

/** Where `splitIntoParts` files the pieces of one part of a split segment in the spill. */
export function partKey(unit: SegmentUnit): SpillKey {
  return `${unit.index}/${unit.part}`;
}

/**
 * Cuts the pieces of every split segment of `units` into their parts by the secondary hash, reading each piece once,
 * and files each part's pieces in the spill under `partKey`, their input indexes in `order` (as the segment's were):
 * a part's build then reads its own pieces only, not every piece of its segment once per part.
 */
export async function splitIntoParts(
  spill: SegmentSpill,
  units: readonly SegmentUnit[],
  partitionDimension: number,
  order: Map<SpillKey, number[]>,
): Promise<void> {
  for (const u of units) {
    if (u.parts === 1 || u.part !== 0) continue;
    const inputs = order.get(u.index) ?? [];
    let n = 0;
    await spill.each(u.index, async (piece) => {
      const input = inputs[n++]!;
      for (const [part, cut] of piecesOfParts(piece, partitionDimension, u.parts)) {
        const key = partKey({ ...u, part });
        let list = order.get(key);
        if (!list) order.set(key, (list = []));
        list.push(input);
        await spill.add(key, cut);
      }
    });
    await spill.release(u.index);
    order.delete(u.index);
  }
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
