import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  addDays,
  dayStartMs,
  manifestKey,
  nextDate,
  parsePartitionDate,
  previousDate,
  rawHourPrefix,
} from '../../../src/storage/partition-path.js';
import { datesBetween } from '../../../src/rollup/run-backfill.js';

it('accepts real calendar days and builds the contract keys', () => {
  assert.equal(parsePartitionDate('2024-02-29'), '2024-02-29');
  assert.equal(dayStartMs('2026-11-24'), Date.UTC(2026, 10, 24));
  assert.equal(rawHourPrefix('raw', '2026-11-24', 3), 'raw/dt=2026-11-24/hr=03/');
  assert.equal(manifestKey('rollup', 'hour', '2026-11-24'), 'rollup/hour/dt=2026-11-24/_manifest.json');
  assert.equal(addDays('2026-12-31', 1), '2027-01-01');
  assert.equal(addDays('2024-03-01', -1), '2024-02-29');
});

it('refuses anything that is not a plain YYYY-MM-DD calendar day', () => {
  for (const bad of [
    '2026-11-24/',
    '../2026-11-24',
    '2026-11-24 ',
    ' 2026-11-24',
    '2026-1-24',
    '2026-02-29',
    '2026-13-01',
    '1969-12-31',
    '2026-11-24T00',
    '',
    '2026-11-24\n',
  ]) {
    assert.throws(() => parsePartitionDate(bad), /date '.*' is not/, JSON.stringify(bad));
  }
  assert.throws(() => rawHourPrefix('raw', '2026-11-24', 24), /hour 24 is not in 0\.\.23/);
});

it('holds the days whose times int64 nanoseconds hold: 1970-01-01 to 2262-04-10, each end without a neighbour', () => {
  assert.equal(parsePartitionDate('2262-04-10'), '2262-04-10');
  // 2262-04-10T23:59:59.999999999Z in nanoseconds fits; the next day's last nanosecond does not
  assert.ok(BigInt(dayStartMs('2262-04-10') + 86_400_000) * 1_000_000n - 1n <= 2n ** 63n - 1n);
  assert.ok(BigInt(dayStartMs('2262-04-10') + 2 * 86_400_000) * 1_000_000n - 1n > 2n ** 63n - 1n);
  for (const late of ['2262-04-11', '2262-12-31', '2300-01-01', '9999-12-31'])
    assert.throws(() => parsePartitionDate(late), new RegExp(`date '${late}' is after 2262-04-10`));
  assert.equal(previousDate('1970-01-01'), undefined);
  assert.equal(previousDate('1970-01-02'), '1970-01-01');
  assert.equal(nextDate('2262-04-10'), undefined);
  assert.equal(nextDate('2262-04-09'), '2262-04-10');
  assert.equal(nextDate('2024-02-28'), '2024-02-29');
  assert.throws(() => nextDate('2262-04-11'), /is after 2262-04-10/);
});

it('a range of dates holds every day from its first to its last; one whose first is after its last is refused', () => {
  assert.deepEqual(datesBetween('2024-02-28', '2024-03-01'), ['2024-02-28', '2024-02-29', '2024-03-01']);
  assert.deepEqual(datesBetween('2262-04-10', '2262-04-10'), ['2262-04-10']);
  assert.throws(
    () => datesBetween('2026-03-05', '2026-03-01'),
    /date range --from 2026-03-05 --to 2026-03-01 is empty: --from is after --to/,
  );
});
