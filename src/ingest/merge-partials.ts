import { GlobalDictionary } from './global-dictionary.js';
import { CounterSampleLog } from '../measures/counter-increase.js';
import { aggregateState, SeriesAggregate, type AggregateState } from './series-aggregate.js';
import { RawInputError, type FilePartial } from './aggregate-raw-file.js';
import type { RawFileSpec } from './raw-file-spec.js';
import { rejectReasons, type RejectReason } from './reject-reason.js';

/** The merged aggregate of many raw files, in one global id space. */
export interface MergedPartials {
  readonly aggregate: SeriesAggregate;
  readonly metrics: GlobalDictionary;
  readonly dimensions: readonly GlobalDictionary[];
  readonly rowsRead: number; // rows of this day's own files
  readonly rejected: Record<RejectReason, number>;
  readonly routed: number; // own rows of the previous day (its late data)
  readonly late: number; // rows of this day found in the next day's early files
  readonly lateFileRows: number; // every row of those files
  readonly counterLog: CounterSampleLog; // cumulative counters' samples, by global group
  readonly missingDimensions: { key: string; columns: string[] }[]; // inputs that lack some dimension columns
}

/** Starts an empty merge for `dimensionCount` dimensions, with room for `groups` groups before it grows. */
export function emptyMerge(dimensionCount: number, groups = 1 << 14): MergedPartials {
  return {
    aggregate: new SeriesAggregate(2 + dimensionCount, groups),
    metrics: new GlobalDictionary(),
    dimensions: Array.from({ length: dimensionCount }, () => new GlobalDictionary()),
    rowsRead: 0,
    routed: 0,
    late: 0,
    lateFileRows: 0,
    counterLog: new CounterSampleLog(),
    rejected: Object.fromEntries(rejectReasons.map((r) => [r, 0])) as Record<RejectReason, number>,
    missingDimensions: [],
  };
}

/**
 * Folds one file's partial aggregate into `into`, translating its local ids to global ids.
 * Callers merge files in key order so that floating-point sums are the same on every run.
 */
export function mergePartial(
  into: MergedPartials,
  partial: FilePartial,
  spec: Pick<RawFileSpec, 'dimensions' | 'limits'>,
): MergedPartials {
  const limits = spec.limits;
  const maps = [
    into.metrics.mapping(partial.metrics),
    ...into.dimensions.map((d, i) => d.mapping(partial.dimensionValues[i]!)),
  ];
  const s = sameShape(partial.state); // a state from another thread or the spill: one shape for mergeState's loops
  const w = s.width;
  const columns = Array.from({ length: w }, (_, j) => keyColumn(s, j, j === 0 ? null : maps[j - 1]!));
  const groupMap = new Int32Array(s.groups);
  into.aggregate.mergeState(columns, s, groupMap);
  into.counterLog.pushAll(partial.counterSamples, groupMap);
  if (into.aggregate.groups > limits.groups)
    throw new RawInputError(
      `limit more than ${limits.groups} series-hours in the partition (at ${partial.key}); raise ` +
        `output.limits.groups in the job config`,
    );
  into.dimensions.forEach((d, i) => {
    if (d.distinctValues > limits.distinctValues)
      throw new RawInputError(
        `limit dimension '${spec.dimensions[i]}' has more than ${limits.distinctValues} distinct values in the ` +
          `partition (at ${partial.key}); raise output.limits.distinctValues`,
      );
  });
  for (const r of rejectReasons) into.rejected[r] += partial.rejected[r];
  if (partial.missingDimensions.length > 0)
    into.missingDimensions.push({ key: partial.key, columns: [...partial.missingDimensions] });
  const own = partial.role === 'own';
  return {
    ...into,
    rowsRead: into.rowsRead + (own ? partial.rowsRead : 0),
    routed: into.routed + partial.routed,
    late: into.late + partial.late,
    lateFileRows: into.lateFileRows + (own ? 0 : partial.rowsRead),
  };
}

function sameShape(s: AggregateState): AggregateState {
  return aggregateState(s.groups, s.width, s.keys, s);
}

/** Key part j of every group of `s`, through `map` (local id -> global id) unless null. */
function keyColumn(s: AggregateState, j: number, map: Int32Array | null): Int32Array {
  const { keys, width: w, groups } = s;
  const column = new Int32Array(groups);
  if (map === null) for (let g = 0; g < groups; g++) column[g] = keys[g * w + j]!;
  else for (let g = 0; g < groups; g++) column[g] = map[keys[g * w + j]!]!;
  return column;
}
