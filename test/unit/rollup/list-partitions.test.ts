import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listPartitions } from '../../../src/rollup/list-partitions.js';
import { manifestFormatVersion, type Manifest } from '../../../src/partition/manifest.js';
import { serializeManifest } from '../../../src/partition/manifest-layout.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { openStore } from '../../../src/storage/open-store.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function manifestOf(date: string, outputs: Manifest['outputs']): Manifest {
  return {
    formatVersion: manifestFormatVersion,
    tool: { name: 'telemetry-rollup', version: '0.1.0' },
    grain: 'hour',
    date,
    runId: 'r1',
    createdAt: '2026-11-25T01:00:00.000Z',
    configHash: 'sha256:00',
    dimensions: ['tenant'],
    sortOrder: ['hour', 'metric', 'tenant'],
    inputs: [],
    outputs,
    rows: {
      in: 10,
      late: 0,
      routed: 0,
      accepted: 10,
      out: 2,
      rejected: {
        null_timestamp: 0,
        timestamp_outside_day: 0,
        null_metric: 0,
        null_value: 0,
        nan_value: 0,
        infinite_value: 0,
        unknown_metric: 0,
        negative_distribution_value: 0,
      },
    },
    unknownMetrics: {},
    missingDimensions: [],
  };
}

describe('listPartitions (local store)', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let store: ObjectStore;
  before(async () => {
    dir = await makeTempDir('list-partitions');
    store = openStore(dir.path);
    const listed = 'rollup/hour/dt=2026-11-20/part-00000-aaaaaaaaaaaa.parquet';
    await store.put(listed, text('12345'));
    await store.put('rollup/hour/dt=2026-11-20/part-00000-bbbbbbbbbbbb.parquet', text('replaced'));
    await store.put(
      'rollup/hour/dt=2026-11-20/_manifest.json',
      serializeManifest(manifestOf('2026-11-20', [{ key: listed, rows: 2, bytes: 5, sha256: 'a'.repeat(64) }])),
    );
    await store.put('rollup/hour/dt=2026-11-21/_manifest.json', text('{"formatVersion": 9'));
    await store.put('rollup/hour/dt=2026-11-22/part-00000-cccccccccccc.parquet', text('crashed'));
    await store.put('rollup/hour/dt=2026-11-22/_lease.json', text('{}'));
  });
  after(() => dir.remove());

  it('tells committed, unreadable and leftover partitions apart, and names files no manifest lists', async () => {
    const all = await listPartitions(store, 'rollup', 'hour');
    assert.deepEqual(
      all.map((p) => [p.date, p.kind]),
      [
        ['2026-11-20', 'committed'],
        ['2026-11-21', 'unreadable'],
        ['2026-11-22', 'leftover'],
      ],
    );
    const [committed, unreadable, leftover] = all;
    assert.ok(committed?.kind === 'committed');
    assert.deepEqual(
      [committed.files, committed.bytes, committed.unlisted],
      [1, 5, ['rollup/hour/dt=2026-11-20/part-00000-bbbbbbbbbbbb.parquet']],
    );
    assert.ok(unreadable?.kind === 'unreadable');
    assert.match(unreadable.error, /manifest rollup\/hour\/dt=2026-11-21\/_manifest\.json is not valid JSON/);
    assert.deepEqual(leftover, {
      kind: 'leftover',
      grain: 'hour',
      date: '2026-11-22',
      files: 2,
      bytes: 9,
      keys: ['rollup/hour/dt=2026-11-22/_lease.json', 'rollup/hour/dt=2026-11-22/part-00000-cccccccccccc.parquet'],
    });
    assert.deepEqual(
      (await listPartitions(store, 'rollup', 'hour', { from: '2026-11-21', to: '2026-11-21' })).map((p) => p.date),
      ['2026-11-21'],
    );
    assert.deepEqual(await listPartitions(store, 'rollup', 'day'), []);
  });
});
