import { CubeRecords } from '../cube/cube-records.js';
import type { BaseRecords } from '../ingest/base-records.js';
import { compareNullableStrings } from '../ingest/global-dictionary.js';

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
  const remaps = source.map(({ values }, j) => {
    const used = new Uint8Array(values.length); // ids the kept records use
    for (const g of order) used[state.keys[g * w + columns[j]!]!] = 1;
    const ids: number[] = [];
    used.forEach((u, id) => u && ids.push(id));
    ids.sort((a, b) => compareNullableStrings(values[a]!, values[b]!));
    const remap = new Int32Array(values.length).fill(-1);
    ids.forEach((id, rank) => (remap[id] = rank));
    return { remap, dictionary: ids.map((id) => values[id]!) };
  });
  const records = new CubeRecords(1 + splitOrder.length, order.length);
  const rw = records.width;
  const k = columns.length;
  for (const g of order) {
    const i = records.appendCopyFromState(state, g, base.increase[g]!);
    records.sketches[i] = base.sketches[g];
    const keys = records.keys;
    keys[i * rw] = state.keys[g * w]!;
    for (let j = 0; j < k; j++) keys[i * rw + 1 + j] = remaps[j]!.remap[state.keys[g * w + columns[j]!]!]!;
  }
  return { records, dictionaries: remaps.map((r) => r.dictionary) };
}
