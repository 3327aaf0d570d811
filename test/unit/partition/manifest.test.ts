import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { rejectReasons, type RejectReason } from '../../../src/ingest/reject-reason.js';
import {
  manifestFormatVersion,
  parseManifest,
  parseManifestHead,
  type Manifest,
} from '../../../src/partition/manifest.js';
import { fileSignaturesOf } from '../../../src/partition/day-tier-source.js';
import { serializeManifest } from '../../../src/partition/manifest-layout.js';
import { ManifestUnreadableError, readManifestHead } from '../../../src/partition/committed-manifest.js';
import { SegmentList } from '../../../src/partition/segment-list.js';
import { runFields } from '../../helpers/manifest-run-fields.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { NotFoundError } from '../../../src/storage/storage-error.js';

const sha = 'ab'.repeat(32);
const rejected = Object.fromEntries(rejectReasons.map((r) => [r, r === 'null_value' ? 2 : 0])) as Record<
  RejectReason,
  number
>;

/** A complete manifest, as a run writes it. */
const manifest: Manifest = {
  ...runFields,
  inputs: [
    { key: 'raw/dt=2026-11-24/hr=00/a.parquet', size: 100, etag: '"e1"' },
    { key: 'raw/dt=2026-11-25/hr=00/b.parquet', size: 5, mtimeMs: 1.5, late: true },
  ],
  outputs: [{ key: 'rollup/dt=2026-11-24/part-0.parquet', rows: 10, bytes: 999, sha256: sha }],
  rows: { in: 20, late: 2, routed: 1, accepted: 19, out: 10, rejected },
  unknownMetrics: { mystery: 3 },
  missingDimensions: [{ key: 'raw/dt=2026-11-24/hr=00/a.parquet', columns: ['zone'] }],
};

const bytesOf = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
const key = 'rollup/dt=2026-11-24/_manifest.json';
// biome-ignore lint/suspicious/noExplicitAny: test-only deep patching of a JSON document
type Json = Record<string, any>;
const withChange = (patch: (m: Json) => void): Uint8Array => {
  const copy = structuredClone(manifest) as Json;
  patch(copy);
  return bytesOf(copy);
};

