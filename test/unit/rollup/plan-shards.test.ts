import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildBytesPerRawByte, maxAutoShards, planShards } from '../../../src/rollup/plan-shards.js';

const gib = 1024 ** 3;
const configOf = (shards: 'auto' | number, memoryBytes = gib) => ({
  output: { segments: { shards }, limits: { memoryBytes } },
});
const input = (hour: string, size: number, late = false) => ({
  key: `raw/dt=2026-11-24/hr=${hour}/f-${size}.parquet`,
  size,
  ...(late ? { late: true as const } : {}),
});

describe('planShards', () => {
  const cases: {
    name: string;
    shards: 'auto' | number;
    memory?: number;
    inputs: ReturnType<typeof input>[];
    want: number;
  }[] = [
    { name: 'declared count wins', shards: 5, inputs: [input('00', 10 * gib)], want: 5 },
    { name: 'small day: one shard', shards: 'auto', inputs: [input('00', 1e6), input('01', 2e6)], want: 1 },
    {
      name: 'largest hour decides (files of one hour add up)',
      shards: 'auto',
      inputs: [input('03', gib / 32), input('03', gib / 32), input('04', 1)],
      want: Math.ceil(((gib / 16) * buildBytesPerRawByte) / (gib / 4)),
    },
    { name: 'late files do not count', shards: 'auto', inputs: [input('00', 1), input('01', 10 * gib, true)], want: 1 },
    {
      name: 'a smaller budget means more shards',
      shards: 'auto',
      memory: 256 * 1024 * 1024,
      inputs: [input('00', 64 * 1024 * 1024)],
      want: 16,
    },
    { name: 'capped', shards: 'auto', inputs: [input('00', 1e15)], want: maxAutoShards },
    { name: 'no input', shards: 'auto', inputs: [], want: 1 },
  ];
  for (const c of cases) it(c.name, () => assert.equal(planShards(configOf(c.shards, c.memory), c.inputs), c.want));
});
