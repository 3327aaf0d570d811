import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { writeSampleDay } from '../../src/sample/write-sample-day.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const bin = fileURLToPath(new URL('../../../bin/telemetry-rollup.js', import.meta.url));
const preload = new URL('../helpers/import-trace-preload.js', import.meta.url).href;
const mainModule = new URL('../../src/cli/main.js', import.meta.url).href;
const programModule = new URL('../../src/cli/cli-program.js', import.meta.url).href;

const root = new URL('../../../', import.meta.url);
/** The CLI's bundle (dist/cli/): the sources each of its files holds, from esbuild's metafile. */
const bundled: ReadonlyMap<string, readonly string[]> = new Map(
  Object.entries(
    (
      JSON.parse(await readFile(new URL('dist/cli/meta.json', root), 'utf8')) as {
        outputs: Record<string, { inputs: Record<string, unknown> }>;
      }
    ).outputs,
  ).map(([file, { inputs }]) => [new URL(file, root).href, Object.keys(inputs).map((i) => new URL(i, root).href)]),
);

/** Trace lines with each file of the bundle replaced by the sources it holds, one line each. */
function unbundled(lines: readonly string[]): string[] {
  return lines.flatMap((line) => {
    const [url = '', parent = ''] = line.split(' ');
    return (bundled.get(url) ?? [url]).map((source) => `${source} ${parent}`);
  });
}

/** What a traced process did, and every module it (or any of its threads) loaded: `url parent` lines. */
interface TracedRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly loaded: readonly string[]; // the bundle's files replaced by their sources
  readonly files: readonly string[]; // the files themselves: `url parent`
}

/** What a help request must not load: any package but commander, a command's body, the decode workers. */
function heavyModules(loaded: readonly string[]): string[] {
  return loaded.filter((line) => {
    const url = line.split(' ')[0]!;
    const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
    return (
      (pkg !== undefined && pkg !== 'commander') ||
      url.includes('/dist/src/cli/commands/') ||
      url.endsWith('/dist/src/ingest/aggregate-worker.js')
    );
  });
}

