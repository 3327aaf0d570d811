import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, it } from 'node:test';
import { startCliHost } from '../helpers/cli-host.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// One host process runs every CLI invocation of this file (through main): the tests are about the commands' output,
// not the process.
const host = startCliHost();
after(() => host.stop());
const runCli = host.run;

interface Listed {
  readonly bytes: number;
}

interface ManifestHead {
  readonly runId: string;
  readonly createdAt: string;
  readonly outputs: readonly Listed[];
  readonly segments: {
    readonly list: readonly {
      cube: { tree: Listed; records: readonly Listed[]; cuboidFiles: readonly Listed[] };
      hourCuboids?: readonly Listed[]; // the day tier's, a file per cuboid
    }[];
  };
}

/** Every file a manifest lists: each segment's base files, star-tree index and records, cuboids and hour cuboids. */
function listed(m: ManifestHead): { files: number; bytes: number } {
  const all = [
    ...m.outputs,
    ...m.segments.list.flatMap((s) => [s.cube.tree, ...s.cube.records, ...s.cube.cuboidFiles]),
    ...m.segments.list.flatMap((s) => s.hourCuboids ?? []),
  ];
  return { files: all.length, bytes: all.reduce((a, f) => a + f.bytes, 0) };
}

it("a skipped run's summary says it wrote nothing and names the run that committed the partition, for both tiers", {
  timeout: 300_000,
}, async () => {
  const dir = await makeTempDir('skip-summary');
  try {
    const date = '2026-11-24';
    assert.equal(
      (await runCli(['generate', '--date', date, '--rows', '3000', '--seed', '9', '--store', dir.path])).code,
      0,
    );
    const first = await runCli(['run', '--date', date, '--store', dir.path, '--workers', '0']);
    assert.equal(first.code, 0, first.stderr);
    const read = async (grain: string): Promise<ManifestHead> =>
      JSON.parse(await readFile(`${dir.path}/rollup/${grain}/dt=${date}/_manifest.json`, 'utf8')) as ManifestHead;
    const [hour, day] = [await read('hour'), await read('day')];
    assert.match(
      first.stdout,
      new RegExp(`\\n  files written ${listed(hour).files} \\(${listed(hour).bytes} bytes\\)\\n`),
      'a committing run counts what it wrote',
    );

    const again = await runCli(['run', '--date', date, '--store', dir.path, '--workers', '0']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^skipped /);
    const lines = again.stdout.split('\n');
    assert.ok(
      lines.includes(
        `  files written none: unchanged, committed earlier by run ${hour.runId} at ${hour.createdAt} (${listed(hour).files} files, ${listed(hour).bytes} bytes)`,
      ),
      again.stdout,
    );
    const dayLine = lines.find((l) => l.startsWith('day tier '));
    assert.ok(
      dayLine?.includes(
        `files written none: unchanged, committed earlier by run ${day.runId} at ${day.createdAt} (${listed(day).files} files, ${listed(day).bytes} bytes)`,
      ),
      again.stdout,
    );
    assert.doesNotMatch(again.stdout, /files written \d/);

    // an object a listing ignores, come since the commit: the day is skipped, and the summary does not claim the
    // manifest lists it (it said "listed with their reasons in the manifest")
    await writeFile(`${dir.path}/raw/dt=${date}/hr=05/_SUCCESS`, '');
    const ignored = await runCli(['run', '--date', date, '--store', dir.path, '--workers', '0']);
    assert.equal(ignored.code, 0, ignored.stderr);
    assert.match(ignored.stdout, /^skipped /);
    assert.ok(
      ignored.stdout
        .split('\n')
        .includes(
          '  ignored       1 objects (not read: named with their reasons in the log; 1 came since the commit, which ' +
            'does not list them: `plan` names them, and the next rebuild lists them)',
        ),
      ignored.stdout,
    );
    assert.deepEqual(
      (
        JSON.parse(await readFile(`${dir.path}/rollup/hour/dt=${date}/_manifest.json`, 'utf8')) as {
          ignored: unknown[];
        }
      ).ignored,
      [],
    );
  } finally {
    await dir.remove();
  }
});
