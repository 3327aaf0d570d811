import assert from 'node:assert/strict';
import type { ConfigHashes } from '../../../src/config/config-hashes.js';
import { describe, it } from 'node:test';
import type { Manifest, ManifestIgnored, ManifestInput } from '../../../src/partition/manifest.js';
import {
  affectedHours,
  expectedHours,
  inputsOfHours,
  likelyDecoded,
  planHourRebuild,
} from '../../../src/rollup/plan-hour-rebuild.js';
import { folderHourOf, rowHourOfFolder } from '../../../src/rollup/list-raw-inputs.js';
import { composeHourListing, partialDayReasons } from '../../../src/rollup/compose-hour-listing.js';

const hash = 'sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const hashes: ConfigHashes = { current: hash, earlier: [] };
const rows = { read: 10, late: 0, routed: 0, rejected: {} };

/** A raw object of folder hr=`folder` named `name`, `size` bytes, whose rows fall in `hours` once committed. */
function raw(folder: number, name: string, size: number, hours?: number[]): ManifestInput {
  const key = `raw/dt=2026-11-24/hr=${String(folder).padStart(2, '0')}/${name}.parquet`;
  return hours === undefined ? { key, size } : { key, size, hours, rows };
}

function committed(inputs: ManifestInput[], over: Partial<Manifest> = {}): Manifest {
  return {
    configHash: hash,
    inputs,
    segments: { partitionDimension: 'cluster', shards: 3, hash: 'fnv1a32-fmix32', list: [] },
    ...over,
  } as unknown as Manifest;
}

const day = [raw(3, 'a', 100, [3]), raw(5, 'b', 200, [5]), raw(5, 'c', 300, [4, 5]), raw(7, 'd', 400, [7])];
const listed = (xs: ManifestInput[]): ManifestInput[] => xs.map(({ key, size }) => ({ key, size }));