describe('help loads no command body and no heavy package', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let runs = 0;
  before(async () => {
    dir = await makeTempDir('help-imports');
  });
  after(() => dir.remove());

  /** Runs node with the import trace preloaded. */
  const traced = (nodeArgs: readonly string[]): Promise<TracedRun> => {
    const file = path.join(dir.path, `trace-${runs++}.txt`);
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', preload, ...nodeArgs], {
        env: { ...process.env, IMPORT_TRACE_FILE: file },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => {
        readFile(file, 'utf8').then((text) => {
          const files = text.split('\n').filter((l) => l !== '');
          resolve({ code, stdout, stderr, loaded: unbundled(files), files });
        }, reject);
      });
    });
  };

  it('telemetry-rollup --help, run --help, backfill --help and query --help: commander only, no worker', async () => {
    for (const args of [['--help'], ['run', '--help'], ['backfill', '-h'], ['query', '--help']]) {
      const r = await traced([bin, ...args]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Usage: telemetry-rollup/);
      assert.ok(
        r.loaded.some((l) => l.includes('/node_modules/commander/')) &&
          r.loaded.some((l) => l.includes('/dist/src/cli/main.js')),
        `the trace sees the modules loaded: ${r.loaded.length} lines`,
      );
      assert.deepEqual(heavyModules(r.loaded), [], `${args.join(' ')} loaded heavy modules`);
    }
  });

  let rolledUp: Promise<string> | undefined;
  /** A store with one committed 20K-row day (2026-05-01), built once for the tests that query it. */
  const rolledUpStore = (): Promise<string> =>
    (rolledUp ??= (async () => {
      const store = path.join(dir.path, 'store');
      const local = new LocalStore(store);
      await writeSampleDay(local, { date: '2026-05-01', rows: 20_000, seed: 5 });
      const config = await loadJobConfig();
      await runRollup({ store: local, config, configHash: hashJobConfig(config), date: '2026-05-01', workers: 1 });
      return store;
    })());

  it('a query loads neither Apache Arrow nor parquet-wasm: the ranged reader is pure JavaScript', async () => {
    const store = await rolledUpStore();
    const window = ['--from', '2026-05-01T10:00:00Z', '--to', '2026-05-01T12:00:00Z'];
    // grouped by broker: the segments are read (a metric alone is answered by the manifest's totals, below)
    const cpu = ['query', '--metric', 'cpu_usage', ...window, '--agg', 'avg', '--store', store];
    const r = await traced([bin, ...cpu, '--group-by', 'broker']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /2026-05-01T10:00:00\.000Z/);
    assert.ok(
      r.loaded.some((l) => l.includes('/node_modules/hyparquet/')),
      'the query read through hyparquet',
    );
    const alone = await traced([bin, ...cpu]);
    assert.equal(alone.code, 0, alone.stderr);
    assert.match(alone.stdout, /2026-05-01T10:00:00\.000Z/);
    assert.ok(
      !alone.loaded.some((l) => l.includes('/node_modules/hyparquet/')),
      'a metric alone is answered from the manifest: the segment reader is not even loaded',
    );
    const outside = r.files.filter((l) =>
      /\/(dist\/src|node_modules\/(hyparquet|commander|@datadog\/sketches-js))\//.test(l),
    );
    assert.deepEqual(outside, [], 'the CLI runs from its bundle: no module of ours, commander, hyparquet or sketches');
    const files = new Set(r.files.map((l) => l.split(' ')[0]!).filter((url) => url.startsWith('file:')));
    // the bundle's chunks: one per set of commands sharing modules (each a file read at start-up, ~0.1 ms)
    assert.ok(files.size <= 40, `${files.size} files loaded: ${[...files].join(', ')}`);
    const pkgs = new Set(r.loaded.map((l) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(l.split(' ')[0]!)?.[1]));
    const heavy = ['apache-arrow', 'parquet-wasm', 'arrow-js-ffi', 'flatbuffers', '@aws-sdk/client-s3', 'p-limit'];
    for (const name of heavy) assert.ok(!pkgs.has(name), `query loaded ${name}`);
    // loading node:crypto took ~5 ms of a query's start-up; it hashes nothing (the manifests' layouts hold the digests)
    assert.ok(!r.loaded.some((l) => l.startsWith('node:crypto ')), 'a query does not import node:crypto');
    // commander requires child_process (with net, dgram and more: ~6-8 ms) for executable subcommands, which we have
    // none of: the bundle gives it a stand-in that loads the real module on first use (scripts/bundle-cli.ts)
    assert.ok(r.loaded.includes('node:fs (built-in)'), 'the trace sees the built-ins loaded');
    assert.ok(!r.loaded.some((l) => l.startsWith('node:child_process ')), 'a query does not load child_process');
    const latency = ['query', '--metric', 'request_latency_ms', ...window, '--agg', 'p99', '--store', store];
    const p99 = await traced([bin, ...latency]);
    assert.equal(p99.code, 0, p99.stderr);
    assert.match(p99.stdout, /2026-05-01T11:00:00\.000Z +\d/);
    assert.ok(
      p99.loaded.some((l) => l.includes('/node_modules/@datadog/sketches-js/')) &&
        !p99.files.some((l) => l.includes('/node_modules/@datadog/')),
      'a p99 query decodes its sketches with the package from the bundle, not from node_modules',
    );
  });

  it('a one-shot query that ends at once still writes all of its output to a reader that is slow to read', async () => {
    const store = await rolledUpStore();
    const args = [bin, 'query', '--store', store, '--metric', 'cpu_usage', '--from', '2026-05-01T00:00:00Z'];
    args.push('--to', '2026-05-02T00:00:00Z', '--group-by', 'cluster,broker', '--format', 'json');
    /** The query's stdout through a pipe whose reader starts after `delay` seconds: until then its writes queue. */
    const read = (delay: number): Promise<{ code: number | null; stdout: string }> =>
      new Promise((resolve, reject) => {
        const script = `"$0" "$@" | (sleep ${delay}; cat)`;
        const child = spawn('sh', ['-c', script, process.execPath, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
        let stdout = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout }));
      });
    const slow = await read(1);
    const fast = await read(0);
    assert.equal(slow.code, 0);
    assert.ok(slow.stdout.length > 2 * 65536, `${slow.stdout.length} bytes: more than a pipe holds`);
    const rows = JSON.parse(slow.stdout) as { time: string }[];
    assert.equal(new Set(rows.map((r) => r.time)).size, 24);
    assert.equal(slow.stdout, fast.stdout);
  });

  it("retention --now with a bad instant halts with the instant rule's message, parsed after the lazy load", async () => {
    const r = await traced([bin, 'retention', '--now', '2026-02-30', '--store', dir.path]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /telemetry-rollup: retention --now '2026-02-30' is not an instant in a form read here/);
    assert.equal(r.stdout, '');
  });

  it("every command's --help, and help <command>, in one process: commander only", async () => {
    const script = `
      const { main } = await import(${JSON.stringify(mainModule)});
      const { buildProgram } = await import(${JSON.stringify(programModule)});
      const names = buildProgram({ logger: { event() {}, progress() {} }, setExit() {}, runId: 'test-run' }).commands.map((c) => c.name());
      for (const args of names.flatMap((n) => [[n, '--help'], ['help', n]])) {
        const code = await main(args);
        if (code !== 0) throw new Error(args.join(' ') + ' exited ' + code);
      }
      process.stderr.write('commands ' + names.join(',') + '\\n');`;
    const r = await traced(['--input-type=module', '-e', script]);
    assert.equal(r.code, 0, r.stderr);
    const names = /commands (\S+)/.exec(r.stderr)?.[1]?.split(',') ?? [];
    assert.ok(names.includes('query') && names.includes('serve') && names.length >= 17, `commands: ${names.join(' ')}`);
    for (const name of names) assert.match(r.stdout, new RegExp(`Usage: telemetry-rollup ${name} \\[options\\]`));
    assert.deepEqual(heavyModules(r.loaded), []);
  });
});