describe('parseManifest', () => {
  it('reads a valid manifest as written, its data-keyed records without a prototype', () => {
    const parsed = parseManifest(serializeManifest(manifest), key);
    assert.deepEqual({ ...parsed, unknownMetrics: { ...parsed.unknownMetrics } }, manifest);
    assert.equal(Object.getPrototypeOf(parsed.unknownMetrics), null);
  });

  it('fills the row counts added later (late, routed) with 0 in older manifests', () => {
    const old = withChange((m) => {
      delete m.rows.late;
      delete m.rows.routed;
    });
    assert.deepEqual(parseManifest(old, key).rows, { in: 20, late: 0, routed: 0, accepted: 19, out: 10, rejected });
  });

  it('reads a reject reason added later (negative_distribution_value) as 0 in older manifests', () => {
    const old = withChange((m) => delete m.rows.rejected.negative_distribution_value);
    assert.equal(parseManifest(old, key).rows.rejected.negative_distribution_value, 0);
    assert.deepEqual(parseManifest(old, key).rows.rejected, rejected);
  });

  const refused: [string, () => Uint8Array, RegExp][] = [
    [
      'a missing reject reason',
      () => withChange((m) => delete m.rows.rejected.nan_value),
      /is invalid: rows\.rejected/,
    ],
    ['empty bytes', () => new Uint8Array(0), /manifest rollup\/dt=2026-11-24\/_manifest\.json is not valid JSON/],
    [
      'truncated',
      () => serializeManifest(manifest).subarray(0, 200),
      /manifest rollup\/dt=2026-11-24\/_manifest\.json is not valid JSON/,
    ],
    ['JSON null', () => bytesOf(null), /manifest rollup\/dt=2026-11-24\/_manifest\.json is invalid: \(root\)/],
    ['an array', () => bytesOf([]), /manifest rollup\/dt=2026-11-24\/_manifest\.json is invalid: \(root\)/],
    [
      'unknown formatVersion',
      () => withChange((m) => (m.formatVersion = 2)),
      /manifest rollup\/dt=2026-11-24\/_manifest\.json is invalid: formatVersion/,
    ],
    ['no formatVersion', () => withChange((m) => delete m.formatVersion), /is invalid: formatVersion/],
    ['a missing key', () => withChange((m) => delete m.runId), /is invalid: runId/],
    ['a count of the wrong type', () => withChange((m) => (m.rows.in = '20')), /is invalid: rows\.in/],
    ['a negative input size', () => withChange((m) => (m.inputs[1].size = -1)), /is invalid: inputs\.1\.size/],
    ['a bad sha256', () => withChange((m) => (m.outputs[0].sha256 = 'xyz')), /is invalid: outputs\.0\.sha256/],
    ['an unknown grain', () => withChange((m) => (m.grain = 'week')), /is invalid: grain/],
    ['an unknown reject reason', () => withChange((m) => (m.rows.rejected.gremlins = 1)), /is invalid: rows\.rejected/],
    [
      'late: false (only true is written)',
      () => withChange((m) => (m.inputs[0].late = false)),
      /is invalid: inputs\.0\.late/,
    ],
    ['an unknown key at the top', () => withChange((m) => (m.extra = 1)), /is invalid: \(root\): Unrecognized key/],
    ['an unknown key inside', () => withChange((m) => (m.tool.build = 'x')), /is invalid: tool: Unrecognized key/],
  ];
  for (const [name, bytes, message] of refused)
    it(`refuses ${name}, naming the key and the field`, () =>
      assert.throws(() => parseManifest(bytes(), key), message));

  it('names at most five problems', () => {
    const many = withChange((m) => {
      for (const k of ['runId', 'date', 'createdAt', 'configHash', 'dimensions', 'sortOrder', 'inputs']) delete m[k];
    });
    assert.throws(
      () => parseManifest(many, key),
      (e: unknown) => {
        const message = (e as Error).message;
        assert.equal(message.split('; ').length, 5, message);
        return true;
      },
    );
  });
});

describe('serializeManifest', () => {
  it('writes indented JSON with a final newline, keys in the order given', () => {
    const text = new TextDecoder().decode(serializeManifest(manifest));
    assert.ok(
      text.startsWith('{\n  "formatVersion": 1,\n  "tool": {\n    "name": "telemetry-rollup",'),
      text.slice(0, 80),
    );
    assert.ok(text.endsWith('}\n'));
  });

  it('the same manifest gives the same bytes', () => {
    assert.deepEqual(serializeManifest(structuredClone(manifest)), serializeManifest(manifest));
  });

  it('the format version is 1', () => assert.equal(manifestFormatVersion, 1));
});

describe('parseManifest: per-input hours and rows, partial days', () => {
  const hourly = (patch: (m: Json) => void): Uint8Array =>
    withChange((m) => {
      m.inputs[0].hours = [0, 23];
      m.inputs[0].rows = { read: 20, late: 0, routed: 1, rejected: { null_value: 2 }, unknownMetrics: { mystery: 3 } };
      m.hourFolders = [0, 5];
      patch(m);
    });
  it('reads the hours and rows of an input and the hour folders of a partial day; older manifests lack them', () => {
    const parsed = parseManifest(
      hourly(() => {}),
      key,
    );
    assert.deepEqual(parsed.inputs[0]?.hours, [0, 23]);
    assert.deepEqual(parsed.inputs[0]?.rows?.rejected, { null_value: 2 });
    assert.equal(parsed.inputs[0]?.rows?.unknownMetrics?.mystery, 3);
    assert.deepEqual(parsed.hourFolders, [0, 5]);
    const older = parseManifest(serializeManifest(manifest), key);
    assert.equal(older.inputs[0]?.hours, undefined);
    assert.equal(older.hourFolders, undefined);
  });
  it('refuses an hour outside 0-23, a zero or unknown rejection reason and a stray field', () => {
    for (const [patch, problem] of [
      [(m: Json) => (m.inputs[0].hours = [24]), /inputs\.0\.hours\.0/],
      [(m: Json) => (m.hourFolders = [-1]), /hourFolders\.0/],
      [(m: Json) => (m.inputs[0].rows.rejected = { null_value: 0 }), /inputs\.0\.rows\.rejected\.null_value/],
      [(m: Json) => (m.inputs[0].rows.rejected = { bad_row: 1 }), /inputs\.0\.rows\.rejected/],
      [(m: Json) => (m.inputs[0].rows.accepted = 1), /inputs\.0\.rows/],
    ] as const)
      assert.throws(() => parseManifest(hourly(patch), key), problem);
  });
});

