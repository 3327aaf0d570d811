import type { CubeRecords, MeasureName } from '../cube/cube-records.js';
import type { cubeRecordMeasureColumns } from '../measures/measure-state.js';
import type { DecodedColumn } from '../parquet/read-parquet-ranges.js';

/** The measure columns to read of star-tree records (their keys are always read), and whether the sketch column. */
export interface RecordColumns {
  readonly measures: readonly (typeof cubeRecordMeasureColumns)[number][];
  readonly sketch: boolean; // quantile and distinct-count queries only
}

/** The measure of records.m each measure column fills. */
const measureOfColumn = {
  count: 'count',
  sum: 'sum',
  min: 'min',
  max: 'max',
  last: 'last',
  last_time: 'lastTime',
  last_sum: 'lastSum',
  first: 'first',
  first_time: 'firstTime',
  increase: 'increase',
} as const satisfies Record<(typeof cubeRecordMeasureColumns)[number], MeasureName>;

/**
 * Fills the measures `measures` of records [first, first + count) (positions in the columns) from decoded columns of
 * cube records (star-tree or cuboid files), whose values for them start at `r0`.
 */
export function fillRecordMeasures(
  records: CubeRecords,
  first: number,
  decoded: ReadonlyMap<string, DecodedColumn>,
  r0: number,
  count: number,
  measures: RecordColumns['measures'],
  dayStartNs: bigint,
): void {
  for (const c of measures) {
    const values = decoded.get(c)! as ArrayLike<number | bigint | null>;
    const to = records.m[measureOfColumn[c]];
    if (c === 'last_time' || c === 'first_time')
      for (let r = 0; r < count; r++) to[first + r] = Number(BigInt(values[r0 + r]!) - dayStartNs);
    else if (c === 'increase')
      for (let r = 0; r < count; r++) to[first + r] = values[r0 + r] === null ? Number.NaN : Number(values[r0 + r]);
    else for (let r = 0; r < count; r++) to[first + r] = Number(values[r0 + r]!);
  }
}
