import type { Manifest, ManifestInput, ManifestSegment } from '../partition/manifest.js';
import { checkListedSizes } from '../partition/verify-partition.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { DecodedInput } from './decode-segments.js';

/*
 * What an incremental hour-tier run takes from decoding and what it carries from the committed manifest: input
 * entries, missing dimensions, cuboid rows, the hours to repair, and the order of a segment's pieces.
 */

/** A segment's pieces sorted by their input's place in the day's key order (stable), as one pass would add them. */
export function inInputOrder<T>(pieces: T[], order: readonly number[] | undefined): T[] {
  if (!order) return pieces;
  return pieces
    .map((p, n) => ({ p, at: order[n]! }))
    .sort((a, b) => a.at - b.at)
    .map((x) => x.p);
}

/** An input as the manifest records it: its listing, with the hours and rows decoding found, or carried as recorded. */
export function inputEntry(i: ManifestInput, decoded: DecodedInput | undefined, recorded: ManifestInput | undefined) {
  const { hours: _h, rows: _r, ...identity } = i;
  if (decoded) return { ...identity, hours: [...decoded.hours], rows: decoded.rows };
  if (!recorded) throw new Error(`run input ${i.key} was neither decoded nor recorded in the committed manifest`);
  return recorded;
}

/** The manifest's missingDimensions in input order: found by decoding, or carried from the committed manifest. */
export function missingDimensionsOf(
  entries: readonly ManifestInput[],
  decoded: ReadonlyMap<string, DecodedInput>,
  previous: Manifest | undefined,
): Manifest['missingDimensions'] {
  const recorded = new Map((previous?.missingDimensions ?? []).map((m) => [m.key, m.columns]));
  return entries.flatMap((i) => {
    const columns = decoded.get(i.key)?.missingDimensions ?? recorded.get(i.key) ?? [];
    return columns.length > 0 ? [{ key: i.key, columns: [...columns] }] : [];
  });
}

/** Each declared cuboid's rows over the segments. */
export function cuboidRowsOf(segments: readonly ManifestSegment[]): Map<string, number> {
  const rows = new Map<string, number>();
  for (const s of segments)
    for (const [name, n] of Object.entries(s.cube?.cuboidRows ?? {})) rows.set(name, (rows.get(name) ?? 0) + n);
  return rows;
}

/** Hours of the committed partition with a listed file missing or of another size (one HEAD per file). */
export async function damagedHours(store: ObjectStore, manifest: Manifest): Promise<number[]> {
  const damaged = new Set((await checkListedSizes(store, manifest)).map((d) => d.key));
  const hours = new Set<number>();
  for (const s of manifest.segments?.list ?? []) {
    const files = [...s.outputs, ...(s.cube ? [s.cube.tree, ...s.cube.records, ...s.cube.cuboidFiles] : [])];
    if (s.hour !== null && files.some((f) => damaged.has(f.key))) hours.add(s.hour);
  }
  return [...hours];
}