describe('parseManifestHead and SegmentList: a query checks only the segments it takes', () => {
  const segment = (hour: number | null, shard: number): Json => ({
    hour,
    shard,
    rows: 10,
    accepted: 19,
    stats: { metric: { min: 'cpu', max: 'mem', nulls: false }, zone: { min: null, max: null, nulls: true } },
    outputs: [{ key: `rollup/dt=2026-11-24/part-h${hour}-s${shard}.parquet`, rows: 10, bytes: 999, sha256: sha }],
  });
  const segmented = (list: Json[]): Uint8Array =>
    withChange((m) => {
      m.segments = { partitionDimension: 'zone', shards: 2, hash: 'fnv1a32-fmix32', list };
    });
  const hourKey = 'rollup/hour/dt=2026-11-24/_manifest.json';
  const unreadable = (problem: string): Error => new Error(`unreadable: ${problem}`);
  const headOf = (bytes: Uint8Array) => {
    const parsed = parseManifestHead(bytes, hourKey);
    if (parsed.kind !== 'segments') throw new Error(`expected a manifest with segments, got ${parsed.kind}`);
    return parsed;
  };
  const listOf = (bytes: Uint8Array): SegmentList => {
    const { manifest: head, rawSegments } = headOf(bytes);
    return SegmentList.unchecked(head.segments, rawSegments, hourKey, unreadable);
  };

  it('checks every field but the segment list, and each segment as parseManifest does', () => {
    const bytes = segmented([segment(0, 0), segment(0, 1), segment(5, 0), segment(23, 1)]);
    const whole = parseManifest(bytes, hourKey);
    const { manifest: head, rawSegments } = headOf(bytes);
    const { segments: layout, inputs, outputs, missingDimensions, ...rest } = whole;
    const { list, ...layoutOnly } = layout!;
    assert.deepEqual(head, { ...rest, segments: layoutOnly }, 'without the lists a query never reads');
    assert.ok(inputs.length > 0 && outputs.length > 0 && missingDimensions.length > 0);
    const segments = SegmentList.unchecked(head.segments, rawSegments, hourKey, unreadable);
    assert.equal(segments.length, 4);
    assert.deepEqual(segments.all(), list);
    assert.deepEqual(segments.ofHours(0, 6), list.slice(0, 3));
    assert.deepEqual(segments.ofHours(6, 24), list.slice(3));
    assert.equal(segments.at(2), segments.ofHours(5, 6)[0], 'a segment is checked once and keeps its identity');
  });

  it('refuses key ranges and metric totals of the wrong shape, naming the segment, the key, the field and the value', () => {
    const totals = { count: 3, sum: 1.5, min: 0, max: 1, lastSum: 1, increase: null };
    const withCube = (cube: Json): Json => ({
      ...segment(2, 0),
      cube: {
        tree: { key: 'rollup/t.bin', bytes: 1, sha256: sha, nodes: 1, records: 1, baseRecords: 1 },
        records: [],
        cuboidFiles: [],
        recordsByGroupingId: {},
        ...cube,
      },
    });
    const ok = parseManifest(segmented([withCube({ metricTotals: { cpu: totals, constructor: totals } })]), hourKey);
    assert.deepEqual(ok.segments!.list[0]!.cube!.metricTotals!.cpu, totals);
    assert.deepEqual(Object.keys(ok.segments!.list[0]!.cube!.metricTotals!), ['cpu', 'constructor']);
    assert.equal(Object.getPrototypeOf(ok.segments!.list[0]!.cube!.metricTotals), null, 'keyed by data: no prototype');
    assert.equal(Object.getPrototypeOf(ok.segments!.list[0]!.stats), null);
    for (const [bad, problem] of [
      [
        withCube({ metricTotals: { cpu: { ...totals, sum: '1.5' } } }),
        /list\.0\.cube\.metricTotals: cpu\.sum must be a number, got "1\.5"/,
      ],
      [withCube({ metricTotals: { cpu: { ...totals, count: null } } }), /cpu\.count must be a number, got null/],
      [withCube({ metricTotals: { cpu: { ...totals, extra: 1 } } }), /cpu has an unknown key "extra"/],
      [withCube({ metricTotals: { cpu: { count: 1 } } }), /cpu\.sum must be a number, got nothing/],
      [withCube({ metricTotals: [totals] }), /metricTotals: must be a JSON object of metric: totals/],
      [
        { ...segment(2, 0), stats: { zone: { min: 1, max: null, nulls: true } } },
        /stats: zone\.min must be a string or null, got 1/,
      ],
      [{ ...segment(2, 0), stats: { zone: 'a-z' } }, /stats: zone must be \{min, max, nulls\}, got "a-z"/],
    ] as const)
      assert.throws(() => parseManifest(segmented([bad]), hourKey), problem);
  });

  it('a bad segment fails the reader that takes it, naming the manifest, the segment and the field', () => {
    const bad = segment(5, 1);
    bad.stats.zone.nulls = 'yes';
    const bytes = segmented([segment(0, 0), bad, segment(6, 0)]);
    assert.throws(
      () => parseManifest(bytes, hourKey),
      /segments\.list\.1\.stats: zone\.nulls must be a boolean, got "yes"/,
    );
    const segments = listOf(bytes);
    assert.deepEqual(
      segments.ofHours(0, 1).map((s) => [s.hour, s.shard]),
      [[0, 0]],
    );
    assert.deepEqual(
      segments.ofHours(6, 7).map((s) => [s.hour, s.shard]),
      [[6, 0]],
      'a segment of no hour asked for is not checked',
    );
    assert.throws(
      () => segments.ofHours(5, 6),
      /^Error: unreadable: manifest rollup\/hour\/dt=2026-11-24\/_manifest\.json is invalid: segments\.list\.1\.stats: zone\.nulls must be a boolean/,
    );
    assert.throws(() => segments.all(), /segments\.list\.1\./);
    // a segment whose hour is no hour cannot be told apart: every reader of hours checks it
    const wrongHour = segment(7, 0);
    wrongHour.hour = 24;
    const listed = listOf(segmented([segment(0, 0), wrongHour]));
    assert.throws(() => listed.ofHours(0, 1), /segments\.list\.1\.hour: Invalid value: Expected <=23 but received 24/);
  });

  it('picks the segments of some hours and shards, checking only those, and counts every segment of the hours', () => {
    const bad = segment(5, 1);
    bad.stats.zone.nulls = 'yes';
    const bytes = segmented([segment(0, 0), segment(0, 1), segment(5, 0), bad, segment(null, 0), segment(null, 1)]);
    const segments = listOf(bytes);
    const picked = segments.pick([5, 6], new Set([0]));
    assert.deepEqual(
      picked.segments.map((s) => [s.hour, s.shard]),
      [
        [5, 0],
        [null, 0],
      ],
      'shard 1 of hour 5 (damaged) is not checked',
    );
    assert.equal(picked.ofTheHours, 4, 'hour 5 in both shards, and the two segments of no hour');
    const dayUnits = segments.pick(undefined, new Set([0]));
    assert.deepEqual(
      dayUnits.segments.map((s) => [s.hour, s.shard]),
      [
        [0, 0],
        [5, 0],
        [null, 0],
      ],
    );
    assert.equal(dayUnits.ofTheHours, 6);
    assert.throws(() => segments.pick([5, 6], new Set([1])), /segments\.list\.3\.stats: zone\.nulls must be a boolean/);
    assert.throws(() => segments.pick([5, 6], undefined), /segments\.list\.3\./, 'every shard: the damaged one too');
    // a segment whose shard is no shard cannot be told apart: every pick of its hours checks it
    const wrongShard = segment(0, 0);
    wrongShard.shard = -1;
    const listed = listOf(segmented([segment(0, 0), wrongShard]));
    assert.throws(() => listed.pick([0, 1], new Set([0])), /segments\.list\.1\.shard/);
  });

  it('leaves the lists a query never reads unchecked; a manifest from before segments is checked whole', () => {
    const badOutput = segmented([segment(0, 0)]);
    const json = JSON.parse(new TextDecoder().decode(badOutput)) as Json;
    json.outputs[0].sha256 = 'xyz';
    json.inputs = 'not a list';
    const bytes = bytesOf(json);
    assert.throws(() => parseManifest(bytes, hourKey), /outputs/);
    assert.equal(headOf(bytes).manifest.runId, 'run-7');
    const before = parseManifestHead(serializeManifest(manifest), hourKey);
    assert.equal(before.kind, 'legacy');
    assert.deepEqual(before.kind === 'legacy' && before.whole, parseManifest(serializeManifest(manifest), hourKey));
    assert.throws(
      () =>
        parseManifestHead(
          withChange((m) => (m.outputs[0].sha256 = 'xyz')),
          hourKey,
        ),
      /outputs\.0/,
    );
  });

  it('keeps the signatures of the input and output lists it does not check: the same as the whole manifest gives', () => {
    const line = (k: string, tag: string): string => `${k} ${tag}`;
    for (const bytes of [segmented([segment(0, 0)]), serializeManifest(manifest)]) {
      const head = parseManifestHead(bytes, hourKey);
      assert.deepEqual(head.signatures, fileSignaturesOf(parseManifest(bytes, hourKey)));
    }
    const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
    assert.deepEqual(parseManifestHead(serializeManifest(manifest), hourKey).signatures, {
      inputs: sha256(
        [line('raw/dt=2026-11-24/hr=00/a.parquet', '"e1"'), line('raw/dt=2026-11-25/hr=00/b.parquet', '')].join('\n'),
      ),
      outputs: sha256(line('rollup/dt=2026-11-24/part-0.parquet', sha)),
    });
    const noSha = segmented([segment(0, 0)]);
    const json = JSON.parse(new TextDecoder().decode(noSha)) as Json;
    json.outputs[0].sha256 = 7;
    assert.throws(
      () => parseManifestHead(bytesOf(json), hourKey),
      /is invalid: outputs\.0 needs a string key and sha256/,
    );
  });

  it('refuses a segment list that is not an array, or segments whose layout is wrong, at once', () => {
    const notArray = withChange((m) => {
      m.segments = { partitionDimension: 'zone', shards: 2, hash: 'fnv1a32-fmix32', list: {} };
    });
    assert.throws(() => parseManifestHead(notArray, hourKey), /is invalid: segments\.list/);
    const badShards = withChange((m) => {
      m.segments = { partitionDimension: 'zone', shards: 0, hash: 'fnv1a32-fmix32', list: [] };
    });
    assert.throws(() => parseManifestHead(badShards, hourKey), /is invalid: segments\.shards/);
  });

  it('through readManifestHead: an unreadable manifest or segment says how to rebuild the day', async () => {
    const bad = segment(5, 1);
    bad.rows = -1;
    const objects = new Map([[hourKey, segmented([segment(0, 0), bad])]]);
    const store = {
      get: async (k: string) => {
        const bytes = objects.get(k);
        if (bytes === undefined) throw new NotFoundError(k, 'memory');
        return bytes;
      },
    } as Pick<ObjectStore, 'get'> as ObjectStore;
    assert.equal(await readManifestHead(store, 'rollup/hour/dt=2026-11-25/_manifest.json'), undefined);
    const read = await readManifestHead(store, hourKey);
    assert.equal(read!.segments.ofHours(0, 1).length, 1);
    assert.throws(
      () => read!.segments.ofHours(0, 24),
      (e: unknown) =>
        e instanceof ManifestUnreadableError &&
        /segments\.list\.1\.rows: .*run `telemetry-rollup run --date 2026-11-24`/.test(e.message),
    );
    objects.set(hourKey, new Uint8Array(0));
    await assert.rejects(readManifestHead(store, hourKey), (e: unknown) => e instanceof ManifestUnreadableError);
  });
});
