import assert from 'node:assert/strict';
import { cp, mkdir, readdir, readFile, rename, stat, symlink, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { openOracle, sqlString, type Oracle } from '../helpers/duckdb.js';
import { startCliHost } from '../helpers/cli-host.js';
import type { TimedCliRun } from '../helpers/run-cli-timed.js';
import { temporaryReason } from '../../src/storage/object-key.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { snapshotTree } from '../helpers/tree-snapshot.js';

// Everything under a day's raw prefix (and under the next day's late hour folders) is read, ignored with a reason
// (manifest `ignored`, a warning in the log, a count in the summary), or a halt that names the key. Never skipped
// silently. Each case: a generated 3,000-row day copied to a fresh local store, one change, then the real CLI.

const date = '2026-11-24';
const nextDate = '2026-11-25';
const day = `raw/dt=${date}`;
const cliTimeoutMs = 120_000;
// One host process runs every CLI invocation of this file (through main): these cases are about the listing, not the
// process, and a new process per invocation spent most of its time loading modules.
const host = startCliHost();
after(() => host.stop());

interface Manifest {
  readonly inputs: readonly { key: string; late?: true }[];
  readonly ignored?: readonly { key: string; reason: string }[];
  readonly rows: { in: number; late: number };
}

async function cli(args: readonly string[]): Promise<TimedCliRun> {
  const r = await host.run(args, {}, cliTimeoutMs);
  assert.ok(!r.timedOut, `telemetry-rollup ${args.join(' ')} hung: ${r.stderr.slice(-2000)}`);
  return r;
}

function failureLine(r: TimedCliRun): string {
  return r.stderr.split('\n').find((l) => l.startsWith('telemetry-rollup: ')) ?? `(no failure line) ${r.stderr}`;
}

function events(r: TimedCliRun, name: string): Record<string, unknown>[] {
  return r.stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => e.event === name);
}

async function readManifest(store: string): Promise<Manifest> {
  return JSON.parse(await readFile(`${store}/rollup/hour/dt=${date}/_manifest.json`, 'utf8')) as Manifest;
}

