import assert from 'node:assert/strict';
import { it } from 'node:test';
import { dayTierInputsOf, fileSignaturesOf, isBuiltFromHourFiles } from '../../../src/partition/day-tier-source.js';

const file = (hour: number, sha: string) => ({
  key: `rollup/hour/dt=2026-11-24/part-h${String(hour).padStart(2, '0')}-s0000-00000-${sha.slice(0, 12)}.parquet`,
  rows: 10,
  bytes: 100 + hour,
  sha256: sha.repeat(64 / sha.length),
});

it('a day tier is current while its inputs are exactly the committed hour files, in order, with their sha256', () => {
  const hours = [file(0, 'a'), file(1, 'b'), file(2, 'c')];
  const hourSignatures = fileSignaturesOf({ inputs: [], outputs: hours });
  const day = fileSignaturesOf({ inputs: dayTierInputsOf(hours), outputs: [] });
  assert.deepEqual(dayTierInputsOf(hours)[1], { key: hours[1]!.key, size: 101, etag: 'b'.repeat(64) });
  assert.equal(isBuiltFromHourFiles(day, hourSignatures), true);
  for (const [why, now] of [
    ['hour 01 rebuilt (new content, new name)', [file(0, 'a'), file(1, 'd'), file(2, 'c')]],
    ['hour 01 rewritten in place', [file(0, 'a'), { ...file(1, 'b'), sha256: 'e'.repeat(64) }, file(2, 'c')]],
    ['an hour added', [...hours, file(3, 'f')]],
    ['an hour removed', hours.slice(0, 2)],
    ['the same files in another order', [hours[1]!, hours[0]!, hours[2]!]],
    ['no hour files', []],
  ] as const)
    assert.equal(isBuiltFromHourFiles(day, fileSignaturesOf({ inputs: [], outputs: now })), false, why);
});
