import assert from 'node:assert/strict';
import { it } from 'node:test';
import { WorkerPool } from '../../../src/rollup/worker-pool.js';

const script = new URL('../../helpers/test-worker.js', import.meta.url);

it('a worker that dies during a task fails that task and is replaced; the pool keeps serving', async () => {
  const pool = new WorkerPool(script, 1);
  try {
    assert.equal(await pool.run<number>({ kind: 'echo', value: 21 }), 42);
    await assert.rejects(pool.run({ kind: 'die' }), /exited during a task/);
    assert.equal(await pool.run<number>({ kind: 'echo', value: 5 }), 10);
    assert.equal(pool.size, 1);
  } finally {
    await pool.close();
  }
});

it('workers that cannot start fail their tasks instead of hanging, and are not respawned', async () => {
  const broken = new URL('../../helpers/broken-worker.js', import.meta.url);
  const pool = new WorkerPool(broken, 2);
  try {
    await assert.rejects(pool.run({ kind: 'echo', value: 1 }), /cannot start|no decode worker could start/);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(pool.size, 0);
    await assert.rejects(pool.run({ kind: 'echo', value: 1 }), /no decode worker could start/);
  } finally {
    await pool.close();
  }
});