describe('planHourRebuild', () => {
  const cases: {
    name: string;
    inputs: ManifestInput[];
    previous: Manifest | undefined;
    force?: boolean;
    learned?: Record<string, number[]>; // hours that decoding the new and changed inputs finds
    expect: { kind: 'full'; reason: string; shards?: number } | { decode: string[]; hours: number[]; redo: string[] };
  }[] = [
    {
      name: 'never committed',
      inputs: listed(day),
      previous: undefined,
      expect: { kind: 'full', reason: 'not committed yet' },
    },
    {
      name: 'config changed',
      inputs: listed(day),
      previous: committed(day, { configHash: 'sha256:other' }),
      expect: { kind: 'full', reason: 'config changed' },
    },
    {
      name: '--force',
      inputs: listed(day),
      previous: committed(day),
      force: true,
      expect: { kind: 'full', reason: '--force' },
    },
    {
      name: 'an older manifest without per-input hours keeps its shards',
      inputs: listed(day),
      previous: committed(listed(day)),
      expect: { kind: 'full', reason: 'committed before per-input hours', shards: 3 },
    },
    {
      name: 'nothing changed',
      inputs: listed(day),
      previous: committed(day),
      expect: { decode: [], hours: [], redo: [] },
    },
    {
      name: 'a late file in hr=05 with rows in hours 03 and 05',
      inputs: [...listed(day), raw(5, 'late', 50)].sort((a, b) => (a.key < b.key ? -1 : 1)),
      previous: committed(day),
      learned: { 'raw/dt=2026-11-24/hr=05/late.parquet': [3, 5] },
      expect: {
        decode: ['raw/dt=2026-11-24/hr=05/late.parquet'],
        hours: [3, 5],
        redo: [
          'raw/dt=2026-11-24/hr=03/a.parquet',
          'raw/dt=2026-11-24/hr=05/b.parquet',
          'raw/dt=2026-11-24/hr=05/c.parquet',
        ],
      },
    },
    {
      name: 'a changed file rebuilds its old and its new hours',
      inputs: listed(day).map((i) => (i.key.endsWith('/b.parquet') ? { ...i, size: 201 } : i)),
      previous: committed(day),
      learned: { 'raw/dt=2026-11-24/hr=05/b.parquet': [6] },
      expect: {
        decode: ['raw/dt=2026-11-24/hr=05/b.parquet'],
        hours: [5, 6],
        redo: ['raw/dt=2026-11-24/hr=05/c.parquet'],
      },
    },
    {
      name: 'a removed file rebuilds its recorded hours',
      inputs: listed(day).filter((i) => !i.key.endsWith('/c.parquet')),
      previous: committed(day),
      expect: { decode: [], hours: [4, 5], redo: ['raw/dt=2026-11-24/hr=05/b.parquet'] },
    },
    {
      name: 'an ETag change is a change even at the same size',
      inputs: listed(day).map((i) => (i.key.endsWith('/d.parquet') ? { ...i, etag: '"x"' } : i)),
      previous: committed(day),
      learned: { 'raw/dt=2026-11-24/hr=07/d.parquet': [7] },
      expect: { decode: ['raw/dt=2026-11-24/hr=07/d.parquet'], hours: [7], redo: [] },
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const plan = planHourRebuild(c.inputs, c.previous, hashes, { force: c.force ?? false, cube: false });
      if ('kind' in c.expect) {
        assert.deepEqual(plan, c.expect);
        return;
      }
      assert.equal(plan.kind, 'incremental');
      if (plan.kind !== 'incremental') return;
      assert.equal(plan.shards, 3);
      assert.deepEqual(plan.decode, c.expect.decode);
      const hours = affectedHours(plan, new Map(Object.entries(c.learned ?? {})));
      assert.deepEqual(hours, c.expect.hours);
      assert.deepEqual(inputsOfHours(plan, hours), c.expect.redo);
    });

  it('rebuilds hours whose committed files are damaged', () => {
    const plan = planHourRebuild(listed(day), committed(day), hashes, { force: false, cube: false });
    assert.equal(plan.kind, 'incremental');
    if (plan.kind !== 'incremental') return;
    assert.deepEqual(affectedHours(plan, new Map(), [7]), [7]);
    assert.deepEqual(inputsOfHours(plan, [7]), ['raw/dt=2026-11-24/hr=07/d.parquet']);
  });

  it('expects, before decoding, the folder hours of new and changed objects and the old hours of changed ones', () => {
    // c (folder 05, rows in 04 and 05) changed, e is new in folder 09, d (folder 07) removed
    const now = [...listed(day.slice(0, 2)), { ...listed([day[2]!])[0]!, size: 301 }, listed([raw(9, 'e', 50)])[0]!];
    const plan = planHourRebuild(now, committed(day), hashes, { force: false, cube: false });
    assert.equal(plan.kind, 'incremental');
    if (plan.kind !== 'incremental') return;
    assert.deepEqual(expectedHours(plan, folderHourOf), [4, 5, 7, 9]);
    // an object whose folder says nothing of its hours (a late object of the next day's hr=01): none expected for it
    assert.deepEqual(
      expectedHours(plan, (key) => (key.includes('/hr=09/') ? undefined : folderHourOf(key))),
      [4, 5, 7],
    );
  });

  it('expects to decode the new and changed objects and the unchanged ones of their hours (what sizes its threads)', () => {
    // a new object in folder 05: b and c (rows in 05) are decoded again, a (03) and d (07) are not
    const now = [...listed(day), listed([raw(5, 'e', 50)])[0]!];
    const plan = planHourRebuild(now, committed(day), hashes, { force: false, cube: false });
    assert.equal(plan.kind, 'incremental');
    if (plan.kind !== 'incremental') return;
    const key = (folder: string, name: string): string => `raw/dt=2026-11-24/hr=${folder}/${name}.parquet`;
    assert.deepEqual([...likelyDecoded(plan, rowHourOfFolder(now))].sort(), [
      key('05', 'b'),
      key('05', 'c'),
      key('05', 'e'),
    ]);
    // the same object arriving late (a next-day folder): its hours are not known before decoding
    const late: ManifestInput[] = now.map((i) => (i.key.endsWith('/e.parquet') ? { ...i, late: true as const } : i));
    assert.deepEqual([...likelyDecoded(plan, rowHourOfFolder(late))], [key('05', 'e')]);
  });

  it('needs per-segment cuboid rows to carry segments of a cube', () => {
    const previous = committed(day, {
      segments: {
        partitionDimension: 'cluster',
        shards: 2,
        hash: 'fnv1a32-fmix32',
        list: [{ hour: 3, shard: 0, cube: { tree: {}, records: [], cuboidFiles: [], recordsByGroupingId: {} } }],
      },
    } as unknown as Partial<Manifest>);
    assert.deepEqual(planHourRebuild(listed(day), previous, hashes, { force: false, cube: true }), {
      kind: 'full',
      reason: 'committed before per-segment cuboid rows',
      shards: 2,
    });
  });
});

