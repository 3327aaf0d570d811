import type { StarTree } from './star-tree.js';

/** Identifies the index format; version 1 is this JSON sidecar, 2 and 3 the binary index (star-tree-index-v3.ts). */
export const starTreeFormat = 'telemetry-rollup/star-tree';
export const starTreeFormatVersion = 1;

/**
 * The star-tree index beside the record files, format 1 (JSON): committed partitions written before format 2 hold it,
 * and readStarTreeIndex still reads it; new partitions are written in format 3.
 * Levels: 0 = hour of the day, i + 1 = splitOrder[i].
 * Node columns are parallel arrays indexed by node (node 0 is the root; a node's non-star children are
 * firstChild .. firstChild + childCount - 1). Record indexes refer to the records file rows in order.
 * Dictionary ids are indexes into `dictionaries[i]` (sorted, nulls last); -1 is STAR.
 */
export interface StarTreeSidecar {
  readonly format: typeof starTreeFormat;
  readonly formatVersion: typeof starTreeFormatVersion;
  readonly timeGrain: 'hour';
  readonly dayStartMs: number; // epoch ms of the partition day's 00:00 UTC; hour h = dayStartMs + h * 3,600,000
  readonly splitOrder: readonly string[];
  readonly skipStar: readonly boolean[]; // per level
  readonly starAlso: readonly (readonly number[])[]; // per level: levels aggregated away with it (hierarchy)
  readonly maxLeafRecords: number | null; // T; null = unbounded
  readonly dictionaries: readonly (readonly (string | null)[])[];
  readonly records: { readonly count: number; readonly baseRecords: number };
  readonly nodes: Readonly<
    Record<
      'level' | 'value' | 'start' | 'end' | 'aggregate' | 'childLevel' | 'firstChild' | 'childCount' | 'star',
      readonly number[]
    >
  >;
}

/** The fields every index format writes of a tree's layout, in the order they are written. */
export function layoutFieldsOf(
  tree: StarTree,
  dayStartMs: number,
): Pick<StarTreeSidecar, 'timeGrain' | 'dayStartMs' | 'splitOrder' | 'skipStar' | 'starAlso' | 'maxLeafRecords'> {
  return {
    timeGrain: 'hour',
    dayStartMs,
    splitOrder: tree.layout.dimensions,
    skipStar: tree.layout.skipStar,
    starAlso: tree.layout.starAlso,
    maxLeafRecords: Number.isFinite(tree.layout.maxLeafRecords) ? tree.layout.maxLeafRecords : null,
  };
}

/** The format 1 sidecar of a built tree (no longer committed; kept to describe and test format 1). */
export function toSidecar(tree: StarTree, dayStartMs: number): StarTreeSidecar {
  const cols = tree.nodes.columns();
  return {
    format: starTreeFormat,
    formatVersion: starTreeFormatVersion,
    ...layoutFieldsOf(tree, dayStartMs),
    dictionaries: tree.dictionaries,
    records: { count: tree.records.length, baseRecords: tree.baseRecords },
    nodes: Object.fromEntries(
      Object.entries(cols).map(([k, v]) => [k, Array.from(v)]),
    ) as unknown as StarTreeSidecar['nodes'],
  };
}

/** Checks a parsed sidecar's identity and version; `source` names it in errors. */
export function parseSidecar(json: unknown, source: string): StarTreeSidecar {
  const s = json as Partial<StarTreeSidecar> | null;
  if (!s || s.format !== starTreeFormat) throw new Error(`star-tree sidecar ${source} is not a ${starTreeFormat} file`);
  if (s.formatVersion !== starTreeFormatVersion)
    throw new Error(
      `star-tree sidecar ${source} has formatVersion ${String(s.formatVersion)}, this reader ` +
        `knows ${starTreeFormatVersion}`,
    );
  return s as StarTreeSidecar;
}
