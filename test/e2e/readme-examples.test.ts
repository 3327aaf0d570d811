// Every `npx telemetry-rollup ...` line in a ```sh block of README.md and docs/*.md runs as printed against the data
// `make demo` makes (seed 42), with `--store DIR` appended, and exits 0: never 1 (a stale flag, a tenant or cluster
// that does not exist), never 3 (no data). Lines ending in a backslash continue on the next line. A line that cannot
// run here (a server, a command that needs other data) carries the marker `# example only` and is skipped.
// Files a command writes (--out, --chart, --metrics-file) go to a temporary directory instead of the working directory.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startCliHost } from '../helpers/cli-host.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// One host process runs every CLI invocation of this file (through main): the examples are checked for what the
// commands answer (their exit codes), and a new process per example spent most of its time loading modules.
const host = startCliHost();
after(() => host.stop());
const runCli = host.run;

const root = new URL('../../../', import.meta.url);
const skipMarker = '# example only';
const outputFlags = new Set(['--out', '--chart', '--metrics-file']);
const exclusiveEndFlags = new Set(['--to', '--end']); // a day given only as an exclusive end needs no data

/** One documented command: where it is written and its arguments after `telemetry-rollup`. */
interface Example {
  readonly source: string;
  readonly line: string;
  readonly args: readonly string[];
}

/** Splits a shell command line into words (plain words and '...' or "..." quoted ones; no expansions). */
function splitWords(line: string): string[] {
  const words: string[] = [];
  for (const m of line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) words.push(m[1] ?? m[2] ?? m[3]!);
  return words;
}

/** The `npx telemetry-rollup` commands of the ```sh blocks of one Markdown text. */
function extractExamples(source: string, markdown: string): Example[] {
  const examples: Example[] = [];
  for (const block of markdown.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const joined = block[1]!.replace(/\\\n\s*/g, ' ');
    for (const raw of joined.split('\n')) {
      const line = raw.trim();
      if (!line.startsWith('npx telemetry-rollup ') || line.includes(skipMarker)) continue;
      const command = line.replace(/\s#.*$/, '');
      examples.push({ source, line: command, args: splitWords(command).slice(2) });
    }
  }
  return examples;
}

/** The days an example reads: every YYYY-MM-DD in its arguments except exclusive range ends. */
function daysRead(args: readonly string[]): string[] {
  const days: string[] = [];
  args.forEach((arg, i) => {
    if (i > 0 && exclusiveEndFlags.has(args[i - 1]!)) return;
    for (const m of arg.matchAll(/\b\d{4}-\d{2}-\d{2}\b/g)) days.push(m[0]);
  });
  return days;
}

describe('the documented example commands run as printed against the demo data (seed 42)', () => {
  let store: { path: string; remove: () => Promise<void> };
  let outDir: { path: string; remove: () => Promise<void> };
  const examples: Example[] = [];

  before(async () => {
    examples.push(...extractExamples('README.md', await readFile(new URL('README.md', root), 'utf8')));
    const docs = (await readdir(new URL('docs/', root))).filter((f) => f.endsWith('.md')).sort();
    for (const doc of docs)
      examples.push(...extractExamples(`docs/${doc}`, await readFile(new URL(`docs/${doc}`, root), 'utf8')));
    store = await makeTempDir('readme-store');
    outDir = await makeTempDir('readme-out');
    const days = [...new Set(examples.flatMap((e) => daysRead(e.args)))].sort();
    assert.ok(days.length <= 2, `the examples read ${days.length} days (${days.join(', ')}); keep them to one or two`);
    for (const date of days) {
      const generated = await runCli([
        'generate',
        '--date',
        date,
        '--rows',
        '100000',
        '--seed',
        '42',
        '--store',
        store.path,
      ]);
      assert.equal(generated.code, 0, generated.stderr);
      const run = await runCli(['run', '--date', date, '--store', store.path]);
      assert.equal(run.code, 0, run.stderr);
    }
  });
  after(async () => {
    await store?.remove();
    await outDir?.remove();
  });

  it('finds the README examples (the first-minutes block and the query examples)', () => {
    const fromReadme = examples.filter((e) => e.source === 'README.md');
    assert.ok(fromReadme.length >= 10, `only ${fromReadme.length} examples found in README.md`);
    for (const command of [
      'ls',
      'inspect',
      'values',
      'facts',
      'trend',
      'diagnose',
      'attribute',
      'query',
      'report',
      'verify',
    ]) {
      assert.ok(
        fromReadme.some((e) => e.args[0] === command),
        `no README example of '${command}'`,
      );
    }
  });

  it('every example exits 0 (not 1, not 3 = no data) with --store appended', async () => {
    const failures: string[] = [];
    for (const example of examples) {
      const args = example.args.map((arg, i) =>
        i > 0 && outputFlags.has(example.args[i - 1]!) ? join(outDir.path, basename(arg)) : arg,
      );
      const r = await runCli([...args, '--store', store.path]);
      if (r.code !== 0)
        failures.push(
          `${example.source}: ${example.line} -> exit ${String(r.code)}${r.code === 3 ? ' (no data)' : ''}: ${r.stderr.slice(-400)}`,
        );
    }
    assert.deepEqual(failures, []);
  });
});
