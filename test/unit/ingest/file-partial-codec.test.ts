import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FilePartial } from '../../../src/ingest/aggregate-raw-file.js';
import { decodeFilePartial, encodeFilePartial, partialKey } from '../../../src/ingest/file-partial-codec.js';
import type { RawFileSpec } from '../../../src/ingest/raw-file-spec.js';
import { rejectReasons, type RejectReason } from '../../../src/ingest/reject-reason.js';

const rejected = Object.fromEntries(rejectReasons.map((r, i) => [r, i])) as Record<RejectReason, number>;

/** A partial with every field set to something recognizable: two groups of width 3, three counter samples. */
const sample: FilePartial = {
  key: 'raw/dt=2026-11-24/hr=05/part-1.parquet',
  role: 'own',
  state: {
    groups: 2,
    width: 3,
    keys: Int32Array.of(5, 1, 2, 5, 2, 0),
    count: Float64Array.of(3, 1),
    sum: Float64Array.of(0.1 + 0.2, -4),
    min: Float64Array.of(-1e300, -4),
    max: Float64Array.of(1e300, -4),
    last: Float64Array.of(2.5, -4),
    lastTime: Float64Array.of(3_599_999_999_999, 7),
    first: Float64Array.of(-0, -4),
    firstTime: Float64Array.of(0, 7),
  },
  counterSamples: {
    group: Int32Array.of(0, 0, 1),
    time: Float64Array.of(1, 2, 3),
    value: Float64Array.of(10, 5, 2 ** 53),
  },
  metrics: [null, 'cpu', 'constructor'],
  dimensionValues: [[null, 'é', ''], [null]],
  rowsRead: 12,
  rejected,
  routed: 1,
  late: 0,
  ignored: 2,
  missingDimensions: ['zone'],
};

describe('file partial codec', () => {
  it('round trip: every field and every bit of every number comes back', () => {
    const back = decodeFilePartial(encodeFilePartial(sample), 'x.partial');
    assert.deepEqual(back, sample);
    assert.ok(Object.is(back.state.first[0], -0));
  });

  it('round trip of an empty partial (no groups, no samples)', () => {
    const empty: FilePartial = {
      ...sample,
      state: {
        groups: 0,
        width: 2,
        keys: new Int32Array(0),
        count: new Float64Array(0),
        sum: new Float64Array(0),
        min: new Float64Array(0),
        max: new Float64Array(0),
        last: new Float64Array(0),
        lastTime: new Float64Array(0),
        first: new Float64Array(0),
        firstTime: new Float64Array(0),
      },
      counterSamples: { group: new Int32Array(0), time: new Float64Array(0), value: new Float64Array(0) },
    };
    assert.deepEqual(decodeFilePartial(encodeFilePartial(empty), 'x.partial'), empty);
  });

  it('decodes from a view at an odd offset of a larger buffer', () => {
    const bytes = encodeFilePartial(sample);
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    assert.deepEqual(decodeFilePartial(padded.subarray(3), 'x.partial'), sample);
  });

  describe('refuses damaged bytes', () => {
    const bytes = encodeFilePartial(sample);
    const damaged = (f: (b: Uint8Array) => Uint8Array): Uint8Array => f(bytes.slice());
    it('another magic (another format), naming the source', () => {
      const text = new TextDecoder().decode(bytes);
      const changed = new TextEncoder().encode(
        text.replace('telemetry-rollup/file-partial/2 ', 'telemetry-rollup/file-partial/1 '),
      );
      assert.throws(
        () => decodeFilePartial(changed, 'shards/a.partial'),
        /shard partial shards\/a\.partial is not a telemetry-rollup\/file-partial\/2 file/,
      );
    });
    it('one flipped byte in the payload (the sha256 no longer matches), naming the source', () => {
      const flipped = damaged((b) => {
        b[b.length - 1] = b[b.length - 1]! ^ 0xff;
        return b;
      });
      assert.throws(() => decodeFilePartial(flipped, 'shards/a.partial'), /shard partial shards\/a\.partial /);
    });
    it('bytes appended, naming the source', () => {
      const longer = new Uint8Array(bytes.length + 8);
      longer.set(bytes);
      assert.throws(() => decodeFilePartial(longer, 'shards/a.partial'), /shard partial shards\/a\.partial /);
    });
    for (const cut of [1, 8, 100])
      it(`truncated by ${cut} bytes`, () =>
        assert.throws(() =>
          decodeFilePartial(
            damaged((b) => b.subarray(0, b.length - cut)),
            'shards/a.partial',
          ),
        ));
    it('a header that is not JSON', () =>
      assert.throws(() =>
        decodeFilePartial(
          damaged((b) => b.fill(0x7b, 0, 2)),
          'shards/a.partial',
        ),
      ));
    it('no bytes at all', () => assert.throws(() => decodeFilePartial(new Uint8Array(0), 'shards/a.partial')));
  });
});

