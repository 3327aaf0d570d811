import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { rejectReasons, type RejectReason } from '../../../src/ingest/reject-reason.js';
import { parseManifest, type Manifest, type ManifestSegment } from '../../../src/partition/manifest.js';
import { hourTotalsOf } from '../../../src/partition/hour-totals.js';
import { headOf, serializeManifest, type ManifestLayout } from '../../../src/partition/manifest-layout.js';
import { openManifestParts } from '../../../src/partition/manifest-parts.js';
import type { GetOptions, ObjectStore, ObjectVersion } from '../../../src/storage/object-store.js';
import { NotFoundError, ObjectChangedError, StorageError } from '../../../src/storage/storage-error.js';
import { runFields } from '../../helpers/manifest-run-fields.js';

const sha = 'cd'.repeat(32);
const rejected = Object.fromEntries(rejectReasons.map((r) => [r, 0])) as Record<RejectReason, number>;
const key = 'rollup/hour/dt=2026-11-24/_manifest.json';

/** A segment of `hour` and `shard` whose statistics hold `value` (any text: the offsets are bytes, not characters). */
function segmentOf(hour: number | null, shard: number, value: string): ManifestSegment {
  const file = (kind: string) => ({
    key: `rollup/hour/dt=2026-11-24/${kind}-h${hour}-s${shard}.parquet`,
    rows: 4,
    bytes: 90,
    sha256: sha,
  });
  return {
    hour,
    shard,
    rows: 4,
    accepted: 9,
    stats: { metric: { min: 'cpu', max: 'mem', nulls: false }, zone: { min: value, max: `${value}~`, nulls: false } },
    outputs: [file('part')],
    cube: {
      tree: {
        key: `rollup/hour/dt=2026-11-24/star-tree-h${hour}-s${shard}.bin`,
        bytes: 90,
        sha256: sha,
        nodes: 3,
        records: 6,
        baseRecords: 4,
      },
      records: [file('star-tree-records')],
      cuboidFiles: [file('cuboids')],
      recordsByGroupingId: { '0': 4, '2': 2 },
    },
  };
}

/** A manifest of `list`'s segments, its cube's and outputs' lists as a run writes them. */
function manifestOf(list: readonly ManifestSegment[], unknownMetric = 'mystery'): Manifest {
  return {
    ...runFields,
    inputs: [{ key: 'raw/dt=2026-11-24/hr=00/a.parquet', size: 100, etag: 'e1', hours: [0] }],
    outputs: list.flatMap((s) => s.outputs),
    rows: { in: 20, late: 0, routed: 0, accepted: 19, out: 10, rejected },
    unknownMetrics: { [unknownMetric]: 3 },
    missingDimensions: [],
    cube: {
      spec: {
        dimensionsSplitOrder: ['metric', 'zone'],
        skipStarNodeCreationFor: [],
        maxLeafRecords: 10,
        hierarchy: {},
        cuboids: [{ name: 'metric_zone', dimensions: ['metric', 'zone'] }],
      },
      records: list.flatMap((s) => s.cube?.records ?? []),
      cuboids: [{ name: 'metric_zone', dimensions: ['metric', 'zone'], groupingId: 0, rows: 4 }],
      cuboidFiles: list.flatMap((s) => s.cube?.cuboidFiles ?? []),
      recordsByGroupingId: { '0': 4 },
    },
    segments: { partitionDimension: 'zone', shards: 4, hash: 'fnv1a32-fmix32', list: [...list] },
    hourTotals: hourTotalsOf(list),
  };
}

const utf8 = (bytes: Uint8Array, [from, to]: readonly [number, number]): string =>
  Buffer.from(bytes.subarray(from, to)).toString('utf8');
const jsonCopy = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

