import assert from 'node:assert/strict';
import { it } from 'node:test';
import { rejectReasons, type RejectReason } from '../../../src/ingest/reject-reason.js';
import type { Manifest, ManifestInput } from '../../../src/partition/manifest.js';
import {
  describeRoutedRowsNotRead,
  lateInputsNotRead,
  routedRowsNotRead,
} from '../../../src/rollup/late-inputs-read.js';

const rejected = Object.fromEntries(rejectReasons.map((r) => [r, 0])) as Record<RejectReason, number>;
const rows = (routed: number) => ({ read: 10, late: 0, routed, rejected: {} });

/** An hour manifest of `date` with `inputs`. */
const manifestOf = (date: string, inputs: ManifestInput[]): Manifest => ({
  formatVersion: 1,
  tool: { name: 'telemetry-rollup', version: '0.1.0' },
  grain: 'hour',
  date,
  runId: 'r',
  createdAt: '2026-11-25T00:00:00.000Z',
  configHash: 'sha256:0',
  dimensions: [],
  sortOrder: [],
  inputs,
  outputs: [],
  rows: { in: 0, late: 0, routed: 0, accepted: 0, out: 0, rejected },
  unknownMetrics: {},
  missingDimensions: [],
});

const own = manifestOf('2026-11-24', [
  { key: 'raw/dt=2026-11-24/hr=00/a.parquet', size: 10, mtimeMs: 1, rows: rows(4) },
  { key: 'raw/dt=2026-11-24/hr=01/b.parquet', size: 20, mtimeMs: 2, rows: rows(0) }, // nothing routed: not judged
  { key: 'raw/dt=2026-11-24/hr=01/c.parquet', size: 30, mtimeMs: 3, rows: rows(6) },
  { key: 'raw/dt=2026-11-24/hr=01/d.parquet', size: 40, mtimeMs: 4 }, // no row counts (an older manifest): not judged
  { key: 'raw/dt=2026-11-25/hr=00/e.parquet', size: 50, late: true, rows: { ...rows(0), late: 2 } },
]);

it('the routed rows the previous day read as they are now are counted there; the others are named', () => {
  const read = (c: Partial<ManifestInput>): Manifest =>
    manifestOf('2026-11-23', [
      { key: 'raw/dt=2026-11-23/hr=05/x.parquet', size: 1 },
      { key: 'raw/dt=2026-11-24/hr=00/a.parquet', size: 10, mtimeMs: 1, late: true },
      { key: 'raw/dt=2026-11-24/hr=01/c.parquet', size: 30, mtimeMs: 3, late: true, ...c },
    ]);
  assert.equal(routedRowsNotRead(own, read({})), undefined);
  for (const changed of [{ size: 31 }, { mtimeMs: 9 }, { etag: '"e"' }]) {
    assert.deepEqual(routedRowsNotRead(own, read(changed)), {
      date: '2026-11-23',
      previous: 'committed',
      rows: 6,
      keys: ['raw/dt=2026-11-24/hr=01/c.parquet'],
    });
  }
  // listed by the previous day, but not as a late input (it cannot have aggregated its late rows)
  assert.equal(routedRowsNotRead(own, read({ late: undefined }))?.rows, 6);
});

it('an object rewritten since this day read it is judged as it is now: read by the previous day, it waits for no one', () => {
  const c = 'raw/dt=2026-11-24/hr=01/c.parquet';
  const previous = (identity: Partial<ManifestInput>): Manifest =>
    manifestOf('2026-11-23', [
      { key: 'raw/dt=2026-11-24/hr=00/a.parquet', size: 10, mtimeMs: 1, late: true },
      { key: c, size: 30, mtimeMs: 3, late: true, ...identity },
    ]);
  const rewritten = { key: c, size: 30, mtimeMs: 8 };
  // the previous day's rerun read the rewritten object: this day's record (mtime 3) is stale, not the previous day
  assert.equal(routedRowsNotRead(own, previous({ mtimeMs: 8 }), 'absent', new Map([[c, rewritten]])), undefined);
  // the previous day read it as this day did, before the rewrite: it has not read it as it is now
  assert.deepEqual(routedRowsNotRead(own, previous({}), 'absent', new Map([[c, rewritten]]))?.keys, [c]);
  // gone: judged by what this day read
  assert.equal(routedRowsNotRead(own, previous({}), 'absent', new Map([[c, undefined]])), undefined);
  assert.deepEqual(routedRowsNotRead(own, previous({ mtimeMs: 8 }), 'absent', new Map([[c, undefined]]))?.keys, [c]);
});

it('a previous day with no committed (or no readable) hour partition has read none of them', () => {
  const expected = {
    date: '2026-11-23',
    rows: 10,
    keys: ['raw/dt=2026-11-24/hr=00/a.parquet', 'raw/dt=2026-11-24/hr=01/c.parquet'],
  };
  assert.deepEqual(routedRowsNotRead(own, undefined), { ...expected, previous: 'absent' });
  assert.deepEqual(routedRowsNotRead(own, undefined, 'unreadable'), { ...expected, previous: 'unreadable' });
  assert.equal(routedRowsNotRead(manifestOf('2026-11-24', []), undefined), undefined);
});

it('lateInputsNotRead keeps the objects of the given type the previous day did not read as late inputs', () => {
  const previous = manifestOf('2026-11-23', [{ key: 'k1', size: 1, late: true }]);
  const listed = [
    { key: 'k1', size: 1, tag: 'same' },
    { key: 'k1', size: 2, tag: 'grown' },
    { key: 'k2', size: 1, tag: 'new' },
  ];
  assert.deepEqual(
    lateInputsNotRead(listed, previous).map((o) => o.tag),
    ['grown', 'new'],
  );
});

it('describes them for an operator: how many, where, why, and the command that reads them', () => {
  const keys = ['raw/a', 'raw/b', 'raw/c', 'raw/d'];
  assert.equal(
    describeRoutedRowsNotRead({ date: '2026-11-23', previous: 'committed', rows: 1, keys: keys.slice(0, 1) }),
    "1 row of 2026-11-23 in 1 raw object (raw/a) is in no committed partition: 2026-11-23's committed run has not " +
      'read them as they are now; `telemetry-rollup run --date 2026-11-23` reads them',
  );
  assert.equal(
    describeRoutedRowsNotRead({ date: '2026-11-23', previous: 'unreadable', rows: 9, keys }),
    "9 rows of 2026-11-23 in 4 raw objects (raw/a, raw/b, raw/c, ...) are in no committed partition: 2026-11-23's " +
      'hour manifest is unreadable; `telemetry-rollup run --date 2026-11-23` reads them',
  );
  assert.match(
    describeRoutedRowsNotRead({ date: '2026-11-23', previous: 'absent', rows: 2, keys: keys.slice(0, 2) }),
    /: 2026-11-23 has no committed hour partition; `telemetry-rollup run --date 2026-11-23` reads them \(with --allow-empty when 2026-11-23 has no raw objects of its own\)$/,
  );
});
