import assert from 'node:assert/strict';
import { it } from 'node:test';
import { checkAggregate } from '../../../src/query/run-query.js';
import { aggregatesByKind, queryAggregates } from '../../../src/query/query-choices.js';

// A refused aggregate is explained by what that aggregate needs, not by one sentence per kind.

const refusal = (metric: string, kind: keyof typeof aggregatesByKind, agg: (typeof queryAggregates)[number]) => {
  try {
    checkAggregate(metric, kind, agg);
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
};

it('names why each refused aggregate does not apply, and which do', () => {
  assert.equal(
    refusal('received_bytes', 'delta', 'p50'),
    "query aggregate p50 does not apply to received_bytes (delta: percentiles are read from a distribution's sketch); " +
      'use sum, count, min, max, avg',
  );
  assert.equal(
    refusal('cpu_usage', 'gauge', 'distinct'),
    "query aggregate distinct does not apply to cpu_usage (gauge: distinct counts a distinct metric's values (its " +
      'sketch)); use avg, min, max, last, count',
  );
  assert.match(
    refusal('bytes_in_total', 'cumulative', 'max') ?? '',
    /\(cumulative: a cumulative counter is a running total: its samples say nothing alone\); use increase, last, count$/,
  );
  assert.match(
    refusal('received_bytes', 'delta', 'last') ?? '',
    /\(delta: a delta counter has no point-in-time value\)/,
  );
  assert.match(refusal('cpu_usage', 'gauge', 'sum') ?? '', /\(gauge: gauge values do not add up over time\)/);
  assert.match(refusal('cpu_usage', 'gauge', 'increase') ?? '', /reset-corrected growth of a cumulative counter/);
  for (const [kind, allowed] of Object.entries(aggregatesByKind) as [keyof typeof aggregatesByKind, string[]][])
    for (const agg of queryAggregates)
      assert.equal(refusal('m', kind, agg) === undefined, allowed.includes(agg), `${kind} ${agg}`);
});