/** Every part a layout locates, read from `bytes` as a reader does, against the manifest written. */
function checkLayout(m: Manifest, bytes: Uint8Array): void {
  const whole = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown> & { layout: ManifestLayout };
  const { layout, ...data } = whole;
  assert.deepEqual(data, jsonCopy(m), 'the same JSON as the manifest, with a layout');
  const { records: _r, cuboidFiles: _c, ...cube } = m.cube!;
  assert.deepEqual(JSON.parse(`${utf8(bytes, layout.cube!)}}`), jsonCopy(cube));
  const { list, ...segments } = m.segments!;
  assert.deepEqual(JSON.parse(`${utf8(bytes, layout.segments!)}}`), jsonCopy(segments));
  let at = layout.list?.start ?? 0;
  list.forEach((segment, i) => {
    const n = layout.list!.bytes[i]!;
    assert.deepEqual(JSON.parse(utf8(bytes, [at, at + n])), jsonCopy(segment), `entry ${i}`);
    assert.deepEqual([layout.list!.hour[i], layout.list!.shard[i]], [segment.hour, segment.shard]);
    at += n + layout.list!.separator;
  });
  assert.deepEqual(JSON.parse(utf8(bytes, layout.hourTotals!)), jsonCopy(m.hourTotals), 'the hour totals');
  const head = headOf(bytes.subarray(0, layout.segments![0]));
  const { inputs: _i, outputs: _o, missingDimensions: _m, cube: _cube, segments: _s, hourTotals: _h, ...fields } = m;
  assert.deepEqual(head?.json, jsonCopy({ ...fields, layout }), 'the head: every field but the lists, and the layout');
  assert.deepEqual(serializeManifest(parseManifest(bytes, key)), bytes, 'written again: the same bytes');
}

