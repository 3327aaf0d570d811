import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ConfigHashes } from '../../../src/config/config-hashes.js';
import { rejectReasons, type RejectReason } from '../../../src/ingest/reject-reason.js';
import type { CommittedManifest } from '../../../src/partition/committed-manifest.js';
import type { Manifest, ManifestInput } from '../../../src/partition/manifest.js';
import { planRollup, type RollupPlan } from '../../../src/rollup/plan-rollup.js';

const hashA = 'sha256:aaaaaaaaaaaa1111111111111111111111111111111111111111111111111111';
const hashB = 'sha256:bbbbbbbbbbbb2222222222222222222222222222222222222222222222222222';
const hashes = (current: string): ConfigHashes => ({ current, earlier: [] });

const a: ManifestInput = { key: 'raw/dt=2026-11-24/hr=00/a.parquet', size: 100, etag: '"e1"' };
const b: ManifestInput = { key: 'raw/dt=2026-11-24/hr=01/b.parquet', size: 200, etag: '"e2"' };
const c: ManifestInput = { key: 'raw/dt=2026-11-24/hr=02/c.parquet', size: 300, mtimeMs: 1_700_000_000_000 };
const d: ManifestInput = { key: 'raw/dt=2026-11-24/hr=03/d.parquet', size: 400 };
const e: ManifestInput = { key: 'raw/dt=2026-11-24/hr=04/e.parquet', size: 500 };
const late: ManifestInput = { key: 'raw/dt=2026-11-25/hr=00/l.parquet', size: 50, late: true };
const keptReason = (own: number): string =>
  `kept as committed: the ${own} raw objects of its own day it was built from are gone (raw retention, or deleted), ` +
  'so it is the only copy of their rows; no run rebuilds it (not --force, not a changed config)';

/** A committed manifest with the given inputs and config hash (the planner reads only those). */
function committed(inputs: readonly ManifestInput[], configHash = hashA): Manifest {
  return {
    formatVersion: 1,
    tool: { name: 'telemetry-rollup', version: '0.1.0' },
    grain: 'hour',
    date: '2026-11-24',
    runId: 'run-1',
    createdAt: '2026-11-25T01:00:00.000Z',
    configHash,
    dimensions: ['zone'],
    sortOrder: ['hour', 'metric', 'zone'],
    inputs: [...inputs],
    outputs: [],
    rows: {
      in: 0,
      late: 0,
      routed: 0,
      accepted: 0,
      out: 0,
      rejected: Object.fromEntries(rejectReasons.map((r) => [r, 0])) as Record<RejectReason, number>,
    },
    unknownMetrics: {},
    missingDimensions: [],
  };
}

