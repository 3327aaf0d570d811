import assert from 'node:assert/strict';
import { it } from 'node:test';
import { rejectReasons, type RejectReason } from '../../../src/ingest/reject-reason.js';
import type { Manifest } from '../../../src/partition/manifest.js';
import { resultOf } from '../../../src/rollup/rollup-result.js';

const rejected = Object.fromEntries(rejectReasons.map((r) => [r, r === 'nan_value' ? 3 : 0])) as Record<
  RejectReason,
  number
>;
const output = (key: string, bytes: number) => ({ key, rows: 1, bytes, sha256: '0'.repeat(64) });

const manifest: Manifest = {
  formatVersion: 1,
  tool: { name: 'telemetry-rollup', version: '0.1.0' },
  grain: 'day',
  date: '2026-11-24',
  runId: 'r',
  createdAt: '2026-11-25T00:00:00.000Z',
  configHash: 'sha256:0',
  dimensions: [],
  sortOrder: [],
  inputs: [
    { key: 'a', size: 1 },
    { key: 'b', size: 2 },
    { key: 'c', size: 3, late: true },
  ],
  outputs: [output('o1', 1000), output('o2', 234)],
  rows: { in: 100, late: 5, routed: 7, accepted: 95, out: 40, rejected },
  unknownMetrics: {},
  missingDimensions: [],
};

it('sums up a partition from its manifest', () => {
  assert.deepEqual(resultOf('committed', manifest, 'rollup/grain=day/dt=2026-11-24/_manifest.json', 1234), {
    outcome: 'committed',
    date: '2026-11-24',
    grain: 'day',
    manifestKey: 'rollup/grain=day/dt=2026-11-24/_manifest.json',
    inputs: 3,
    rowsIn: 100,
    rowsAccepted: 95,
    rowsLate: 5,
    rowsRouted: 7,
    rowsOut: 40,
    rejected,
    files: 2,
    bytes: 1234,
    read: { files: 3, bytes: 6 },
    written: { files: 2, bytes: 1234 },
    committedBy: { runId: 'r', createdAt: '2026-11-25T00:00:00.000Z' },
    ms: 1234,
  });
});

it('a manifest without outputs: zero files and bytes', () => {
  const r = resultOf('skipped', { ...manifest, outputs: [] }, 'k', 0);
  assert.deepEqual([r.outcome, r.files, r.bytes], ['skipped', 0, 0]);
});

it('a skip read and wrote nothing; an incremental run counts only what it says it read and wrote', () => {
  const skip = resultOf('skipped', manifest, 'k', 0);
  assert.deepEqual(
    [skip.files, skip.bytes, skip.read, skip.written],
    [2, 1234, { files: 0, bytes: 0 }, { files: 0, bytes: 0 }],
  );
  const some = resultOf('committed', manifest, 'k', 0, {
    read: { files: 1, bytes: 2 },
    written: [{ key: 'o2', bytes: 234, sha256: '0'.repeat(64) }],
  });
  assert.deepEqual(
    [some.files, some.bytes, some.read, some.written],
    [2, 1234, { files: 1, bytes: 2 }, { files: 1, bytes: 234 }],
  );
});