describe('serializeManifest: a manifest a reader can read in part', () => {
  it('locates the head, the cube and segments without their lists, and every segment entry, in bytes', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 12 }); // non-ASCII: byte offsets differ from characters
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.option(fc.integer({ min: 0, max: 23 })), fc.integer({ min: 0, max: 3 }), text), {
          maxLength: 30,
        }),
        text,
        (entries, metric) => {
          const list = entries
            .map(([h, s, value]) => segmentOf(h, s, value))
            .sort((a, b) => (a.hour ?? -1) - (b.hour ?? -1) || a.shard - b.shard);
          const m = manifestOf(list, metric);
          checkLayout(m, serializeManifest(m));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('writes the head first, the layout on one line, then the lists', () => {
    const m = {
      ...manifestOf([segmentOf(0, 0, 'a'), segmentOf(1, 2, 'b')]),
      hourFolders: undefined,
      ignored: undefined,
    };
    const text = Buffer.from(serializeManifest(m)).toString('utf8');
    checkLayout(m, Buffer.from(text)); // fields set to undefined are left out, as JSON.stringify leaves them out
    const keys = [...text.matchAll(/^ {2}"(\w+)": /gm)].map((k) => k[1]);
    assert.deepEqual(keys, [
      'formatVersion',
      'tool',
      'grain',
      'date',
      'runId',
      'createdAt',
      'configHash',
      'dimensions',
      'sortOrder',
      'rows',
      'unknownMetrics',
      'layout',
      'segments',
      'cube',
      'hourTotals',
      'inputs',
      'missingDimensions',
      'outputs',
    ]);
    assert.match(
      text,
      /\n {2}"layout": \{"cube":\[\d+,\d+\],"segments":\[\d+,\d+\],"hourTotals":\[\d+,\d+\],"list":\{[^\n]*\},\n {2}"segments": \{\n/,
    );
    assert.ok(text.endsWith('\n  ]\n}\n'));
  });
});

/** An object store in memory that records the bytes each read returns. */
class MemoryStore implements Pick<ObjectStore, 'get' | 'getStart' | 'getRange'> {
  readonly objects = new Map<string, Uint8Array>();
  readonly reads: string[] = [];
  bytesRead = 0;

  async get(k: string, options?: GetOptions): Promise<Uint8Array> {
    const bytes = this.bytesOf(k, options?.expect);
    this.record(`get ${k}`, bytes.length);
    return bytes;
  }

  async getStart(k: string, length: number): Promise<{ bytes: Uint8Array; version: ObjectVersion }> {
    const all = this.bytesOf(k, undefined);
    const bytes = all.slice(0, length);
    this.record(`start ${k}`, bytes.length);
    return { bytes, version: { size: all.length, etag: String(all.length) } };
  }

  async getRange(k: string, start: number, end: number, options?: GetOptions): Promise<Uint8Array> {
    const bytes = this.bytesOf(k, options?.expect).slice(start, end);
    this.record(`range ${k} ${start}-${end}`, bytes.length);
    return bytes;
  }

  private bytesOf(k: string, expect: ObjectVersion | undefined): Uint8Array {
    const bytes = this.objects.get(k);
    if (bytes === undefined) throw new NotFoundError(k, 'memory');
    if (expect && (bytes.length !== expect.size || String(bytes.length) !== expect.etag))
      throw new ObjectChangedError(k, 'memory', expect, { size: bytes.length });
    return bytes;
  }

  private record(what: string, bytes: number): void {
    this.reads.push(what);
    this.bytesRead += bytes;
  }
}

describe('openManifestParts: a query reads only the segment entries it takes', () => {
  // 24 hours x 4 shards of padded entries: well over the first read
  const day = Array.from({ length: 96 }, (_, i) => segmentOf(Math.floor(i / 4), i % 4, `zone-${'é'.repeat(600)}-${i}`));
  const bytes = serializeManifest(manifestOf(day));
  const unreadable = (problem: string): Error => new Error(`unreadable: ${problem}`);
  const storeOf = (b: Uint8Array): MemoryStore => {
    const store = new MemoryStore();
    store.objects.set(key, b);
    return store;
  };
  const startBytes = 256 * 1024; // the first read: less than the day's manifest
  const open = (store: MemoryStore, first = startBytes) =>
    openManifestParts(store as unknown as ObjectStore, key, unreadable, first);
  const shard = (n: number) => () => new Set([n]);

  it('reads the start, then the cube and the entries of the hours and shards asked for, by ranged reads', async () => {
    assert.ok(bytes.length > startBytes, `${bytes.length} bytes`);
    const store = storeOf(bytes);
    const parts = await open(store);
    const partition = await parts!.take({ hours: [20, 22], shards: shard(2) });
    const whole = parseManifest(bytes, key);
    const picked = partition.segments.pick([20, 22], new Set([2]));
    assert.deepEqual(
      picked.segments,
      whole.segments!.list.filter((s) => s.hour! >= 20 && s.hour! < 22 && s.shard === 2),
    );
    assert.equal(picked.ofTheHours, 8, 'every shard of the two hours counts, read or not');
    assert.equal(store.reads.length, 3, store.reads.join('\n')); // start, cube, the entries of the two hours
    assert.ok(store.bytesRead < startBytes + 30_000, `${store.bytesRead} of ${bytes.length} bytes read`);
    assert.throws(() => partition.segments.pick([8, 9], undefined), /segment 32 of manifest .* was not read/);
    const { inputs: _i, outputs: _o, missingDimensions: _m, hourTotals: _h, cube, segments, ...head } = whole;
    const { records: _r, cuboidFiles: _c, ...cubeHead } = cube!;
    const { list: _l, ...layout } = segments!;
    assert.deepEqual(partition.manifest, { ...head, cube: cubeHead, segments: layout });

    // a metric alone: the hour totals answer hours 20-21, whose entries are not read
    const reads = store.reads.length;
    const totals = await parts!.take({
      hours: [20, 22],
      shards: () => undefined,
      answered: (t) => new Set((t ?? []).filter((h) => h.hour === 20 || h.hour === 21).map((h) => h.hour)),
    });
    assert.deepEqual(jsonCopy(totals.hourTotals), jsonCopy(whole.hourTotals));
    assert.equal(store.reads.length, reads + 1, 'one ranged read: the hour totals');
    assert.deepEqual(totals.segments.pick([20, 22], undefined, new Set([20, 21])).segments, []);
    assert.equal(
      (await parts!.take({ hours: [20, 22], shards: shard(2) })).hourTotals,
      undefined,
      'read for a want that takes them only',
    );
    const more = await parts!.take({ hours: undefined, shards: () => undefined });
    assert.deepEqual(more.segments.all(), whole.segments!.list, 'a later take reads the rest');
    assert.equal(store.reads.length, reads + 3, 'the entries not read yet, by ranged reads');
  });

  it('parses a manifest read whole by the first read in part too; one written before layouts, whole', async () => {
    const store = storeOf(bytes);
    const parts = await open(store, bytes.length + 1);
    const taken = await parts!.take({ hours: [20, 22], shards: shard(2) });
    assert.deepEqual(
      jsonCopy(taken.segments.pick([20, 22], new Set([2])).segments),
      jsonCopy(day.filter((s) => s.hour! >= 20 && s.hour! < 22 && s.shard === 2)),
    );
    assert.deepEqual(store.reads, [`start ${key}`], 'one read: the parts are parsed from its bytes');
    assert.throws(() => taken.segments.at(0), /segment 0 of manifest .* was not read/, 'nor parsed');
    const before = new TextEncoder().encode(JSON.stringify(manifestOf(day), null, 2));
    for (const [first, reads] of [
      [startBytes, [`start ${key}`, `get ${key}`]],
      [before.length, [`start ${key}`]],
    ] as const) {
      const old = storeOf(before);
      const read = await (await open(old, first))!.take({ hours: [0, 1], shards: shard(0) });
      assert.deepEqual(jsonCopy(read.segments.all()), jsonCopy(day), 'parsed whole');
      assert.deepEqual(old.reads, reads);
    }
    // a store without first reads: read whole, parsed in part
    const noStart = Object.defineProperty(storeOf(bytes), 'getStart', { value: undefined });
    const read = await (await openManifestParts(noStart as unknown as ObjectStore, key, unreadable))!.take({
      hours: [3, 4],
      shards: shard(1),
    });
    assert.deepEqual(jsonCopy(read.segments.pick([3, 4], new Set([1])).segments), jsonCopy([day[13]]));
    assert.equal(await open(new MemoryStore()), undefined, 'not committed');
  });

  it('reads every range of the version it started with: a manifest replaced meanwhile fails as changed', async () => {
    const store = storeOf(bytes);
    const parts = await open(store);
    await parts!.take({ hours: [0, 1], shards: shard(0) });
    store.objects.set(key, serializeManifest(manifestOf(day.slice(1))));
    await assert.rejects(parts!.take({ hours: [23, 24], shards: shard(1) }), ObjectChangedError);
  });

  it('a failed read fails the take that needs it, even while another read is awaited, and is read again next', async () => {
    const store = storeOf(bytes);
    const cubeAt = (
      JSON.parse(/\n {2}"layout": (.*),\n/.exec(Buffer.from(bytes).toString('utf8'))![1]!) as ManifestLayout
    ).cube![0];
    let failing: 'cube' | 'hour totals' | 'none' = 'cube';
    const getRange = store.getRange.bind(store);
    store.getRange = async (k, start, end, options) => {
      const failed = failing === 'cube' ? start === cubeAt : failing === 'hour totals' && start !== cubeAt;
      if (failed) throw new StorageError(`storage getRange ${k} ${start}: 503 SlowDown`, true);
      await new Promise((resolve) => setTimeout(resolve, 20)); // the other read is still under way
      return getRange(k, start, end, options);
    };
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      // a metric alone: the head (the cube's read) and the hour totals are read together
      const want = { hours: [0, 24] as const, shards: () => undefined, answered: () => new Set<number | null>() };
      const cubeFailed = await open(store);
      await assert.rejects(cubeFailed!.take(want), /503 SlowDown/);
      failing = 'hour totals';
      const totalsFailed = await open(store);
      await assert.rejects(totalsFailed!.take(want), /503 SlowDown/);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(unhandled, [], 'every failure reached the take that awaited it');
      failing = 'none';
      for (const parts of [cubeFailed, totalsFailed]) {
        const taken = await parts!.take(want);
        assert.deepEqual(jsonCopy(taken.hourTotals), jsonCopy(parseManifest(bytes, key).hourTotals));
        assert.equal(taken.manifest.date, '2026-11-24');
      }
    } finally {
      process.off('unhandledRejection', record);
    }
  });

  it('refuses a layout that does not match the entries, naming the manifest and the entries', async () => {
    const text = Buffer.from(bytes).toString('utf8');
    const layout = JSON.parse(/\n {2}"layout": (.*),\n/.exec(text)![1]!) as ManifestLayout;
    const shifted = { ...layout, list: { ...layout.list!, start: layout.list!.start + 1 } };
    const damaged = Buffer.from(text.replace(JSON.stringify(layout), JSON.stringify(shifted)));
    const parts = await open(storeOf(damaged));
    await assert.rejects(parts!.take({ hours: [3, 4], shards: shard(1) }), /unreadable: manifest .* is not valid JSON/);
    const swapped = { ...layout, list: { ...layout.list!, shard: layout.list!.shard.map((s) => 3 - s) } };
    const lying = await open(storeOf(Buffer.from(text.replace(JSON.stringify(layout), JSON.stringify(swapped)))));
    const taken = await lying!.take({ hours: [3, 4], shards: shard(1) });
    assert.throws(
      () => taken.segments.pick([3, 4], new Set([1])),
      /unreadable: manifest .* layout\.list places hour 3 shard 1 at segments\.list\.14, which is hour 3 shard 2/,
    );
    // edited in place: every part shifts, and a whole read refuses it as a read in hand does
    const edited = Buffer.from(text.replace('"runId": "run-7"', '"runId": "run-7-edited"'));
    assert.throws(
      () => parseManifest(edited, key),
      /is invalid: layout\.segments \[\d+, \d+\) does not locate its object/,
    );
    await assert.rejects(
      open(storeOf(edited), edited.length),
      /unreadable: .* layout\.segments .* \(edited in place\?\)/,
    );
    const entryEdited = Buffer.from(text.replace('-50"', '-50x"')); // a value of segment 50, one byte longer
    assert.throws(() => parseManifest(entryEdited, key), /layout\.list does not locate segments\.list\.50 at bytes/);
    const hour24 = { ...layout, list: { ...layout.list!, hour: layout.list!.hour.map((h) => (h === 23 ? 24 : h)) } };
    await assert.rejects(
      open(storeOf(Buffer.from(text.replace(JSON.stringify(layout), JSON.stringify(hour24))))),
      /unreadable: manifest .* is invalid: layout\.list\.hour\.92: Invalid value: Expected <=23 but received 24/,
    );
    // without the cube's and outputs' lists the last entry ends near the end: a length of the same digits passes it
    const full = manifestOf(day);
    const short = { ...full, outputs: [], cube: { ...full.cube!, records: [], cuboidFiles: [] } };
    const shortText = Buffer.from(serializeManifest(short)).toString('utf8');
    const shortLayout = JSON.parse(/\n {2}"layout": (.*),\n/.exec(shortText)![1]!) as ManifestLayout;
    const lengths = shortLayout.list!.bytes.map((n, i) => (i === 95 ? 10 ** String(n).length - 1 : n));
    const longer = { ...shortLayout, list: { ...shortLayout.list!, bytes: lengths } };
    const cut = await open(
      storeOf(Buffer.from(shortText.replace(JSON.stringify(shortLayout), JSON.stringify(longer)))),
    );
    await assert.rejects(
      cut!.take({ hours: [23, 24], shards: shard(3) }),
      /unreadable: manifest .* layout\.list places segments\.list\.95 at bytes up to \d+, past its \d+ bytes/,
    );
    const past = { ...layout, cube: [layout.cube![0], bytes.length + 5] };
    await assert.rejects(
      open(storeOf(Buffer.from(text.replace(JSON.stringify(layout), JSON.stringify(past))))),
      /layout\.cube .* is past its/,
    );
  });
});
