import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { openRollups } from '../../src/serve/open-rollups.js';
import { serveRollups } from '../../src/serve/serve-rollups.js';
import { createS3Client } from '../../src/storage/s3-client.js';
import { S3Store } from '../../src/storage/s3-store.js';
import { runCli } from '../helpers/run-cli.js';
import { startS3Server, type S3Server } from '../helpers/s3-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

interface Manifest {
  runId: string;
  createdAt: string;
  configHash: string;
  outputs: { key: string; rows: number; bytes: number }[];
  rows: { in: number; late: number; routed: number; accepted: number; out: number; rejected: Record<string, number> };
  cube: { cuboids: { name: string; groupingId: number; rows: number }[] };
  segments: {
    list: {
      cube: {
        tree: { key: string; bytes: number; nodes: number };
        records: { key: string; bytes: number }[];
        cuboidFiles: { key: string; bytes: number }[];
      };
    }[];
  };
}

describe('bucket tools on a real S3 server (s3rver)', () => {
  let server: S3Server;
  let s3: S3Store;
  let store: string;
  const cli = (args: string[]) => runCli([...args, '--store', store], server.env);
  const manifest = async (tier: string): Promise<Manifest> =>
    JSON.parse(new TextDecoder().decode(await s3.get(`rollup/${tier}/dt=2026-11-24/_manifest.json`))) as Manifest;

  before(async () => {
    server = await startS3Server();
    Object.assign(process.env, server.env);
    store = `s3://${server.bucket}/fleet`;
    s3 = new S3Store({ bucket: server.bucket, prefix: 'fleet', client: createS3Client(2, server.env) });
    assert.equal((await cli(['generate', '--date', '2026-11-24', '--rows', '6000', '--seed', '7'])).code, 0);
    const run = await cli(['run', '--date', '2026-11-24']);
    assert.equal(run.code, 0, run.stderr);
    await s3.put(
      'rollup/hour/dt=2026-11-25/part-00000-0123456789ab.parquet',
      new TextEncoder().encode('left by a crashed run'),
    );
  });
  after(() => server.stop());

  it('ls lists the committed partitions with their manifest figures, and the leftover', async () => {
    const r = await cli(['ls', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const listed = JSON.parse(r.stdout) as Record<string, unknown>[];
    assert.deepEqual(
      listed.map((p) => [p.tier, p.date, p.state]),
      [
        ['hour', '2026-11-24', 'committed'],
        ['hour', '2026-11-25', 'leftover'],
        ['day', '2026-11-24', 'committed'],
      ],
    );
    const m = await manifest('hour');
    const files = [
      ...m.outputs,
      ...m.segments.list.flatMap((g) => [g.cube.tree, ...g.cube.records, ...g.cube.cuboidFiles]),
    ];
    assert.equal(listed[0]!.runId, m.runId);
    assert.equal(listed[0]!.configHash, m.configHash);
    assert.equal(listed[0]!.files, files.length);
    assert.equal(
      listed[0]!.bytes,
      files.reduce((a, f) => a + f.bytes, 0),
    );
    assert.deepEqual((listed[0]!.rows as { out: number }).out, m.rows.out);
    assert.deepEqual(listed[1], {
      tier: 'hour',
      date: '2026-11-25',
      state: 'leftover',
      bytes: 21,
      files: 1,
      keys: ['rollup/hour/dt=2026-11-25/part-00000-0123456789ab.parquet'],
    });
    const table = await cli(['ls', '--tier', 'day']);
    assert.match(
      table.stdout,
      new RegExp(`^day partitions in s3://${server.bucket}/fleet: 1 committed, 0 leftover, 0 unreadable$`, 'm'),
    );
  });

  it('inspect prints the manifest in human form', async () => {
    const r = await cli(['inspect', '--date', '2026-11-24']);
    assert.equal(r.code, 0, r.stderr);
    const m = await manifest('hour');
    assert.match(r.stdout, new RegExp(`^run        ${m.runId}, created ${m.createdAt}`, 'm'));
    assert.match(r.stdout, /^ {2}raw\/dt=2026-11-24\/hr=00\/part-0\.parquet {2}\d+ bytes {2}etag [0-9a-f]+$/m);
    assert.match(r.stdout, new RegExp(`^ {2}out {7}${m.rows.out} rollup records$`, 'm'));
    for (const c of m.cube.cuboids)
      assert.match(r.stdout, new RegExp(`^ {4}${c.name} .* grouping_id ${c.groupingId} {2}${c.rows} rows$`, 'm'));
  });

  it('GET /values answers the distinct values as the CLI does; 404 when nothing is committed; 400 for a bad date', async () => {
    const cliValues = await cli(['values', '--dim', 'broker', '--format', 'json']);
    assert.equal(cliValues.code, 0, cliValues.stderr);
    const expected = JSON.parse(cliValues.stdout) as { values: string[] };
    assert.ok(expected.values.length >= 2, expected.values.join(', '));
    const http: Server = await serveRollups(await openRollups({ store: s3 }), { host: '127.0.0.1', port: 0 });
    try {
      const address = http.address();
      const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const ok = await fetch(`${base}/values?dim=broker&from=2026-11-24&to=2026-11-24`);
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), {
        dim: 'broker',
        grain: 'hour',
        values: expected.values,
        partitions: ['2026-11-24'],
      });
      const none = await fetch(`${base}/values?dim=broker&from=2027-01-01`);
      assert.equal(none.status, 404);
      assert.match(
        ((await none.json()) as { error: string }).error,
        /values found no committed hour partition from 2027-01-01 to the last day/,
      );
      assert.equal((await fetch(`${base}/values?dim=broker&from=2026-13-45`)).status, 400);
      assert.equal((await fetch(`${base}/values`)).status, 400);
    } finally {
      await new Promise((resolve) => http.close(resolve));
    }
  });

  it('retention --apply removes the manifest and the files of a partition past its age', async () => {
    const dir = await makeTempDir('retention-s3');
    try {
      const job = JSON.parse(await readFile(new URL('../../../jobs/default-job.json', import.meta.url), 'utf8')) as {
        output: { tiers: Record<string, unknown>[] };
      };
      job.output.tiers[1]!.retentionDays = 3;
      await writeFile(`${dir.path}/job.json`, JSON.stringify(job));
      const r = await cli([
        'retention',
        '--config',
        `${dir.path}/job.json`,
        '--now',
        '2026-11-29T00:00:00Z',
        '--apply',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^ {2}deleted {6}day {2}2026-11-24 {2}\d+ objects/m);
      assert.equal(await s3.head('rollup/day/dt=2026-11-24/_manifest.json'), undefined);
      assert.deepEqual((await s3.listPage('rollup/day/')).objects, []);
      assert.ok(await s3.head('rollup/hour/dt=2026-11-24/_manifest.json'), 'the hour tier has no retention declared');
    } finally {
      await dir.remove();
    }
  });
});
