import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metricKinds, validateJobConfig } from '../../../src/config/job-config.js';
import { parseJobConfig } from '../../../src/config/load-job-config.js';

/** The smallest valid job: every default left out. */
const minimal = {
  name: 'tiny',
  raw: {
    prefix: 'raw',
    columns: { timestamp: 'ts', metric: 'metric', value: 'value' },
    dimensions: ['region', 'cluster', 'topic'],
  },
  metrics: { bytes_in: { kind: 'cumulative', unit: 'bytes', description: 'bytes in' } },
  output: { prefix: 'rollup', tiers: [{ grain: 'hour' }] },
};

const cube = { dimensionsSplitOrder: ['metric', 'region', 'cluster', 'topic'] };

/** The issues of a config as `path: message`. */
function issues(config: unknown): string[] {
  const r = validateJobConfig(config);
  return r.ok ? [] : r.problems;
}

describe('validateJobConfig', () => {
  it('fills the defaults', () => {
    const c = parseJobConfig({ ...minimal, cube }, 'tiny.json');
    assert.equal(c.raw.lateArrivalHours, 2);
    assert.equal(c.unknownMetricPolicy, 'fail');
    assert.deepEqual(c.output.tiers, [{ grain: 'hour', dropDimensions: [] }]);
    assert.equal(c.output.targetFileBytes, 256 * 1024 * 1024);
    assert.equal(c.output.rowGroupRows, 131072);
    assert.deepEqual(c.output.limits, {
      distinctValues: 2_000_000,
      groups: 5_000_000,
      valueBytes: 4096,
      memoryBytes: 1024 ** 3,
    });
    assert.deepEqual(c.output.segments, { shards: 'auto' });
    assert.deepEqual(
      { ...c.cube, hierarchy: { ...c.cube?.hierarchy } },
      {
        dimensionsSplitOrder: cube.dimensionsSplitOrder,
        skipStarNodeCreationFor: ['metric'],
        maxLeafRecords: 10_000,
        hierarchy: {},
        cuboids: [],
      },
    );
    assert.equal(Object.getPrototypeOf(c.cube?.hierarchy), null, 'a record keyed by data has no prototype');
  });

  it('the metric kinds', () =>
    assert.deepEqual([...metricKinds], ['delta', 'cumulative', 'gauge', 'distribution', 'distinct']));

  const refused: [string, unknown, string][] = [
    ['no metrics', { ...minimal, metrics: {} }, 'metrics: must name at least one metric'],
    [
      'a dimension name that is not a plain column name',
      { ...minimal, raw: { ...minimal.raw, dimensions: ['a-b'] } },
      'raw.dimensions.0: must be a plain column name (letters, digits, _)',
    ],
    [
      "a row group size past the Parquet writer's 32-bit sizes (it wrapped: 2^32 + 5 wrote 5-row row groups)",
      { ...minimal, output: { ...minimal.output, rowGroupRows: 2 ** 32 + 5 } },
      'output.rowGroupRows: Invalid value: Expected <=2147483647 but received 4294967301',
    ],
    [
      'a memory budget more than a double counts exactly, as --memory refuses it',
      { ...minimal, output: { ...minimal.output, limits: { memoryBytes: 1e300 } } },
      'output.limits.memoryBytes: Invalid value: Expected <=9007199254740991 but received 1e+300',
    ],
    [
      'a retention of more days than any date holds',
      { ...minimal, raw: { ...minimal.raw, retentionDays: 1e9 } },
      'raw.retentionDays: Invalid value: Expected <=100000 but received 1000000000',
    ],
    [
      'a cube that leaves a raw dimension out (no query could group or filter by it)',
      { ...minimal, cube: { dimensionsSplitOrder: ['metric', 'cluster'] } },
      "cube.dimensionsSplitOrder: leaves out raw dimensions 'region', 'topic': every raw dimension is a level of the " +
        "cube (a tier's dropDimensions leaves one out of that tier)",
    ],
    [
      'a distinct metric without distinctOf',
      { ...minimal, metrics: { d: { kind: 'distinct', unit: 'n', description: 'd' } } },
      'metrics.d.distinctOf: a distinct metric must name the dimensions it counts',
    ],
    [
      'distinctOf on a gauge',
      { ...minimal, metrics: { g: { kind: 'gauge', unit: 'n', description: 'g', distinctOf: ['topic'] } } },
      "metrics.g.distinctOf: only distinct metrics count dimensions, 'g' is gauge",
    ],
    [
      'distinctOf an unknown dimension',
      { ...minimal, metrics: { d: { kind: 'distinct', unit: 'n', description: 'd', distinctOf: ['rack'] } } },
      "metrics.d.distinctOf.0: unknown dimension 'rack'",
    ],
    [
      'cube: an unknown split dimension',
      { ...minimal, cube: { dimensionsSplitOrder: ['metric', 'rack'] } },
      "cube.dimensionsSplitOrder.1: unknown dimension 'rack' (use 'metric' or one of region, cluster, topic)",
    ],
    [
      'cube: a split dimension twice',
      { ...minimal, cube: { dimensionsSplitOrder: ['metric', 'topic', 'topic'] } },
      "cube.dimensionsSplitOrder.2: duplicate dimension 'topic'",
    ],
    [
      'cube: skipping stars for a level not split on',
      { ...minimal, cube: { ...cube, skipStarNodeCreationFor: ['metric', 'rack'] } },
      "cube.skipStarNodeCreationFor.1: 'rack' is not in dimensionsSplitOrder",
    ],
    [
      'cube: a hierarchy parent after its child',
      { ...minimal, cube: { ...cube, hierarchy: { region: 'cluster' } } },
      "cube.hierarchy.region: parent 'cluster' must come before 'region' in dimensionsSplitOrder",
    ],
    [
      'cube: a hierarchy outside the split order',
      { ...minimal, cube: { dimensionsSplitOrder: ['metric', 'region'], hierarchy: { cluster: 'region' } } },
      "cube.hierarchy.cluster: 'cluster' under 'region': both must be in dimensionsSplitOrder",
    ],
    [
      'cube: a cuboid without the metric',
      { ...minimal, cube: { ...cube, cuboids: [{ name: 'by_region', dimensions: ['region'] }] } },
      "cube.cuboids.0.dimensions: must include 'metric': metrics of different kinds never aggregate together",
    ],
    [
      'cube: a cuboid on a level not split on',
      {
        ...minimal,
        cube: { dimensionsSplitOrder: ['metric', 'region'], cuboids: [{ name: 'c', dimensions: ['metric', 'topic'] }] },
      },
      "cube.cuboids.0.dimensions.1: 'topic' is not in dimensionsSplitOrder",
    ],
    [
      'cube: two cuboids of one name',
      {
        ...minimal,
        cube: {
          ...cube,
          cuboids: [
            { name: 'c', dimensions: ['metric'] },
            { name: 'c', dimensions: ['metric', 'topic'] },
          ],
        },
      },
      "cube.cuboids.1.name: duplicate cuboid name 'c'",
    ],
    ['cube: maxLeafRecords 0', { ...minimal, cube: { ...cube, maxLeafRecords: 0 } }, 'cube.maxLeafRecords: '],
    [
      'lateArrivalHours beyond a day',
      { ...minimal, raw: { ...minimal.raw, lateArrivalHours: 25 } },
      'raw.lateArrivalHours: ',
    ],
    [
      'cube: a dimension its own parent (the run recursed without end)',
      { ...minimal, cube: { ...cube, hierarchy: { cluster: 'cluster' } } },
      "cube.hierarchy.cluster: 'cluster' cannot be its own parent",
    ],
    [
      'a dimension named like a partition folder key (DuckDB took the folder value for it)',
      { ...minimal, raw: { ...minimal.raw, dimensions: ['region', 'dt'] } },
      "raw.dimensions.1: dimension 'dt' has the name of a partition folder's key",
    ],
    [
      'tiers without the hour tier',
      { ...minimal, output: { ...minimal.output, tiers: [{ grain: 'day' }] } },
      'output.tiers: needs the hour tier',
    ],
    [
      'two tiers of one grain',
      { ...minimal, output: { ...minimal.output, tiers: [{ grain: 'hour' }, { grain: 'hour' }] } },
      'output.tiers.1.grain: a second hour tier',
    ],
    [
      'dimensions dropped by the hour tier (they were kept without a word)',
      { ...minimal, output: { ...minimal.output, tiers: [{ grain: 'hour', dropDimensions: ['topic'] }] } },
      'output.tiers.0.dropDimensions: the hour tier keeps every dimension',
    ],
    [
      'a dimension dropped twice',
      {
        ...minimal,
        output: { ...minimal.output, tiers: [{ grain: 'hour' }, { grain: 'day', dropDimensions: ['topic', 'topic'] }] },
      },
      "output.tiers.1.dropDimensions.1: 'topic' is listed twice",
    ],
    [
      'a cuboid naming a dimension twice',
      { ...minimal, cube: { ...cube, cuboids: [{ name: 'c', dimensions: ['metric', 'topic', 'topic'] }] } },
      "cube.cuboids.0.dimensions.2: 'topic' is listed twice",
    ],
    [
      'skipStarNodeCreationFor naming a dimension twice',
      { ...minimal, cube: { ...cube, skipStarNodeCreationFor: ['metric', 'metric'] } },
      "cube.skipStarNodeCreationFor.1: 'metric' is listed twice",
    ],
    [
      'distinctOf naming a dimension twice',
      {
        ...minimal,
        metrics: { online: { kind: 'distinct', unit: 'x', description: 'x', distinctOf: ['topic', 'topic'] } },
      },
      "metrics.online.distinctOf.1: 'topic' is listed twice",
    ],
    [
      "a cube whose split order lacks 'metric' (the day tier and every query need it)",
      { ...minimal, cube: { dimensionsSplitOrder: ['region', 'cluster'], skipStarNodeCreationFor: [] } },
      "cube.dimensionsSplitOrder: must include 'metric'",
    ],
    [
      'a metric named twice in patterns.networkBytes (facts would add it twice)',
      {
        ...minimal,
        metrics: { rx: { kind: 'delta', unit: 'bytes', description: 'rx' } },
        patterns: { networkBytes: ['rx', 'rx'], load: 'rx', storage: 'rx', requests: 'rx' },
      },
      "patterns.networkBytes.1: 'rx' is listed twice",
    ],
    [
      "a dimension named like an output column in another case ('Count', read as count by SQL engines)",
      { ...minimal, raw: { ...minimal.raw, dimensions: ['region', 'Count'] } },
      "raw.dimensions.1: dimension 'Count' has the name of an output column",
    ],
    [
      "a dimension named like a partition folder's key in another case ('DT')",
      { ...minimal, raw: { ...minimal.raw, dimensions: ['region', 'DT'] } },
      "raw.dimensions.1: dimension 'DT' has the name of a partition folder's key",
    ],
    [
      "a metric spelled with the marker of a value's hex form, which no raw metric is read as",
      { ...minimal, metrics: { 'hex:41': { kind: 'gauge', unit: 'x', description: 'x' } } },
      "metrics.hex:41: no raw metric is ever read as this name: it starts with 'hex:', which marks the hex digits of " +
        "a value's bytes: a raw value spelled 'hex:41' is read as 'hex:6865783a3431'",
    ],
    [
      'two dimensions that differ only in case',
      { ...minimal, raw: { ...minimal.raw, dimensions: ['topic', 'Topic'] } },
      "raw.dimensions.1: dimension 'Topic' differs from 'topic' only in case",
    ],
    [
      'the value column named as the metric column',
      { ...minimal, raw: { ...minimal.raw, columns: { timestamp: 'ts', metric: 'metric', value: 'Metric' } } },
      "raw.columns.value: column 'Metric' is also the metric column",
    ],
  ];
  for (const [name, config, issue] of refused) {
    it(`refuses ${name}`, () => {
      const got = issues(config);
      assert.ok(
        got.some((i) => i.startsWith(issue)),
        `${issue} not in ${JSON.stringify(got)}`,
      );
    });
  }

  it("a metric named as the hex form of a raw metric's bytes is accepted", () => {
    const metric = { kind: 'gauge', unit: 'x', description: 'x' };
    assert.deepEqual(issues({ ...minimal, metrics: { 'hex:6865783a3431': metric, 'hex:ff': metric } }), []);
  });

  it('a hierarchy in split order is accepted', () => {
    assert.deepEqual(
      issues({
        ...minimal,
        cube: {
          ...cube,
          hierarchy: { cluster: 'region' },
          cuboids: [{ name: 'by_cluster', dimensions: ['metric', 'cluster'] }],
        },
      }),
      [],
    );
  });
});
