import { starTreeCapacityOf } from '../cube/build-star-tree.js';
import { CubeRecords } from '../cube/cube-records.js';
import type { BaseRecords } from '../ingest/base-records.js';
import { sampleMeasureNames } from '../measures/measure-state.js';
import { compareNullableStrings } from '../ingest/value-order.js';
import type { MeasureSketch } from '../measures/measure-sketch.js';
import { heldIds } from './held-ids.js';

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
  const columns = Int32Array.from(source, (s) => s.column);
  // every per-record loop is a function of its own: as one function it was compiled on-stack in its first loop, then
  // deoptimised at the code after it (no type feedback yet) and compiled again, several times per build thread
  const n = order.length;
  const records = new CubeRecords(1 + splitOrder.length, starTreeCapacityOf(n)); // room for what the builder appends
  records.appendZeroed(n);
  copyKeys(records.keys, records.width, state.keys, state.width, order, columns);
  const dictionaries = source.map(({ values }, j) => rankLevel(records.keys, records.width, 1 + j, n, values));
  const m = records.m;
  for (const name of sampleMeasureNames) gather(m[name], state[name], order);
  gather(m.lastSum, state.last, order); // one series: its last is the sum of lasts
  gather(m.increase, base.increase, order);
  gatherSketches(records.sketches, base.sketches, order);
  return { records, dictionaries };
}

/** Sets to[i] = from[order[i]] for every i (sketch references). */
function gatherSketches(
  to: (MeasureSketch | undefined)[],
  from: readonly (MeasureSketch | undefined)[],
  order: Int32Array,
): void {
  for (let i = 0; i < order.length; i++) to[i] = from[order[i]!];
}

/** Record i's key row: hour, then the base id of each of `columns` (key columns of base record order[i]). */
function copyKeys(keys: Int32Array, rw: number, from: Int32Array, w: number, order: Int32Array, columns: Int32Array) {
  const k = columns.length;
  for (let i = 0; i < order.length; i++) {
    const g = order[i]! * w;
    keys[i * rw] = from[g]!;
    for (let j = 0; j < k; j++) keys[i * rw + 1 + j] = from[g + columns[j]!]!; // base ids, ranked below
  }
}

/**
 * Replaces the base ids at `level` of the first n records by their rank among the ids used there, in value order
 * (nulls last); returns the used values in that order (the level's dictionary).
 */
function rankLevel(
  keys: Int32Array,
  rw: number,
  level: number,
  n: number,
  values: readonly (string | null)[],
): (string | null)[] {
  const used = heldIds(keys, rw, level, undefined, n, values.length);
  const ids: number[] = [];
  for (let id = 0; id < used.length; id++) if (used[id] === 1) ids.push(id);
  ids.sort((a, b) => compareNullableStrings(values[a]!, values[b]!));
  const remap = new Int32Array(values.length).fill(-1);
  for (let rank = 0; rank < ids.length; rank++) remap[ids[rank]!] = rank;
  remapLevel(keys, rw, level, n, remap);
  return ids.map((id) => values[id]!);
}

/** keys at `level` of the first n records = remap[their id]. */
function remapLevel(keys: Int32Array, rw: number, level: number, n: number, remap: Int32Array): void {
  for (let i = 0; i < n; i++) keys[i * rw + level] = remap[keys[i * rw + level]!]!;
}
