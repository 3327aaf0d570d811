import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { readStarTreeIndex } from '../../src/cube/read-star-tree-index.js';
import type { Manifest } from '../../src/partition/manifest.js';
import { startCliHost } from '../helpers/cli-host.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// One host process runs every CLI invocation of this file (through main): the tests are about the commands' output,
// not the process.
const host = startCliHost();
after(() => host.stop());
const runCli = host.run;

const date = '2026-11-24';

/**
 * Rewrites a committed partition as a job before index format 2 committed it: the index as a format 1 JSON sidecar
 * (`star-tree-<seg>-00000-<sha>.json`, the fields of docs/star-tree-and-queries.md) in every segment, the manifest
 * listing them.
 */
async function downgradeToFormat1(root: string, grain: 'hour' | 'day'): Promise<string[]> {
  const manifestPath = `${root}/rollup/${grain}/dt=${date}/_manifest.json`;
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest;
  const keys: string[] = [];
  for (const segment of manifest.segments!.list) {
    const tree = segment.cube!.tree;
    assert.match(tree.key, /\/star-tree-(h\d{2}|d)-s\d{4}-00000-[0-9a-f]{12}\.bin$/);
    const bytes = await readFile(`${root}/${tree.key}`);
    assert.deepEqual([...bytes.subarray(0, 4)], [0x89, 0x53, 0x54, 0x49], 'format 2 written by this version');
    const index = readStarTreeIndex(bytes, tree.key);
    const sidecar = {
      format: 'telemetry-rollup/star-tree',
      formatVersion: 1,
      timeGrain: 'hour',
      dayStartMs: index.dayStartMs,
      splitOrder: index.splitOrder,
      skipStar: index.skipStar,
      starAlso: index.starAlso,
      maxLeafRecords: index.maxLeafRecords,
      dictionaries: index.dictionaries,
      records: index.records,
      nodes: Object.fromEntries(Object.entries(index.nodes).map(([k, v]) => [k, Array.from(v)])),
    };
    const json = new TextEncoder().encode(JSON.stringify(sidecar));
    const sha256 = createHash('sha256').update(json).digest('hex');
    const key = tree.key.replace(/[0-9a-f]{12}\.bin$/, `${sha256.slice(0, 12)}.json`);
    await writeFile(`${root}/${key}`, json);
    await rm(`${root}/${tree.key}`);
    segment.cube = { ...segment.cube!, tree: { ...tree, key, bytes: json.length, sha256 } };
    keys.push(key);
  }
  // a partition of that time predates manifest layouts too (the one written here would no longer locate its parts)
  delete (manifest as { layout?: unknown }).layout;
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  return keys;
}

describe('partitions committed with a format 1 (JSON) star-tree index', () => {
  let dir: { path: string; remove: () => Promise<void> };
  const query = (grain: string): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    runCli([
      'query',
      '--store',
      dir.path,
      '--metric',
      'cpu_usage',
      '--from',
      date,
      '--to',
      '2026-11-25',
      '--grain',
      grain,
      '--group-by',
      'cluster',
      '--agg',
      'max',
      '--format',
      'json',
    ]);
  before(async () => {
    dir = await makeTempDir('format1');
    assert.equal(
      (await runCli(['generate', '--date', date, '--rows', '3000', '--seed', '5', '--store', dir.path])).code,
      0,
    );
    assert.equal((await runCli(['run', '--date', date, '--store', dir.path, '--workers', '0'])).code, 0);
  });
  after(() => dir.remove());

  it('still answer queries of both tiers exactly as before, verify clean, and a plain run keeps them', async () => {
    const before = { hour: await query('hour'), day: await query('day') };
    assert.equal(before.hour.code, 0, before.hour.stderr);
    assert.equal(before.day.code, 0, before.day.stderr);
    assert.ok((JSON.parse(before.hour.stdout) as unknown[]).length > 24, 'one row per hour and cluster at least');
    const keys = [...(await downgradeToFormat1(dir.path, 'hour')), ...(await downgradeToFormat1(dir.path, 'day'))];
    for (const grain of ['hour', 'day'] as const) {
      const after = await query(grain);
      assert.equal(after.code, 0, after.stderr);
      assert.equal(after.stdout, before[grain].stdout, `${grain} tier`);
    }
    const v = await runCli(['verify', '--date', date, '--store', dir.path]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    const run = await runCli(['run', '--date', date, '--store', dir.path, '--workers', '0']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^skipped /);
    for (const key of keys) assert.ok((await readFile(`${dir.path}/${key}`)).length > 0, `${key} kept`);
  });
});
