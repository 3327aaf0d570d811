import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename } from 'node:path';
import { describe, it } from 'node:test';
import type { FilePartial } from '../../../src/ingest/aggregate-raw-file.js';
import { rejectReasons, type RejectReason } from '../../../src/ingest/reject-reason.js';
import { makeSpillFolder, removeStaleSpills, SegmentSpill } from '../../../src/rollup/segment-spill.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

function piece(key: string, sum: number, groups = 1): FilePartial {
  const col = (v: number): Float64Array => new Float64Array(groups).fill(v);
  return {
    key,
    role: 'own',
    state: {
      groups,
      width: 2,
      keys: new Int32Array(groups * 2),
      count: col(1),
      sum: col(sum),
      min: col(sum),
      max: col(sum),
      last: col(sum),
      lastTime: col(0),
      first: col(sum),
      firstTime: col(0),
    },
    counterSamples: { group: new Int32Array(0), time: new Float64Array(0), value: new Float64Array(0) },
    metrics: ['m'],
    dimensionValues: [],
    rowsRead: 0,
    rejected: Object.fromEntries(rejectReasons.map((r) => [r, 0])) as Record<RejectReason, number>,
    routed: 0,
    late: 0,
    ignored: 0,
    missingDimensions: [],
  };
}

const sums = (pieces: FilePartial[]): number[] => pieces.map((p) => p.state.sum[0]!);

describe('SegmentSpill', () => {
  it('keeps pieces in memory under the budget, in the order added per segment', async () => {
    const dir = await makeTempDir('spill');
    const spill = new SegmentSpill(1 << 20, dir.path);
    await spill.add(3, piece('a', 1));
    await spill.add(1, piece('b', 2));
    await spill.add(3, piece('c', 3));
    assert.deepEqual(spill.spilled, { bytes: 0, pieces: 0 });
    assert.deepEqual(sums(await spill.take(3)), [1, 3]);
    assert.deepEqual(sums(await spill.take(1)), [2]);
    assert.deepEqual(await spill.take(7), []);
    await spill.close();
    await dir.remove();
  });

  it('spills beyond the budget, gives the same pieces back in order, and leaves no file behind', async () => {
    const dir = await makeTempDir('spill');
    const spill = new SegmentSpill(4000, dir.path); // about two pieces of 20 groups
    for (let i = 0; i < 6; i++) await spill.add(i % 2, piece(`f${i}`, i, 20));
    assert.ok(spill.spilled.pieces >= 4, `spilled ${spill.spilled.pieces} pieces`);
    assert.ok(spill.spilled.bytes > 0);
    const even = await spill.take(0);
    assert.deepEqual(sums(even), [0, 2, 4]);
    assert.deepEqual(
      even.map((p) => p.key),
      ['f0', 'f2', 'f4'],
    );
    assert.deepEqual(sums(await spill.take(1)), [1, 3, 5]);
    await spill.close();
    assert.deepEqual(await readdir(dir.path), []);
    await dir.remove();
  });

  it("visits a segment's pieces as often as asked, counts their groups, then releases them", async () => {
    const dir = await makeTempDir('spill');
    const spill = new SegmentSpill(4000, dir.path);
    for (let i = 0; i < 6; i++) await spill.add(i % 2, piece(`f${i}`, i, 20 + i));
    assert.deepEqual(spill.groups(0), [20, 22, 24]);
    for (let pass = 0; pass < 2; pass++) {
      const seen: number[] = [];
      await spill.each(0, async (p) => {
        seen.push(p.state.sum[0]!);
      });
      assert.deepEqual(seen, [0, 2, 4]);
    }
    await spill.release(0);
    assert.deepEqual(spill.groups(0), []);
    assert.deepEqual(await spill.take(0), []);
    assert.deepEqual(sums(await spill.take(1)), [1, 3, 5]);
    assert.ok(spill.spilled.pieces > 0);
    const [folder] = await readdir(dir.path);
    assert.match(folder!, /^telemetry-rollup-spill-.+\.\d+-/);
    assert.deepEqual(await readdir(`${dir.path}/${folder}`), [], 'released pieces leave no file');
    await spill.close();
    assert.deepEqual(await readdir(dir.path), []);
    await dir.remove();
  });

  it('removes the spill folders of dead processes of this host, and only those', async () => {
    const dir = await makeTempDir('spill');
    const host = hostname().replace(/[^A-Za-z0-9._-]/g, '_');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    const names = [
      `telemetry-rollup-spill-${host}.${dead}-abc123`, // a killed run: removed
      `telemetry-rollup-spill-${host}.${process.pid}-def456`, // this live process: kept
      `telemetry-rollup-spill-other-host.${dead}-ghi789`, // another host sharing the folder: kept
      'telemetry-rollup-spill-jkl012', // named before owners were recorded: kept
      'unrelated',
    ];
    for (const n of names) await mkdir(`${dir.path}/${n}/sub`, { recursive: true });
    assert.deepEqual(await removeStaleSpills(dir.path), [`${dir.path}/${names[0]}`]);
    assert.deepEqual((await readdir(dir.path)).sort(), names.slice(1).sort());
    assert.deepEqual(await removeStaleSpills(`${dir.path}/missing`), []);
    // a new spill folder removes them first (a rerun that spills in another phase than the killed run did)
    await mkdir(`${dir.path}/${names[0]}/sub`, { recursive: true });
    const made = await makeSpillFolder(dir.path);
    assert.deepEqual((await readdir(dir.path)).sort(), [...names.slice(1), basename(made)].sort());
    await dir.remove();
  });
});
