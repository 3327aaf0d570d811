import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Dictionary,
  Float64,
  Int32,
  makeData,
  makeVector,
  Table,
  TimestampMillisecond,
  Utf8,
  vectorFromArray,
  type RecordBatch,
} from 'apache-arrow';
import { aggregateBatch, type FileAccumulator } from '../../../src/ingest/aggregate-batch.js';
import { ByteDictionary } from '../../../src/ingest/byte-dictionary.js';
import { CounterSampleLog } from '../../../src/measures/counter-increase.js';
import { rejectReasons, type RejectReason } from '../../../src/ingest/reject-reason.js';
import { SeriesAggregate } from '../../../src/ingest/series-aggregate.js';

const dayStartMs = Date.UTC(2026, 4, 1);

function fileOf(): FileAccumulator {
  return {
    spec: {
      timestampColumn: 'timestamp',
      metricColumn: 'metric',
      valueColumn: 'value',
      dimensions: ['zone'],
      dayStartMs,
      role: 'own',
      routesPreviousDay: false,
      limits: { distinctValues: 1000, groups: 1000, valueBytes: 4096 },
      sampledMetrics: [],
      distributionMetrics: [],
    },
    presentDimensions: new Set(['zone']),
    uuidColumns: new Set(),
    metricDict: new ByteDictionary(),
    dimDicts: [new ByteDictionary()],
    aggregate: new SeriesAggregate(3),
    counterLog: new CounterSampleLog(),
    rejected: Object.fromEntries(rejectReasons.map((r) => [r, 0])) as Record<RejectReason, number>,
    counts: { routed: 0, late: 0, ignored: 0 },
    earlierGroups: 0,
  };
}

/** A batch whose metric and zone columns are dictionary codes (zone null where `zoneValid` says 0). */
function batchOf(
  rows: { minute: number; metric: number; zone: number; value: number }[],
  metrics: string[],
  zones: string[],
  zoneValid?: number[],
): RecordBatch {
  const n = rows.length;
  const codes = (pick: (r: (typeof rows)[number]) => number): Int32Array => Int32Array.from(rows.map(pick));
  const bitmap = new Uint8Array((n + 7) >> 3);
  zoneValid?.forEach((ok, i) => (bitmap[i >> 3]! |= ok << (i & 7)));
  const dictionary = (values: string[], data: Int32Array, nullBitmap: Uint8Array | null, nullCount: number) =>
    makeVector(
      makeData({
        type: new Dictionary(new Utf8(), new Int32()),
        length: n,
        nullCount,
        nullBitmap,
        data,
        dictionary: vectorFromArray(values, new Utf8()),
      }),
    );
  const nulls = zoneValid ? zoneValid.filter((ok) => ok === 0).length : 0;
  return new Table({
    timestamp: makeVector({
      type: new TimestampMillisecond(),
      data: BigInt64Array.from(rows.map((r) => BigInt(dayStartMs + r.minute * 60_000))),
      length: n,
    }),
    metric: dictionary(
      metrics,
      codes((r) => r.metric),
      null,
      0,
    ),
    value: makeVector({ type: new Float64(), data: Float64Array.from(rows.map((r) => r.value)), length: n }),
    zone: dictionary(
      zones,
      codes((r) => r.zone),
      zoneValid ? bitmap : null,
      nulls,
    ),
  }).batches[0]!;
}

/** Each group as [hour, metric, zone, count, sum], by the file's dictionaries. */
function groupsOf(file: FileAccumulator): (string | number | null)[][] {
  const s = file.aggregate.toState();
  const metrics = file.metricDict.values();
  const zones = file.dimDicts[0]!.values();
  return Array.from({ length: s.groups }, (_, g) => [
    s.keys[g * 3]!,
    metrics[s.keys[g * 3 + 1]!]!,
    zones[s.keys[g * 3 + 2]!]!,
    s.count[g]!,
    s.sum[g]!,
  ]);
}

