import type { Manifest } from '../../src/partition/manifest.js';

/** The fields of a test day's hour manifest that name its run and columns (a one-dimension job, `zone`). */
export const runFields = {
  formatVersion: 1,
  tool: { name: 'telemetry-rollup', version: '0.1.0' },
  grain: 'hour',
  date: '2026-11-24',
  runId: 'run-7',
  createdAt: '2026-11-25T01:00:00.000Z',
  configHash: `sha256:${'0'.repeat(64)}`,
  dimensions: ['zone'],
  sortOrder: ['hour', 'metric', 'zone'],
} as const satisfies Partial<Manifest>;
