import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { readAhead } from '../../../src/storage/read-ahead.js';

/** Reads that finish after the given delays (ms, in any order), recording how many were in flight at most. */
function delayedReads(delays: readonly number[]) {
  const seen = { inFlight: 0, most: 0, started: [] as number[] };
  const read = async (i: number): Promise<string> => {
    seen.started.push(i);
    seen.most = Math.max(seen.most, ++seen.inFlight);
    await new Promise((resolve) => setTimeout(resolve, delays[i]));
    seen.inFlight--;
    return `item ${i}`;
  };
  return { seen, read };
}

it('yields every result in item order, whatever order the reads finish in, with at most inFlight under way', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 12 }),
      fc.integer({ min: 1, max: 5 }),
      async (delays, inFlight) => {
        const { seen, read } = delayedReads(delays);
        const items = delays.map((_, i) => i);
        const out: string[] = [];
        for await (const r of readAhead(items, inFlight, read)) out.push(r);
        assert.deepEqual(
          out,
          items.map((i) => `item ${i}`),
        );
        assert.deepEqual(seen.started, items, 'each item read once, in order');
        assert.equal(seen.most, Math.min(inFlight, delays.length));
      },
    ),
    { numRuns: 40 },
  );
});

it('keeps the next reads under way while the consumer works on a result, the one it holds counted', async () => {
  const { seen, read } = delayedReads([5, 5, 5, 5, 5]);
  const startedWhenConsumed: number[] = [];
  for await (const _ of readAhead([0, 1, 2, 3, 4], 3, read)) startedWhenConsumed.push(seen.started.length);
  assert.deepEqual(startedWhenConsumed, [3, 4, 5, 5, 5]);
  const one = delayedReads([1, 1, 1]);
  const alone: number[] = [];
  for await (const _ of readAhead([0, 1, 2], 1, one.read)) alone.push(one.seen.started.length);
  assert.deepEqual(alone, [1, 2, 3], 'a window of 1 reads one item after another');
});

it('holds at most the byte budget of items (one item always, however big), in order', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ delay: fc.integer({ min: 0, max: 3 }), size: fc.integer({ min: 0, max: 50 }) }), {
        maxLength: 12,
      }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 0, max: 80 }),
      async (files, inFlight, bytes) => {
        let done = 0; // items the consumer is done with
        const started: number[] = [];
        const read = async (i: number): Promise<number> => {
          started.push(i);
          const held = started.filter((j) => j >= done);
          const heldBytes = held.reduce((n, j) => n + files[j]!.size, 0);
          assert.ok(held.length <= inFlight, `${held.length} items held, window ${inFlight}`);
          assert.ok(held.length === 1 || heldBytes <= bytes, `${heldBytes} bytes held, budget ${bytes}`);
          await new Promise((resolve) => setTimeout(resolve, files[i]!.delay));
          return i;
        };
        const items = files.map((_, i) => i);
        const out: number[] = [];
        for await (const r of readAhead(items, inFlight, read, { bytes, sizeOf: (i) => files[i]!.size })) {
          out.push(r);
          done = r; // still working on r
          await new Promise((resolve) => setTimeout(resolve, 1));
          done = r + 1;
        }
        assert.deepEqual(out, items);
        assert.deepEqual(started, items);
      },
    ),
    { numRuns: 40 },
  );
});

it("throws a failed read's error at its turn, after the results before it, and starts no read beyond the window", async () => {
  const started: number[] = [];
  const read = async (i: number): Promise<number> => {
    started.push(i);
    await new Promise((resolve) => setTimeout(resolve, i === 2 ? 1 : 10 - i));
    if (i === 2) throw new Error('storage get part-2: connection reset');
    return i;
  };
  const out: number[] = [];
  await assert.rejects(
    (async () => {
      for await (const r of readAhead([0, 1, 2, 3, 4, 5, 6, 7], 2, read)) out.push(r);
    })(),
    /part-2: connection reset/,
  );
  assert.deepEqual(out, [0, 1]);
  assert.deepEqual(started, [0, 1, 2, 3]);
});

it('refuses a window that is not a positive integer', async () => {
  for (const bad of [0, -1, 1.5, Number.NaN])
    await assert.rejects(readAhead([1], bad, async (i) => i).next(), /read-ahead of/);
});