describe('raw listing: nothing under a day is skipped silently (local store)', { timeout: 600_000 }, () => {
  let db: Oracle;
  let template: { path: string; remove: () => Promise<void> };
  const dirs: { remove: () => Promise<void> }[] = [];
  let part0Rows: number; // rows of hr=05/part-0.parquet, counted by DuckDB
  let templateFiles: number; // .parquet files the generator wrote, counted on disk
  let hour22Files: number; // of them in hr=22

  async function freshStore(label: string): Promise<string> {
    const dir = await makeTempDir(`listing-${label}`);
    dirs.push(dir);
    await cp(template.path, dir.path, { recursive: true });
    return dir.path;
  }

  async function put(store: string, key: string, body: string | Uint8Array): Promise<void> {
    await mkdir(`${store}/${key.slice(0, key.lastIndexOf('/'))}`, { recursive: true });
    await writeFile(`${store}/${key}`, body);
  }

  async function assertHalted(store: string, r: TimedCliRun, key: string): Promise<void> {
    assert.equal(r.code, 1, `expected a halt (exit 1): ${r.stderr}`);
    assert.ok(
      failureLine(r).includes(JSON.stringify(key).slice(1, -1)),
      `failure line does not name ${key}: ${failureLine(r)}`,
    );
    await assert.rejects(stat(`${store}/rollup/hour/dt=${date}/_manifest.json`), { code: 'ENOENT' });
    assert.deepEqual([...(await snapshotTree(`${store}/rollup`)).keys()], []);
  }

  before(async () => {
    db = await openOracle();
    template = await makeTempDir('listing-template');
    const g = await cli(['generate', '--date', date, '--rows', '3000', '--seed', '3', '--store', template.path]);
    assert.equal(g.code, 0, g.stderr);
    const [row] = await db.rows(
      `SELECT count(*)::INTEGER AS n FROM read_parquet(${sqlString(`${template.path}/${day}/hr=05/part-0.parquet`)})`,
    );
    part0Rows = row!.n as number;
    const hours = await readdir(`${template.path}/${day}`);
    const counts = await Promise.all(
      hours.map(
        async (h) =>
          [h, (await readdir(`${template.path}/${day}/${h}`)).filter((f) => f.endsWith('.parquet')).length] as const,
      ),
    );
    templateFiles = counts.reduce((a, [, n]) => a + n, 0);
    hour22Files = counts.find(([h]) => h === 'hr=22')?.[1] ?? 0;
    assert.ok(hour22Files > 0);
    assert.ok(part0Rows > 0);
  });

  after(async () => {
    db.close();
    await template.remove();
    for (const d of dirs) await d.remove();
  });

  it('lists every object it does not read in the manifest with its reason, warns about each, and counts them', async () => {
    const store = await freshStore('ignored');
    const expected = [
      { key: `${day}/_SUCCESS`, reason: 'not in an hour folder (hr=00..hr=23)' },
      { key: `${day}/hr=05/.part-0.parquet.crc`, reason: 'not a .parquet file' },
      // a writer's temporary file (the local store's own puts in flight are named so too): said, never skipped
      { key: `${day}/hr=05/.tmp-3f2a.parquet`, reason: temporaryReason },
      { key: `${day}/hr=05/_SUCCESS`, reason: 'not a .parquet file' },
      { key: `${day}/hr=05/part-9.parquet.tmp`, reason: 'not a .parquet file' },
      {
        key: `${day}/hr=05/sub/part-0.parquet`,
        reason: 'in a subfolder of hr=05 (only files directly in an hour folder are read)',
      },
      { key: `${day}/misc/part-0.parquet`, reason: "folder 'misc' is not an hour folder (hr=00..hr=23)" },
      { key: `raw/dt=${nextDate}/hr=00/_SUCCESS`, reason: 'not a .parquet file' },
    ];
    for (const { key } of expected) await put(store, key, 'x');
    await put(store, `raw/dt=${nextDate}/hr=07/_SUCCESS`, 'x'); // not a late hour: the next day's run accounts for it
    const r = await cli(['run', '--date', date, '--workers', '0', '--store', store]);
    assert.equal(r.code, 0, r.stderr);
    const m = await readManifest(store);
    assert.deepEqual(m.ignored, expected);
    assert.equal(m.rows.in, 3000);
    assert.equal(m.inputs.length, templateFiles);
    const warned = events(r, 'raw_object_ignored');
    assert.deepEqual(
      warned.map((e) => [e.level, e.key, e.reason]),
      expected.map((e) => ['warn', e.key, e.reason]),
    );
    assert.match(r.stdout, /\n {2}ignored {7}8 objects \(not read/);
    const inspect = await cli(['inspect', '--date', date, '--store', store]);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.ok(
      inspect.stdout.includes(
        [
          '\nignored: 8 objects (listed under the day, not read)',
          ...expected.map((e) => `  ${e.key}  ${e.reason}`),
        ].join('\n'),
      ),
      inspect.stdout,
    );

    // plan shows them, and a new one appears there without changing the decision
    await put(store, `${day}/hr=06/_SUCCESS`, 'x');
    const plan = await cli(['plan', '--date', date, '--store', store]);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, new RegExp(`${date} {2}skip {3}${templateFiles} raw objects`));
    assert.ok(
      plan.stdout.includes(`ignored "${day}/hr=06/_SUCCESS": not a .parquet file (new since the commit)`),
      plan.stdout,
    );
    assert.ok(plan.stdout.includes(`ignored "${day}/hr=05/_SUCCESS": not a .parquet file\n`), plan.stdout);
    const again = await cli(['run', '--date', date, '--workers', '0', '--store', store]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^skipped/);
    assert.match(again.stdout, /\n {2}ignored {7}9 objects/);
    assert.ok(events(again, 'raw_object_ignored').some((e) => e.key === `${day}/hr=06/_SUCCESS` && e.level === 'warn'));
  });

  for (const folder of ['hr=7', 'hr=24', 'HR=05', 'hr=05x', 'hour=05', '05']) {
    it(`halts on a folder that looks like an hour but is not hr=HH: ${folder}`, async () => {
      const store = await freshStore('bad-hour');
      const key = `${day}/${folder}/part-0.parquet`;
      await put(store, key, await readFile(`${template.path}/${day}/hr=05/part-0.parquet`));
      const r = await cli(['run', '--date', date, '--workers', '0', '--store', store]);
      await assertHalted(store, r, key);
      assert.match(failureLine(r), new RegExp(`folder '${folder}' looks like an hour but is not hr=00\\.\\.hr=23`));
      const plan = await cli(['plan', '--date', date, '--store', store]);
      assert.match(plan.stdout, new RegExp(`${date} {2}halt .*${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      assert.equal(plan.code, 1, 'the dry run exits as the run would');
    });
  }

  it("halts on a bad hour folder of the next day that could hold this day's late rows, not on later ones", async () => {
    const store = await freshStore('late-bad-hour');
    const key = `raw/dt=${nextDate}/hr=1/part-0.parquet`;
    await put(store, key, await readFile(`${template.path}/${day}/hr=05/part-0.parquet`));
    await assertHalted(store, await cli(['run', '--date', date, '--workers', '0', '--store', store]), key);

    const later = await freshStore('late-later-hour');
    await put(
      later,
      `raw/dt=${nextDate}/hr=7/part-0.parquet`,
      await readFile(`${template.path}/${day}/hr=05/part-0.parquet`),
    );
    const r = await cli(['run', '--date', date, '--workers', '0', '--store', later]);
    assert.equal(r.code, 0, r.stderr);
  });

  it('halts on a name with a control character, naming it escaped', async () => {
    const store = await freshStore('control');
    const key = `${day}/hr=05/part-\n9.parquet`;
    await put(store, key, await readFile(`${template.path}/${day}/hr=05/part-0.parquet`));
    const r = await cli(['run', '--date', date, '--workers', '0', '--store', store]);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(failureLine(r).includes('part-\\n9.parquet'), failureLine(r));
    assert.match(failureLine(r), /control character/);
  });

  it('follows symbolic links to files and folders, and halts on broken links and loops', async () => {
    const store = await freshStore('links');
    const outside = await makeTempDir('listing-outside');
    dirs.push(outside);
    await cp(`${store}/${day}/hr=05/part-0.parquet`, `${outside.path}/copy.parquet`);
    await symlink(`${outside.path}/copy.parquet`, `${store}/${day}/hr=05/linked.parquet`);
    await rename(`${store}/${day}/hr=22`, `${outside.path}/hr22`);
    await symlink(`${outside.path}/hr22`, `${store}/${day}/hr=22`);
    const r = await cli(['run', '--date', date, '--workers', '0', '--store', store]);
    assert.equal(r.code, 0, r.stderr);
    const m = await readManifest(store);
    assert.equal(m.rows.in, 3000 + part0Rows, 'the linked file and the linked hour folder are read');
    assert.ok(m.inputs.some((i) => i.key === `${day}/hr=05/linked.parquet`));
    assert.equal(m.inputs.filter((i) => i.key.startsWith(`${day}/hr=22/`)).length, hour22Files);
    assert.deepEqual(m.ignored, []);

    const broken = await freshStore('broken-link');
    await symlink(`${outside.path}/gone.parquet`, `${broken}/${day}/hr=05/gone.parquet`);
    const b = await cli(['run', '--date', date, '--workers', '0', '--store', broken]);
    await assertHalted(broken, b, `${day}/hr=05/gone.parquet`);
    assert.match(failureLine(b), /broken symbolic link/);

    const loop = await freshStore('loop');
    await symlink('..', `${loop}/${day}/hr=05/again`);
    const l = await cli(['run', '--date', date, '--workers', '0', '--store', loop]);
    await assertHalted(loop, l, `${day}/hr=05/again/`);
    assert.match(failureLine(l), /symbolic link loop/);
  });

  it('fails a day with no raw input (naming the prefix it listed) unless --allow-empty', async () => {
    const empty = await makeTempDir('listing-empty');
    dirs.push(empty);
    const r = await cli(['run', '--date', date, '--workers', '0', '--store', empty.path]);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(
      failureLine(r).includes(
        `no raw input for ${date}: no .parquet object in an hour folder under file://${empty.path}/raw/dt=${date}/`,
      ),
      failureLine(r),
    );
    assert.match(failureLine(r), /--allow-empty/);
    assert.equal(r.stdout, '');
    const allowed = await cli(['run', '--date', date, '--workers', '0', '--allow-empty', '--store', empty.path]);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stdout, /^nothing to do/);

    await put(empty.path, `${day}/hr=03/_SUCCESS`, '');
    const onlyMarker = await cli(['run', '--date', date, '--workers', '0', '--store', empty.path]);
    assert.equal(onlyMarker.code, 1, onlyMarker.stderr);
    assert.ok(
      failureLine(onlyMarker).includes(`1 objects ignored (${day}/hr=03/_SUCCESS: not a .parquet file)`),
      failureLine(onlyMarker),
    );
  });
});
