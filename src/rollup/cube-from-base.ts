import { starTreeCapacityOf } from '../cube/build-star-tree.js';
import { CubeRecords } from '../cube/cube-records.js';
import type { BaseRecords } from '../ingest/base-records.js';
import { sampleMeasureNames } from '../measures/measure-state.js';
import { compareNullableStrings } from '../ingest/global-dictionary.js';

/** Sets to[i] = from[order[i]] for every i. */
function gather(to: Float64Array, from: Float64Array, order: Int32Array): void {
  for (let i = 0; i < order.length; i++) to[i] = from[order[i]!]!;
}

/** Base records re-keyed for a star-tree: level 0 = hour, then each split dimension as a sorted-dictionary id. */
export interface CubeInput {
  readonly records: CubeRecords;
  // per split dimension: id -> value, sorted, nulls last
  readonly dictionaries: readonly (readonly (string | null)[])[];
}

/**
 * Re-keys base records by `splitOrder` (names among 'metric' and the base dimensions; dimensions not named are
 * aggregated away when the builder merges equal keys). Dictionary ids are ranks in sorted value order, so id order
 * is value order; null is a real value with its own id.
 */
export function cubeInputFromBase(base: BaseRecords, splitOrder: readonly string[]): CubeInput {
  const source = splitOrder.map((name) => {
    if (name === 'metric') return { column: 1, values: base.metrics };
    const d = base.dimensionNames.indexOf(name);
    if (d < 0)
      throw new Error(
        `cube split dimension '${name}' is not a dimension of the base records (${base.dimensionNames.join(', ')})`,
      );
    return { column: 2 + d, values: base.dimensionValues[d]! };
  });
  const { state, order } = base;
  const w = state.width;
  const columns = Int32Array.from(source, (s) => s.column);
  // column by column: one pass reads each base record's key row in output order, the rest run over the output
  const n = order.length;
  const records = new CubeRecords(1 + splitOrder.length, starTreeCapacityOf(n)); // room for what the builder appends
  records.appendZeroed(n);
  const rw = records.width;
  const k = columns.length;
  const keys = records.keys;
  for (let i = 0; i < n; i++) {
    const g = order[i]! * w;
    keys[i * rw] = state.keys[g]!;
    for (let j = 0; j < k; j++) keys[i * rw + 1 + j] = state.keys[g + columns[j]!]!; // base ids, ranked below
  }
  const dictionaries = source.map(({ values }, j) => {
    const used = new Uint8Array(values.length); // ids the kept records use
    for (let i = 0; i < n; i++) used[keys[i * rw + 1 + j]!] = 1;
    const ids: number[] = [];
    used.forEach((u, id) => u && ids.push(id));
    ids.sort((a, b) => compareNullableStrings(values[a]!, values[b]!));
    const remap = new Int32Array(values.length).fill(-1);
    ids.forEach((id, rank) => (remap[id] = rank));
    for (let i = 0; i < n; i++) keys[i * rw + 1 + j] = remap[keys[i * rw + 1 + j]!]!;
    return ids.map((id) => values[id]!);
  });
  const m = records.m;
  for (const name of sampleMeasureNames) gather(m[name], state[name], order);
  gather(m.lastSum, state.last, order); // one series: its last is the sum of lasts
  gather(m.increase, base.increase, order);
  const sketches = records.sketches;
  for (let i = 0; i < n; i++) sketches[i] = base.sketches[order[i]!];
  return { records, dictionaries };
}
