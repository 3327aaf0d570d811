/**
 * Bundles the compiled CLI (dist/src) into dist/cli/: its entry points, and chunks shared between them. Node 20
 * resolves an ES module import by stat-ing and reading package.json files up the tree, for every module: a cold
 * query's ~100 modules (ours, commander, hyparquet, valibot, zstddec) now load as 27 files (a query of a 20K-row day
 * 0.30 -> 0.23 s wall, a cold query of the hc day 0.56 -> 0.49 s CPU; docs/benchmarks.md, 2026-11-27 09:00Z).
 *
 * The chunks load lazily as the modules did: `import()` of a command body stays a dynamic import of its chunk. What
 * the code reads by path stays outside: package.json and the default job (src/package-file.ts: two directories below
 * the root in dist/src/ and dist/cli/ alike), the worker's script (an entry point of its own, beside the chunk that
 * names it) and the packages loaded through `createRequire` (the progress bar, parquet-wasm's WebAssembly).
 *
 * Two builds: the CLI (`start`, what bin/ loads first, and `main`), and the rollup worker, whose chunks are named
 * `worker-chunk-*`. A worker runs in an isolate of its own, so sharing files with the main thread saves nothing, and
 * one build of both cut the CLI into more, smaller chunks (esbuild makes a chunk of each set of entry points and
 * `import()`s that reach a module): a query of a tiny day loaded 40 files, now 34.
 *
 * dist/cli/meta.json is esbuild's metafile: the sources each chunk holds (test/e2e/cli-help-imports.test.ts reads it).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const root = fileURLToPath(new URL('../..', import.meta.url)); // dist/scripts/ -> the repository
const outdir = 'dist/cli';

/**
 * commander requires `node:child_process` as it loads, for subcommands run as executables, which the CLI has none of.
 * Node's child_process loads net, dgram and more: ~6-8 ms of every command's start (a cold query of the 50M-row day
 * 0.285 -> 0.265 s wall, medians of 10 interleaved runs). commander gets a stand-in that loads it on first use.
 */
const lazyChildProcess: Plugin = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer)
        ? { path: 'child_process', namespace: 'lazy' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
      loader: 'js',
      contents:
        "let real; module.exports = new Proxy({}, { get: (_, key) => (real ??= require('node:child_process'))[key] });",
    }));
  },
};

const bundleOf = (entryPoints: Record<string, string>, chunkNames: string) =>
  build({
    absWorkingDir: root,
    entryPoints,
    outdir,
    chunkNames,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // packages' ES module builds first: a CommonJS package bundled behind `import()` exposes only `default` (the AWS
    // SDK's commands would be missing from `await import('@aws-sdk/client-s3')`); Node's own loader finds named exports
    mainFields: ['module', 'main'],
    // names are kept (errors and classes read as in the sources); whitespace and syntax minified: ~30% less to parse
    minifySyntax: true,
    minifyWhitespace: true,
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    metafile: true,
    plugins: [lazyChildProcess],
    logLevel: 'warning',
    // @datadog/sketches-js's protobuf code (and protobufjs, which it does not depend on): required only by its
    // toProto()/fromProto(), which we never call (src/measures/quantile-sketch.ts), so left out of the bundle
    external: ['protobufjs/minimal', '*/proto/compiled'],
    // the CommonJS packages bundled here (the AWS SDK, commander) call require() for Node's built-ins
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module';const require=__createRequire(import.meta.url);",
    },
  });
const cli = await bundleOf({ start: 'dist/src/cli/start.js', main: 'dist/src/cli/main.js' }, 'chunk-[hash]');
const worker = await bundleOf({ 'rollup-worker': 'dist/src/rollup/rollup-worker.js' }, 'worker-chunk-[hash]');
const metafile = {
  inputs: { ...cli.metafile.inputs, ...worker.metafile.inputs },
  outputs: { ...cli.metafile.outputs, ...worker.metafile.outputs },
};
writeFileSync(`${root}/${outdir}/meta.json`, JSON.stringify(metafile));
