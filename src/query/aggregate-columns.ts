import type { RecordColumns } from '../partition/record-measures.js';
import type { QueryAggregate } from './query-choices.js';

/** The measure columns whose values `valueOfBucket` reads for `agg` (a one-shot query reads no other). */
export function measureColumnsOf(agg: QueryAggregate): RecordColumns['measures'] {
  switch (agg) {
    case 'sum':
    case 'count':
    case 'min':
    case 'max':
    case 'increase':
      return [agg];
    case 'avg':
      return ['sum', 'count'];
    case 'last':
      return ['last_sum'];
    case 'distinct':
      return []; // the sketch alone
    default: // p50, p90, p95, p99: the sketch, and min, which floors them (QuantileSketch.quantile)
      return ['min'];
  }
}