describe('aggregateBatch', () => {
  it('translates dictionary codes to file ids in the order the groups first use them, nulls to the null id', () => {
    const file = fileOf();
    // dictionary order differs from first use; 'unused' is never used and gets no id
    const batch = batchOf(
      [
        { minute: 0, metric: 1, zone: 2, value: 1 },
        { minute: 1, metric: 0, zone: 0, value: 2 },
        { minute: 61, metric: 1, zone: 2, value: 4 },
        { minute: 2, metric: 1, zone: 1, value: 8 },
        { minute: 3, metric: 1, zone: 2, value: 16 },
      ],
      ['mem', 'cpu'],
      ['eu', 'unused', 'us'],
      [1, 1, 1, 0, 1],
    );
    aggregateBatch(batch, file);
    assert.deepEqual(file.metricDict.values(), [null, 'cpu', 'mem']);
    assert.deepEqual(file.dimDicts[0]!.values(), [null, 'us', 'eu']);
    assert.deepEqual(groupsOf(file), [
      [0, 'cpu', 'us', 2, 17],
      [0, 'mem', 'eu', 1, 2],
      [1, 'cpu', 'us', 1, 4],
      [0, 'cpu', null, 1, 8],
    ]);
  });

  it('keeps one file id per value across batches whose dictionaries order the values differently', () => {
    const file = fileOf();
    aggregateBatch(batchOf([{ minute: 0, metric: 0, zone: 0, value: 1 }], ['cpu'], ['eu', 'us']), file);
    aggregateBatch(batchOf([{ minute: 5, metric: 0, zone: 0, value: 2 }], ['cpu'], ['us', 'eu']), file);
    aggregateBatch(batchOf([{ minute: 6, metric: 0, zone: 1, value: 4 }], ['cpu'], ['us', 'eu']), file);
    assert.deepEqual(groupsOf(file), [
      [0, 'cpu', 'eu', 2, 5],
      [0, 'cpu', 'us', 1, 2],
    ]);
  });

  it('limits distinct values as COUNT(DISTINCT) counts them: exactly the limit passes, null is no value', () => {
    const rows = [
      { minute: 0, metric: 0, zone: 0, value: 1 },
      { minute: 1, metric: 1, zone: 1, value: 2 },
      { minute: 2, metric: 1, zone: 1, value: 4 },
    ];
    const limited = (distinctValues: number): FileAccumulator => {
      const file = fileOf();
      return { ...file, spec: { ...file.spec, limits: { distinctValues, groups: 1000, valueBytes: 4096 } } };
    };
    const at = limited(2);
    aggregateBatch(batchOf(rows, ['cpu', 'mem'], ['eu', 'us'], [1, 1, 0]), at);
    assert.equal(groupsOf(at).length, 3);
    assert.throws(() => aggregateBatch(batchOf(rows, ['cpu', 'mem'], ['eu', 'us']), limited(1)), {
      name: 'LimitError',
      message: "column 'metric' has more than 1 distinct metrics",
      limit: 'distinctValues',
      dimension: undefined, // metric names: no dimension to drop
    });
  });

  it('refuses a dimension value longer than limits.valueBytes, naming the column, the length and its start', () => {
    const long = 'z'.repeat(5000);
    const rows = [
      { minute: 0, metric: 0, zone: 0, value: 1 },
      { minute: 1, metric: 0, zone: 1, value: 2 },
    ];
    const file = fileOf();
    const limited = { ...file, spec: { ...file.spec, limits: { ...file.spec.limits, valueBytes: 5000 } } };
    aggregateBatch(batchOf(rows, ['cpu'], ['eu', long]), limited); // exactly the limit passes
    const over = { ...file, spec: { ...file.spec, limits: { ...file.spec.limits, valueBytes: 4999 } } };
    assert.throws(() => aggregateBatch(batchOf(rows, ['cpu'], ['eu', long]), over), {
      name: 'LimitError',
      message: `valueBytes dimension 'zone' has a value of 5000 bytes, over 4999 ("${'z'.repeat(40)}"...)`,
    });
  });

  it('refuses a code past the dictionary that fits the key bits, naming the column and the code', () => {
    const file = fileOf();
    // 2 zone values + the null code 2: codes fit 2 bits, so code 3 passes the bit check but has no value
    const batch = batchOf(
      [
        { minute: 0, metric: 0, zone: 0, value: 1 },
        { minute: 0, metric: 0, zone: 3, value: 1 },
      ],
      ['cpu'],
      ['eu', 'us'],
    );
    assert.throws(() => aggregateBatch(batch, file), /column 'zone' expects dictionary codes below 2, got code 3/);
  });

  it('refuses a valid row holding the code one past the dictionary (the null code), with or without null rows', () => {
    const rows = [
      { minute: 0, metric: 0, zone: 0, value: 1 },
      { minute: 0, metric: 0, zone: 2, value: 1 }, // 2 zone values: code 2 names none
      { minute: 1, metric: 0, zone: 2, value: 4 },
    ];
    const refused = /column 'zone' expects dictionary codes below 2, got code 2/;
    assert.throws(() => aggregateBatch(batchOf(rows, ['cpu'], ['eu', 'us']), fileOf()), refused);
    assert.throws(() => aggregateBatch(batchOf(rows, ['cpu'], ['eu', 'us'], [1, 1, 0]), fileOf()), refused);
    const file = fileOf(); // the same code on null rows only: null zones, as the validity says
    aggregateBatch(batchOf(rows, ['cpu'], ['eu', 'us'], [1, 0, 0]), file);
    assert.deepEqual(groupsOf(file), [
      [0, 'cpu', 'eu', 1, 1],
      [0, 'cpu', null, 2, 5],
    ]);
  });
});
