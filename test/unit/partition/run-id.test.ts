import assert from 'node:assert/strict';
import { it } from 'node:test';
import { newRunId, runStartMs } from '../../../src/partition/run-id.js';

it('names a run by its start time and a random suffix, with an optional prefix', () => {
  const start = new Date('2026-11-24T13:05:07.123Z');
  assert.match(newRunId(start), /^20261124T130507123Z-[0-9a-f]{8}$/);
  assert.match(newRunId(start, 'gc-'), /^gc-20261124T130507123Z-[0-9a-f]{8}$/);
  assert.notEqual(newRunId(start), newRunId(start));
});

it('reads back the start time a run id records, with or without a prefix; nothing from other ids', () => {
  const start = new Date('2026-11-29T01:04:11.331Z');
  assert.equal(runStartMs(newRunId(start)), start.getTime());
  assert.equal(runStartMs(newRunId(start, 'retention-')), start.getTime());
  assert.equal(runStartMs('run-1'), undefined);
  assert.equal(runStartMs('20261399T010411331Z-3f5667e0'), undefined); // month 13
});
