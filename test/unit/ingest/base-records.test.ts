import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { sortBaseRecords } from '../../../src/ingest/base-records.js';
import { GlobalDictionary } from '../../../src/ingest/global-dictionary.js';
import { compareNullableStrings } from '../../../src/ingest/value-order.js';
import { SeriesAggregate } from '../../../src/ingest/series-aggregate.js';

const value = fc.option(fc.constantFrom('a', 'b', 'B', 'ab', 'é', 'z', '10', '9', ''), { nil: null });

it('orders records by hour, then metric and each dimension by value with nulls last (property)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom('cpu', 'bytes', 'lag'), value, value), {
        maxLength: 200,
      }),
      (rows) => {
        const metrics = new GlobalDictionary();
        const dims = [new GlobalDictionary(), new GlobalDictionary()];
        const agg = new SeriesAggregate(4, 4);
        const keys = rows.map(([hour, metric, a, b]) => [
          hour,
          metrics.idOf(metric),
          dims[0]!.idOf(a),
          dims[1]!.idOf(b),
        ]);
        const n = rows.length;
        const columns = [0, 1, 2, 3].map((j) => Int32Array.from(keys, (k) => k[j]!));
        agg.addRows(
          columns,
          n,
          Int32Array.from({ length: n }, (_, i) => i),
          n,
          new Float64Array(n).fill(1),
          new Float64Array(n),
          new Int32Array(n),
        );
        const state = agg.toState();
        const records = sortBaseRecords(state, metrics, ['a', 'b'], dims, new Float64Array(state.groups), []);
        const got = [...records.order].map((g) => {
          const k = state.keys.subarray(g * 4, g * 4 + 4);
          return [k[0]!, metrics.values[k[1]!]!, dims[0]!.values[k[2]!]!, dims[1]!.values[k[3]!]!] as const;
        });
        const want = [...new Map(rows.map((r) => [JSON.stringify(r), r])).values()].sort(
          (x, y) =>
            x[0] - y[0] ||
            compareNullableStrings(x[1], y[1]) ||
            compareNullableStrings(x[2], y[2]) ||
            compareNullableStrings(x[3], y[3]),
        );
        assert.deepEqual(got, want);
      },
    ),
    { numRuns: 300 },
  );
});