describe('composeHourListing', () => {
  const listing = (inputs: ManifestInput[], ignored: ManifestIgnored[] = []) => ({
    inputs,
    ignored,
    ownInputs: inputs.length,
    listedPrefixes: [],
  });
  const folder = (hour: number): string => `raw/dt=2026-11-24/hr=${String(hour).padStart(2, '0')}/`;
  it('carries the other folders and the late objects, in key order, and records the folders built', () => {
    const late = { key: 'raw/dt=2026-11-25/hr=00/z.parquet', size: 9, late: true as const, hours: [23], rows };
    const previous = committed([...day, late], { hourFolders: [3, 7] } as Partial<Manifest>);
    const fresh = [raw(5, 'b', 200), raw(5, 'e', 10)];
    const h = composeHourListing(listing(fresh), previous, 5, folder(5));
    assert.deepEqual(
      h.inputs.map((i) => i.key),
      [
        'raw/dt=2026-11-24/hr=03/a.parquet',
        'raw/dt=2026-11-24/hr=05/b.parquet',
        'raw/dt=2026-11-24/hr=05/e.parquet',
        'raw/dt=2026-11-24/hr=07/d.parquet',
        'raw/dt=2026-11-25/hr=00/z.parquet',
      ],
    );
    assert.deepEqual(h.hourFolders, [3, 5, 7]);
    assert.equal(h.newFolder, true);
  });
  it("a day without a manifest starts with the folder listed; the 24th folder lists every folder, not the next day's late ones", () => {
    assert.deepEqual(composeHourListing(listing([raw(9, 'a', 1)]), undefined, 9, folder(9)).hourFolders, [9]);
    const almost = committed([], { hourFolders: Array.from({ length: 23 }, (_, h) => h) } as Partial<Manifest>);
    const h = composeHourListing(listing([raw(23, 'a', 1)]), almost, 23, folder(23));
    assert.deepEqual(
      h.hourFolders,
      Array.from({ length: 24 }, (_, h) => h),
      'still partial: a plain run completes it',
    );
    assert.equal(h.newFolder, true);
    assert.deepEqual(partialDayReasons({ hourFolders: h.hourFolders }), [
      "partial day: every hour folder built by run --hour, the next day's late folders listed",
    ]);
    // a day a plain run listed whole stays whole
    assert.equal(composeHourListing(listing([raw(4, 'a', 1)]), committed([]), 4, folder(4)).hourFolders, undefined);
    assert.equal(composeHourListing(listing([raw(4, 'a', 1)]), committed([]), 4, folder(4)).newFolder, false);
  });
  it("keeps the ignored objects of the next day's folder of the same hour (hr=00 of D+1 is not hr=00 of D)", () => {
    const previous = committed(day, {
      ignored: [
        { key: 'raw/dt=2026-11-24/hr=00/_SUCCESS', reason: 'not a .parquet object' },
        { key: 'raw/dt=2026-11-25/hr=00/_SUCCESS', reason: 'not a .parquet object' },
      ],
    } as Partial<Manifest>);
    const own = { key: 'raw/dt=2026-11-24/hr=00/_SUCCESS', reason: 'not a .parquet object' };
    const h = composeHourListing(listing([raw(0, 'n', 5)], [own]), previous, 0, folder(0));
    assert.deepEqual(
      h.ignored.map((i) => i.key),
      ['raw/dt=2026-11-24/hr=00/_SUCCESS', 'raw/dt=2026-11-25/hr=00/_SUCCESS'],
    );
  });
});
