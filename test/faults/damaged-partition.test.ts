import assert from 'node:assert/strict';
import { copyFile, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Manifest } from '../../src/partition/manifest.js';
import { startCliHost } from '../helpers/cli-host.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// One host process runs every CLI invocation of this file (through main): these tests are about the commands, not
// the process, and a new process per invocation spent most of its time loading modules.
const host = startCliHost();
after(() => host.stop());
const runCli = host.run;

const date = '2026-11-24';
const hourManifest = `rollup/hour/dt=${date}/_manifest.json`;
const defaultJob = fileURLToPath(new URL('../../../jobs/default-job.json', import.meta.url));

describe('a committed partition whose listed files were deleted or altered', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let manifest: Manifest;
  before(async () => {
    dir = await makeTempDir('damaged');
    assert.equal(
      (await runCli(['generate', '--date', date, '--rows', '3000', '--seed', '9', '--store', dir.path])).code,
      0,
    );
    assert.equal((await runCli(['run', '--date', date, '--store', dir.path, '--workers', '0'])).code, 0);
    manifest = JSON.parse(await readFile(`${dir.path}/${hourManifest}`, 'utf8')) as Manifest;
  });
  after(() => dir.remove());

  it('verify re-hashes every listed file of both tiers and exits 0 when clean', async () => {
    const v = await runCli(['verify', '--date', date, '--store', dir.path]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /2026-11-24 {2}hour {2}ok\n2026-11-24 {2}day {3}ok\n/);
    const day = JSON.parse(await readFile(`${dir.path}/rollup/day/dt=${date}/_manifest.json`, 'utf8')) as Manifest;
    const files = [manifest, day].reduce(
      (n, m) =>
        n +
        m.outputs.length +
        m.segments!.list.length +
        m.cube!.records.length +
        m.cube!.cuboidFiles.length +
        m.segments!.list.reduce((k, s) => k + (s.hourCuboids?.length ?? 0), 0),
      0,
    ); // base files, one index per segment, star-tree records, cuboids, the day units' hour cuboids (one per cuboid)
    for (const s of day.segments!.list) assert.equal(s.hourCuboids?.length, day.cube!.cuboids.length);
    assert.ok(v.stdout.includes(`verify: 2 partitions, ${files} files re-hashed, 0 mismatches`), v.stdout);
  });

  it('a deleted data file: verify exits 1 naming it, and a plain run rebuilds instead of skipping, saying why', async () => {
    const victim = manifest.outputs[0]!.key;
    await rm(`${dir.path}/${victim}`);
    const v = await runCli(['verify', '--date', date, '--store', dir.path, '--tier', 'hour']);
    assert.equal(v.code, 1, v.stdout + v.stderr);
    assert.ok(v.stdout.includes(`2026-11-24  hour  MISMATCH  ${victim}: missing`), v.stdout);
    assert.match(v.stdout, /1 mismatches/);
    const plan = await runCli(['plan', '--date', date, '--store', dir.path]);
    assert.ok(
      plan.stdout.includes(`build  `) &&
        plan.stdout.includes(`rebuild: 1 committed files missing or of another size (${victim} missing)`),
      plan.stdout,
    );
    const run = await runCli(['run', '--date', date, '--store', dir.path, '--workers', '0']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^committed /);
    assert.ok(
      run.stdout.includes(`built because rebuild: 1 committed files missing or of another size (${victim} missing)`),
      run.stdout,
    );
    assert.equal(
      (await readFile(`${dir.path}/${victim}`)).length,
      manifest.outputs[0]!.bytes,
      'the same content is back under the same name',
    );
    assert.equal((await runCli(['verify', '--date', date, '--store', dir.path])).code, 0);
  });

  it('a truncated star-tree record file is rebuilt by a plain run (its size differs)', async () => {
    const victim = manifest.cube!.records[0]!;
    await writeFile(`${dir.path}/${victim.key}`, (await readFile(`${dir.path}/${victim.key}`)).subarray(0, 100));
    const run = await runCli(['run', '--date', date, '--store', dir.path, '--workers', '0']);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stdout.includes(`${victim.key} has 100 bytes, the manifest lists ${victim.bytes}`), run.stdout);
    assert.equal((await readFile(`${dir.path}/${victim.key}`)).length, victim.bytes);
  });

  it('a file altered in place (same size): verify reports the sha256 mismatch; run --force repairs it', async () => {
    const victim = manifest.cube!.cuboidFiles[0]!;
    const bytes = await readFile(`${dir.path}/${victim.key}`);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    await writeFile(`${dir.path}/${victim.key}`, bytes);
    const v = await runCli(['verify', '--date', date, '--store', dir.path]);
    assert.equal(v.code, 1);
    assert.match(
      v.stdout,
      new RegExp(
        `2026-11-24 {2}hour {2}MISMATCH {2}${victim.key.replace(/[.]/g, '\\.')}: sha256 [0-9a-f]{64} differs from the manifest's ${victim.sha256}`,
      ),
    );
    assert.equal((await runCli(['run', '--date', date, '--store', dir.path, '--workers', '0', '--force'])).code, 0);
    assert.equal((await runCli(['verify', '--date', date, '--store', dir.path])).code, 0);
  });

  it('a damaged star-tree index: a query halts naming it and the check that failed; run --force repairs it', async () => {
    const tree = manifest.segments!.list.find((s) => s.hour === 10)!.cube!.tree; // the query below reads hour 10
    assert.match(tree.key, /^rollup\/hour\/dt=2026-11-24\/star-tree-h10-s0000-00000-[0-9a-f]{12}\.bin$/);
    const good = await readFile(`${dir.path}/${tree.key}`);
    const query = (): ReturnType<typeof runCli> =>
      // grouped by region: the query reads the segments' indexes (a metric alone adds up the manifest's totals, and a
      // dimension a declared cuboid holds reads the day tier's hour cuboids)
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
        '--group-by',
        'region',
      ]);
    assert.equal((await query()).code, 0);
    const flipped = Buffer.from(good);
    flipped[Math.floor(flipped.length / 2)]! ^= 0x10;
    for (const [damage, bytes, problem] of [
      ['a flipped bit', flipped, /has CRC-32 [0-9a-f]{8}, the file stores [0-9a-f]{8}: damaged/],
      ['truncated', good.subarray(0, 100), new RegExp(`has 100 bytes, its header says ${good.length}: truncated`)],
    ] as const) {
      await writeFile(`${dir.path}/${tree.key}`, bytes);
      const q = await query();
      assert.equal(q.code, 1, `${damage}: ${q.stderr}`);
      assert.ok(q.stderr.includes(`query star-tree index ${tree.key} `), q.stderr);
      assert.match(q.stderr, problem);
      assert.ok(
        q.stderr.includes(`listed by ${hourManifest}: \`telemetry-rollup run --date ${date} --force\` rebuilds it`),
        q.stderr,
      );
    }
    assert.equal((await runCli(['run', '--date', date, '--store', dir.path, '--workers', '0', '--force'])).code, 0);
    assert.deepEqual(await readFile(`${dir.path}/${tree.key}`), good, 'the same index under the same name');
    assert.equal((await query()).code, 0);
  });

  it('a damaged hour cuboids file of the day tier: a query a cuboid answers halts naming it; run --force repairs it', async () => {
    const dayKey = `rollup/day/dt=${date}/_manifest.json`;
    const day = JSON.parse(await readFile(`${dir.path}/${dayKey}`, 'utf8')) as Manifest;
    const files = day.segments!.list[0]!.hourCuboids!;
    const file = files.find((f) => f.cuboid === 'metric_cluster_broker')!; // what the query below reads
    assert.match(file.key, /^rollup\/day\/dt=2026-11-24\/hour-cuboids-d-s0000-0000[0-3]-[0-9a-f]{12}\.parquet$/);
    const good = await readFile(`${dir.path}/${file.key}`);
    const inspect = await runCli(['inspect', '--date', date, '--tier', 'day', '--store', dir.path]);
    assert.ok(
      inspect.stdout.includes(
        `  hour cuboids  4 files (a cuboid's a day unit), ${files.reduce((n, f) => n + f.rows, 0)} rows, ` +
          `${files.reduce((n, f) => n + f.bytes, 0)} bytes\n`,
      ),
      inspect.stdout,
    );
    const query = (): ReturnType<typeof runCli> =>
      runCli([
        ...['query', '--store', dir.path, '--metric', 'cpu_usage', '--from', date, '--to', '2026-11-25'],
        ...['--group-by', 'broker', '--explain'],
      ]);
    const before = await query();
    assert.equal(before.code, 0, before.stderr);
    assert.match(before.stderr, /hour cuboid metric_cluster_broker/);
    for (const [damage, bytes] of [
      ['truncated', good.subarray(0, 100)],
      ['deleted', undefined],
    ] as const) {
      if (bytes) await writeFile(`${dir.path}/${file.key}`, bytes);
      else await rm(`${dir.path}/${file.key}`);
      const q = await query();
      assert.equal(q.code, 1, `${damage}: ${q.stderr}`);
      assert.ok(q.stderr.includes(`query file ${file.key} listed by the committed manifest ${dayKey} is `), q.stderr);
      assert.ok(q.stderr.includes(`\`telemetry-rollup run --date ${date} --force\` rebuilds it`), q.stderr);
    }
    const v = await runCli(['verify', '--date', date, '--store', dir.path, '--tier', 'day']);
    assert.equal(v.code, 1);
    assert.ok(v.stdout.includes(`2026-11-24  day   MISMATCH  ${file.key}: missing`), v.stdout);
    assert.equal((await runCli(['run', '--date', date, '--store', dir.path, '--workers', '0', '--force'])).code, 0);
    assert.deepEqual(await readFile(`${dir.path}/${file.key}`), good, 'the same file under the same name');
    const after = await query();
    assert.equal(after.code, 0, after.stderr);
    assert.equal(after.stdout, before.stdout);
  });

  it('verify reports a config other than the one the partition was built with, a damaged day tier, and days never committed', async () => {
    const job = JSON.parse(await readFile(defaultJob, 'utf8')) as { output: { rowGroupRows: number } };
    job.output.rowGroupRows = 4096;
    const other = `${dir.path}/other-job.json`;
    await writeFile(other, JSON.stringify(job));
    const v = await runCli(['verify', '--date', date, '--store', dir.path, '--config', other, '--tier', 'hour']);
    assert.equal(v.code, 1);
    assert.ok(
      v.stdout.includes(
        `MISMATCH  ${hourManifest}: configHash ${manifest.configHash} differs from the current config's sha256:`,
      ),
      v.stdout,
    );
    const day = JSON.parse(await readFile(`${dir.path}/rollup/day/dt=${date}/_manifest.json`, 'utf8')) as Manifest;
    await rm(`${dir.path}/${day.outputs[0]!.key}`);
    const range = await runCli(['verify', '--from', '2026-11-23', '--to', date, '--store', dir.path]);
    assert.equal(range.code, 1);
    assert.match(
      range.stdout,
      /2026-11-23 {2}hour {2}MISMATCH {2}rollup\/hour\/dt=2026-11-23\/_manifest\.json: not committed \(no manifest\)/,
    );
    assert.ok(range.stdout.includes(`2026-11-24  day   MISMATCH  ${day.outputs[0]!.key}: missing`), range.stdout);
    assert.match(range.stdout, /2026-11-24 {2}hour {2}ok/);
    const run = await runCli(['run', '--date', date, '--store', dir.path, '--workers', '0']);
    assert.match(run.stdout, /^skipped /);
    assert.match(run.stdout, /day tier committed/);
    assert.equal((await runCli(['verify', '--date', date, '--store', dir.path])).code, 0);
  });

  it('a manifest edited in place or rewritten by a JSON tool (its layout no longer locates its parts) is unreadable: verify and a query say so, and a plain run rebuilds it', async () => {
    const key = `${dir.path}/${hourManifest}`;
    const good = await readFile(key, 'utf8');
    const query = (): ReturnType<typeof runCli> =>
      runCli([
        ...['query', '--store', dir.path, '--metric', 'cpu_usage', '--from', date, '--to', '2026-11-25'],
        ...['--group-by', 'region'],
      ]);
    const before = await query();
    assert.equal(before.code, 0, before.stderr);
    for (const [edit, text] of [
      // a longer runId before the layout shifts every part it locates
      ['edited', good.replace(/"runId": "([^"]+)"/, '"runId": "$1-edited"')],
      ['reformatted', `${JSON.stringify(JSON.parse(good), null, 1)}\n`],
    ] as const) {
      await writeFile(key, text);
      const v = await runCli(['verify', '--date', date, '--store', dir.path, '--tier', 'hour']);
      assert.equal(v.code, 1, `${edit}: ${v.stdout}`);
      assert.match(
        v.stdout,
        /MISMATCH {2}rollup\/hour\/dt=2026-11-24\/_manifest\.json: manifest unreadable: .* is invalid: layout\.(segments|list) .*does not locate .*\(edited in place\?\)/,
        edit,
      );
      const q = await query();
      assert.equal(q.code, 1, `${edit}: ${q.stderr}`);
      assert.ok(q.stderr.includes(`manifest ${hourManifest} is invalid: layout.`), q.stderr);
      assert.ok(q.stderr.includes(`run \`telemetry-rollup run --date ${date}\``), q.stderr);
      const run = await runCli(['run', '--date', date, '--store', dir.path, '--workers', '0']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^committed /, `${edit}: a plain run rebuilds it`);
      const after = await query();
      assert.equal(after.stdout, before.stdout, edit);
    }
    assert.equal((await runCli(['verify', '--date', date, '--store', dir.path])).code, 0);
  });

  it("a manifest's counts edited without changing its length (every file as it was): verify names each count that does not add up", async () => {
    const key = `${dir.path}/${hourManifest}`;
    const good = await readFile(key, 'utf8');
    const m = JSON.parse(good) as { rows: { in: number; out: number } };
    // the same number of digits: the layout still locates every part
    const bump = (n: number): number => (n % 10 === 9 ? n - 1 : n + 1);
    const edited = good
      .replace(`"in": ${m.rows.in},`, `"in": ${bump(m.rows.in)},`)
      .replace(`"out": ${m.rows.out},`, `"out": ${bump(m.rows.out)},`);
    assert.equal(edited.length, good.length);
    await writeFile(key, edited);
    const v = await runCli(['verify', '--date', date, '--store', dir.path, '--tier', 'hour']);
    assert.equal(v.code, 1, v.stdout);
    assert.match(v.stdout, new RegExp(`rows do not add up: in ${bump(m.rows.in)} \\+ late`));
    assert.match(v.stdout, new RegExp(`rows.in ${bump(m.rows.in)} is not the ${m.rows.in} rows its own inputs record`));
    assert.match(v.stdout, new RegExp(`rows.out ${bump(m.rows.out)} is not the ${m.rows.out} rows of its base files`));
    await writeFile(key, good);
    assert.equal((await runCli(['verify', '--date', date, '--store', dir.path])).code, 0);
    // the day tier's rows are the hour partition's records and samples (data-contract: rows)
    const dayKey = `${dir.path}/rollup/day/dt=${date}/_manifest.json`;
    const dayGood = await readFile(dayKey, 'utf8');
    const d = JSON.parse(dayGood) as { rows: { in: number; accepted: number } };
    const dayEdited = dayGood
      .replace(`"in": ${d.rows.in},`, `"in": ${bump(d.rows.in)},`)
      .replace(`"accepted": ${d.rows.accepted},`, `"accepted": ${bump(d.rows.accepted)},`);
    assert.equal(dayEdited.length, dayGood.length);
    await writeFile(dayKey, dayEdited);
    const dv = await runCli(['verify', '--date', date, '--store', dir.path, '--tier', 'day']);
    assert.equal(dv.code, 1, dv.stdout);
    assert.match(
      dv.stdout,
      new RegExp(`rows.in ${bump(d.rows.in)} and rows.accepted ${bump(d.rows.accepted)} are not the hour partition's`),
    );
    assert.match(
      dv.stdout,
      new RegExp(`rows.accepted ${bump(d.rows.accepted)} is not the ${d.rows.accepted} its segments record`),
    );
    await writeFile(dayKey, dayGood);
    assert.equal((await runCli(['verify', '--date', date, '--store', dir.path])).code, 0);
  });

  it('an unreadable hour manifest: verify says the day tier was not checked against it; a stale day tier says so in inspect', async () => {
    const key = `${dir.path}/${hourManifest}`;
    const good = await readFile(key, 'utf8');
    await writeFile(key, good.slice(0, 100));
    const v = await runCli(['verify', '--date', date, '--store', dir.path]);
    assert.equal(v.code, 1, v.stdout);
    assert.match(
      v.stdout,
      /\n2026-11-24 {2}day {3}ok {8}\(not checked against the hour partition: its manifest is unreadable\)\n/,
    );
    await writeFile(key, good);
    assert.doesNotMatch(
      (await runCli(['inspect', '--date', date, '--tier', 'day', '--store', dir.path])).stdout,
      /stale day tier/,
    );
    // an hourly run takes a new file of hour 05: the hour partition is committed again, the day tier is stale
    const hr05 = `${dir.path}/raw/dt=${date}/hr=05`;
    const [one] = (await readdir(hr05)).filter((f) => f.endsWith('.parquet'));
    await copyFile(`${hr05}/${one}`, `${hr05}/late-copy.parquet`);
    assert.equal(
      (await runCli(['run', '--date', date, '--hour', '05', '--store', dir.path, '--workers', '0'])).code,
      0,
    );
    const inspect = await runCli(['inspect', '--date', date, '--tier', 'day', '--store', dir.path]);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.match(
      inspect.stdout,
      /\nstale day tier: hours were rebuilt after it was built; queries merge the hours; run rebuilds it \(`telemetry-rollup run --date 2026-11-24`\)\n$/,
    );
    await writeFile(key, good);
  });
});