const cases: {
  name: string;
  inputs: ManifestInput[];
  previous: Manifest | undefined;
  configHash?: string;
  force?: boolean;
  want: RollupPlan;
}[] = [
  {
    name: 'not committed yet',
    inputs: [a],
    previous: undefined,
    want: { action: 'build', reasons: ['not committed yet'] },
  },
  {
    name: 'not committed yet, even with --force',
    inputs: [a],
    previous: undefined,
    force: true,
    want: { action: 'build', reasons: ['not committed yet'] },
  },
  {
    name: 'same inputs and config',
    inputs: [a, b, c],
    previous: committed([a, b, c]),
    want: { action: 'skip', reason: 'committed with the same inputs and config' },
  },
  {
    name: 'same inputs listed in another order',
    inputs: [c, a, b],
    previous: committed([a, b, c]),
    want: { action: 'skip', reason: 'committed with the same inputs and config' },
  },
  {
    name: 'no inputs then and now',
    inputs: [],
    previous: committed([]),
    want: { action: 'skip', reason: 'committed with the same inputs and config' },
  },
  {
    name: '--force',
    inputs: [a],
    previous: committed([a]),
    force: true,
    want: { action: 'build', reasons: ['--force'] },
  },
  {
    name: 'config changed',
    inputs: [a],
    previous: committed([a]),
    configHash: hashB,
    want: { action: 'build', reasons: ['config changed (aaaaaaaaaaaa -> bbbbbbbbbbbb)'] },
  },
  {
    name: 'one object added',
    inputs: [a, b],
    previous: committed([a]),
    want: { action: 'build', reasons: [`1 raw objects added (${b.key})`] },
  },
  {
    name: 'one object removed',
    inputs: [a],
    previous: committed([a, b]),
    want: { action: 'build', reasons: [`1 raw objects removed (${b.key})`] },
  },
  {
    name: 'size changed',
    inputs: [{ ...a, size: 101 }],
    previous: committed([a]),
    want: { action: 'build', reasons: [`1 raw objects changed (${a.key})`] },
  },
  {
    name: 'etag changed',
    inputs: [{ ...a, etag: '"e9"' }],
    previous: committed([a]),
    want: { action: 'build', reasons: [`1 raw objects changed (${a.key})`] },
  },
  {
    name: 'etag appeared',
    inputs: [{ ...d, etag: '"x"' }],
    previous: committed([d]),
    want: { action: 'build', reasons: [`1 raw objects changed (${d.key})`] },
  },
  {
    name: 'mtime changed (local store)',
    inputs: [{ ...c, mtimeMs: c.mtimeMs! + 1 }],
    previous: committed([c]),
    want: { action: 'build', reasons: [`1 raw objects changed (${c.key})`] },
  },
  {
    name: 'more than three keys: the first three and an ellipsis',
    inputs: [a, b, c, d, e],
    previous: committed([]),
    want: { action: 'build', reasons: [`5 raw objects added (${a.key}, ${b.key}, ${c.key}, ...)`] },
  },
  {
    name: 'every reason at once, in a fixed order',
    inputs: [{ ...a, size: 1 }, c],
    previous: committed([a, b], hashA),
    configHash: hashB,
    force: true,
    want: {
      action: 'build',
      reasons: [
        '--force',
        'config changed (aaaaaaaaaaaa -> bbbbbbbbbbbb)',
        `1 raw objects added (${c.key})`,
        `1 raw objects removed (${b.key})`,
        `1 raw objects changed (${a.key})`,
      ],
    },
  },
  {
    name: "the day's own raw objects all gone, only late objects left: kept, whatever --force and the config say",
    inputs: [late],
    previous: committed([a, b, { ...late, size: 1 }]),
    configHash: hashB,
    force: true,
    want: { action: 'skip', reason: keptReason(2) },
  },
  {
    name: "the day's own raw objects all gone and nothing else: kept",
    inputs: [],
    previous: committed([a]),
    want: { action: 'skip', reason: keptReason(1) },
  },
  {
    name: 'some own raw objects left: rebuilt from them (the raw changed)',
    inputs: [b, late],
    previous: committed([a, b, late]),
    want: { action: 'build', reasons: [`1 raw objects removed (${a.key})`] },
  },
  {
    name: 'a day built from late objects alone is not kept by that rule',
    inputs: [],
    previous: committed([late]),
    want: { action: 'build', reasons: [`1 raw objects removed (${late.key})`] },
  },
];

const key = 'rollup/hour/dt=2026-11-24/_manifest.json';
const stateOf = (m: Manifest | undefined): CommittedManifest =>
  m === undefined ? { kind: 'absent', key } : { kind: 'committed', key, manifest: m };

for (const t of cases)
  it(t.name, () =>
    assert.deepEqual(
      planRollup(t.inputs, stateOf(t.previous), hashes(t.configHash ?? hashA), t.force ?? false),
      t.want,
    ),
  );

it('rebuilds over an unreadable manifest, naming the problem', () => {
  const unreadable: CommittedManifest = {
    kind: 'unreadable',
    key,
    bytes: 17,
    problem: 'manifest rollup/hour/dt=2026-11-24/_manifest.json is not valid JSON',
  };
  assert.deepEqual(planRollup([a], unreadable, hashes(hashA), false), {
    action: 'build',
    reasons: ['rebuild: manifest unreadable (manifest rollup/hour/dt=2026-11-24/_manifest.json is not valid JSON)'],
  });
});

it("skips a partition committed with one of the config's earlier hashes (what an older version wrote for it)", () => {
  const upgraded: ConfigHashes = { current: hashB, earlier: [hashA] };
  assert.deepEqual(planRollup([a, b], stateOf(committed([a, b], hashA)), upgraded, false), {
    action: 'skip',
    reason: 'committed with the same inputs and config',
  });
  assert.deepEqual(planRollup([a, b], stateOf(committed([a, b], hashA)), hashes(hashB), false), {
    action: 'build',
    reasons: ['config changed (aaaaaaaaaaaa -> bbbbbbbbbbbb)'],
  });
});