describe('partialKey', () => {
  const spec: RawFileSpec = {
    timestampColumn: 'ts',
    metricColumn: 'metric',
    valueColumn: 'value',
    dimensions: ['zone'],
    dayStartMs: Date.UTC(2026, 10, 24),
    role: 'own',
    routesPreviousDay: true,
    limits: { groups: 10, distinctValues: 10, valueBytes: 4096 },
    sampledMetrics: ['bytes_in_total'],
    distributionMetrics: [],
  };
  const input = { key: 'raw/dt=2026-11-24/hr=05/part-1.parquet', size: 1234, etag: '"abc"' };
  const key = partialKey('rollup/dt=2026-11-24/', input, spec, 'sha256:c0ffee');

  it('lives under the partition prefix in _shards/, named by 32 hex digits', () => {
    assert.match(key, /^rollup\/dt=2026-11-24\/_shards\/[0-9a-f]{32}\.v[0-9A-Za-z._-]+\.partial$/);
  });

  it('is the same for the same input, spec and config', () => {
    assert.equal(partialKey('rollup/dt=2026-11-24/', { ...input }, { ...spec }, 'sha256:c0ffee'), key);
  });

  const changes: [string, () => string][] = [
    ['another size', () => partialKey('rollup/dt=2026-11-24/', { ...input, size: 1235 }, spec, 'sha256:c0ffee')],
    ['another etag', () => partialKey('rollup/dt=2026-11-24/', { ...input, etag: '"abd"' }, spec, 'sha256:c0ffee')],
    ['an mtime', () => partialKey('rollup/dt=2026-11-24/', { ...input, mtimeMs: 1 }, spec, 'sha256:c0ffee')],
    [
      'another key',
      () =>
        partialKey(
          'rollup/dt=2026-11-24/',
          { ...input, key: 'raw/dt=2026-11-24/hr=05/part-2.parquet' },
          spec,
          'sha256:c0ffee',
        ),
    ],
    ['another role', () => partialKey('rollup/dt=2026-11-24/', input, { ...spec, role: 'late' }, 'sha256:c0ffee')],
    [
      'other sampled metrics',
      () => partialKey('rollup/dt=2026-11-24/', input, { ...spec, sampledMetrics: [] }, 'sha256:c0ffee'),
    ],
    ['another config', () => partialKey('rollup/dt=2026-11-24/', input, spec, 'sha256:c0ffef')],
  ];
  for (const [name, other] of changes) it(`changes with ${name}`, () => assert.notEqual(other(), key));
});

describe('decodeFilePartial of a Buffer from the pool', () => {
  it('reads the arrays of a small partial handed over as a pooled Buffer (a view with an offset)', () => {
    const sealed = encodeFilePartial(sample);
    const pooled = Buffer.from(sealed); // small Buffers share one pool: byteOffset > 0 in general
    const padded = Buffer.concat([Buffer.alloc(3), pooled]).subarray(3);
    for (const bytes of [pooled, padded]) {
      const decoded = decodeFilePartial(bytes, 'pooled');
      assert.deepEqual([...decoded.state.sum], [...sample.state.sum]);
      assert.deepEqual([...decoded.state.keys], [...sample.state.keys]);
      assert.deepEqual([...decoded.counterSamples.value], [...sample.counterSamples.value]);
    }
  });
});
