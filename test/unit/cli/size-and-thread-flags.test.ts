import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { it } from 'node:test';
import { decodeThreadCount, parseByteSize, sampleSeed } from '../../../src/cli/cli-flags.js';
import { decodeLanes } from '../../../src/rollup/decode-inputs.js';
import {
  baselineWasmBytes,
  defaultDecodeThreads,
  mainThreadDecodeBytes,
  maxDecodeThreads,
} from '../../../src/rollup/decode-threads.js';

it('reads memory sizes in powers of 1024 and refuses others with the reason that applies', () => {
  assert.equal(parseByteSize('512MiB'), 512 * 2 ** 20);
  assert.equal(parseByteSize('1GB'), 2 ** 30);
  assert.equal(parseByteSize(' 2 gib'), 2 * 2 ** 30);
  for (const bad of ['1.5GiB', '10TiB', '1e9', '', 'abc'])
    assert.throws(
      () => parseByteSize(bad),
      new RegExp(`^InvalidArgumentError: '${bad.replace('.', '\\.')}' is not a memory size: whole digits`),
    );
  assert.throws(() => parseByteSize('32MiB'), /'32MiB' is less than 64MiB, the smallest memory budget/);
  assert.throws(() => parseByteSize('999999999999999GiB'), /is more bytes than can be counted exactly/);
});

it('takes at most maxDecodeThreads decode threads, and defaults to the CPUs this process may use', () => {
  assert.equal(decodeThreadCount('0'), 0);
  assert.equal(decodeThreadCount(String(maxDecodeThreads)), maxDecodeThreads);
  assert.throws(() => decodeThreadCount('999'), /'999' is more than 32 decode threads \(each takes ~20 MiB/);
  const threads = defaultDecodeThreads();
  assert.ok(threads >= 1 && threads <= Math.min(availableParallelism(), maxDecodeThreads), String(threads));
});

it('takes a sample seed up to 2^32 - 1, the seeds the generator tells apart (2^32 + 42 wrote seed 42 bytes)', () => {
  assert.equal(sampleSeed('0'), 0);
  assert.equal(sampleSeed('4294967295'), 4294967295);
  assert.throws(() => sampleSeed('4294967296'), /'4294967296' is more than 4294967295, the largest seed/);
  assert.throws(() => sampleSeed('-1'), /'-1' is not a non-negative integer/);
});

it('decodes a day of under 32 MiB of raw objects on the main thread unless told otherwise', () => {
  assert.equal(mainThreadDecodeBytes, 32 * 2 ** 20);
  assert.deepEqual(decodeLanes({}, []), { workers: 0, briefWasm: true });
  assert.deepEqual(decodeLanes({}, [{ size: 32 * 2 ** 20 - 1 }]), { workers: 0 });
  assert.deepEqual(decodeLanes({}, [{ size: 16 * 2 ** 20 }, { size: 16 * 2 ** 20 }]), {
    workers: defaultDecodeThreads(),
  });
  assert.deepEqual(decodeLanes({}), { workers: defaultDecodeThreads() }, 'bytes not known: the CPUs');
  assert.deepEqual(decodeLanes({ workers: 3 }, [{ size: 1000 }]), { workers: 3 }, 'asked for: taken as asked');
  assert.deepEqual(decodeLanes({ workers: 0 }, [{ size: 2 ** 40 }]), { workers: 0 });
});

it('compiles parquet-wasm for short use only for a tiny day on the main thread (under 8 MiB of raw objects)', () => {
  assert.equal(baselineWasmBytes, 8 * 2 ** 20);
  assert.deepEqual(decodeLanes({}, [{ size: 4 * 2 ** 20 }, { size: 4 * 2 ** 20 - 1 }]), {
    workers: 0,
    briefWasm: true,
  });
  assert.deepEqual(decodeLanes({}, [{ size: 4 * 2 ** 20 }, { size: 4 * 2 ** 20 }]), { workers: 0 });
  assert.deepEqual(decodeLanes({ workers: 0 }, [{ size: 1000 }]), { workers: 0, briefWasm: true });
  assert.deepEqual(decodeLanes({ workers: 2 }, [{ size: 1000 }]), { workers: 2 }, 'threads: tiered up');
  assert.deepEqual(decodeLanes({}), { workers: defaultDecodeThreads() }, 'bytes not known');
});

it('chooses at most --max-workers threads, and none for a day the main thread decodes', () => {
  const large = [{ size: 2 ** 30 }];
  assert.deepEqual(decodeLanes({ maxWorkers: 1 }, large), { workers: 1 });
  assert.deepEqual(decodeLanes({ maxWorkers: 0 }, large), { workers: 0 });
  assert.deepEqual(decodeLanes({ maxWorkers: 1 }), { workers: 1 }, 'bytes not known: the CPUs, at most 1');
  assert.deepEqual(decodeLanes({ maxWorkers: 8 }, [{ size: 1000 }]), { workers: 0, briefWasm: true });
  assert.deepEqual(decodeLanes({ maxWorkers: 64 }, large), { workers: defaultDecodeThreads() }, 'a cap, not a count');
});
