import { recordOf } from '../config/data-record.js';
import type { FilePartial } from '../ingest/aggregate-raw-file.js';
import { rejectReasons, type RejectReason } from '../ingest/reject-reason.js';
import type { ManifestInput } from '../partition/manifest.js';
import type { RowCounts } from './decode-segments.js';

/** What one raw object added to its partition's `rows`, as its manifest entry records it. */
export type InputRows = NonNullable<ManifestInput['rows']>;

/** The rows of one decoded file: its counts, and its rows per metric the catalog does not define. */
export function inputRowsOf(partial: FilePartial, unknown: ReadonlyMap<string, number>): InputRows {
  const rejected: Partial<Record<RejectReason, number>> = {};
  for (const r of rejectReasons) if (partial.rejected[r] > 0) rejected[r] = partial.rejected[r];
  return {
    read: partial.rowsRead,
    late: partial.late,
    routed: partial.routed,
    rejected,
    ...(unknown.size > 0 ? { unknownMetrics: recordOf([...unknown]) } : {}),
  };
}

/** The rows of two chunks of one file added up (`undefined`: none yet), unknown metrics by name in name order. */
export function addInputRows(a: InputRows | undefined, b: InputRows): InputRows {
  if (!a) return b;
  const rejected: Partial<Record<RejectReason, number>> = {};
  for (const r of rejectReasons) {
    const n = (a.rejected[r] ?? 0) + (b.rejected[r] ?? 0);
    if (n > 0) rejected[r] = n;
  }
  const unknown = new Map(Object.entries(a.unknownMetrics ?? {}));
  for (const [m, n] of Object.entries(b.unknownMetrics ?? {})) unknown.set(m, (unknown.get(m) ?? 0) + n);
  return {
    read: a.read + b.read,
    late: a.late + b.late,
    routed: a.routed + b.routed,
    rejected,
    ...(unknown.size > 0 ? { unknownMetrics: recordOf([...unknown].sort(([x], [y]) => (x < y ? -1 : 1))) } : {}),
  };
}

/**
 * The partition's file-level counts summed over its inputs' recorded rows (own objects' rows are `in`, a late
 * object's only its `late` rows), and the rows per unknown metric by name; undefined when an input lacks its rows
 * (a manifest written before per-input rows).
 */
export function countInputRows(
  inputs: readonly ManifestInput[],
): { readonly counts: RowCounts; readonly unknown: ReadonlyMap<string, number> } | undefined {
  const rejected = Object.fromEntries(rejectReasons.map((r) => [r, 0])) as Record<RejectReason, number>;
  const unknown = new Map<string, number>();
  let rowsRead = 0;
  let late = 0;
  let routed = 0;
  for (const i of inputs) {
    if (!i.rows) return undefined;
    if (!i.late) rowsRead += i.rows.read;
    late += i.rows.late;
    routed += i.rows.routed;
    for (const [r, n] of Object.entries(i.rows.rejected) as [RejectReason, number][]) rejected[r] += n;
    for (const [m, n] of Object.entries(i.rows.unknownMetrics ?? {})) unknown.set(m, (unknown.get(m) ?? 0) + n);
  }
  return {
    counts: { rowsRead, late, routed, rejected },
    unknown: new Map([...unknown].sort(([a], [b]) => (a < b ? -1 : 1))),
  };
}
