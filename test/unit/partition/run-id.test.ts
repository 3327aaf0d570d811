import assert from 'node:assert/strict';
import { it } from 'node:test';
import { newRunId } from '../../../src/partition/run-id.js';

it('names a run by its start time and a random suffix, with an optional prefix', () => {
  const start = new Date('2026-11-24T13:05:07.123Z');
  assert.match(newRunId(start), /^20261124T130507123Z-[0-9a-f]{8}$/);
  assert.match(newRunId(start, 'gc-'), /^gc-20261124T130507123Z-[0-9a-f]{8}$/);
  assert.notEqual(newRunId(start), newRunId(start));
});
