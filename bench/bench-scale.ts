import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultJobConfigPath, loadJobConfig } from '../src/config/load-job-config.js';
import { addDays } from '../src/storage/partition-path.js';
import { median } from './measure-child.js';
import {
  eventsOf,
  measureProcess,
  succeeded,
  withoutExtraCaCerts,
  type ProcessMeasurement,
} from './measure-process.js';
import { ensureDay, parseScaleItems, scaleDate, seriesOf, type ScaleDay } from './scale-days.js';
import { compareAnswers, noFacts, readRunFacts } from './scale-facts.js';
import {
  renderScaleReport,
  type ColdQuery,
  type DayResult,
  type Days7Result,
  type Pair,
  type WeekResult,
} from './scale-report.js';

// make bench-scale: our job against DuckDB over the same files, day by day, in one run (see docs/benchmarks.md).
// BENCH_SCALE_DAYS (or the arguments) picks the days, so the default list can run in parts.
const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));
const cache = here('../../.cache/bench-scale');
const cli = here('../../bin/telemetry-rollup.js');
const oursChild = here('./ours-child.js');
const duckChild = here('./duckdb-child.js');
const list = process.argv.slice(2).join(',') || process.env.BENCH_SCALE_DAYS || '5m,50m,200m,hc,week,7x50m';
const hcSeries = Number(process.env.BENCH_SCALE_HC_SERIES ?? 300_000);
const weekRows = Number(process.env.BENCH_SCALE_WEEK_ROWS ?? 5_000_000);
const items = parseScaleItems(list, cache, hcSeries, weekRows);
const threads = availableParallelism();
// cold one-shot queries last about a second: each pair (ours, DuckDB) runs this many times, interleaved, and the
// medians are reported (a single run moved by up to 30% with what the machine had just done, e.g. writing a rollup)
const coldRuns = Number(process.env.BENCH_SCALE_COLD_RUNS ?? 5);
const log = (line: string): void => void process.stdout.write(`${line}\n`);
// when the environment sets NODE_EXTRA_CA_CERTS, cold queries are also measured with both sides started without it
const extraCa = process.env.NODE_EXTRA_CA_CERTS;
const withoutExtraCa = withoutExtraCaCerts();

// our two jobs: the base rollup alone (no cube), and the full hour tier (the default job without its day tier)
const config = await loadJobConfig();
const hourOnly = { ...config.output, tiers: config.output.tiers.filter((t) => t.grain === 'hour') };
const baseJob = path.join(cache, 'base-only-job.json');
const hourJob = path.join(cache, 'hour-tier-job.json');
await mkdir(cache, { recursive: true });
await writeFile(baseJob, JSON.stringify({ ...config, cube: undefined, output: hourOnly }));
await writeFile(hourJob, JSON.stringify({ ...config, output: hourOnly }));
const dims = ['metric', ...config.raw.dimensions].join(', ');
const cuboids = (config.cube?.cuboids ?? []).map((c) => c.dimensions.join(', ')).join(';');

const line = (what: string, m: ProcessMeasurement): string =>
  `  ${what.padEnd(44)} ${(m.wallMs / 1000).toFixed(2).padStart(8)} s wall ${m.cpuS.toFixed(1).padStart(7)} s CPU ${m.maxRssMb.toFixed(0).padStart(6)} MiB peak RSS${m.failure ? `  FAILED ${m.failure}` : ''}`;

/** Runs both sides of a comparison, one after the other, and prints them. */
async function pair(what: [string, string], ours: string[], duck: string[]): Promise<Pair> {
  const o = await measureProcess(ours);
  log(line(what[0], o));
  const d = await measureProcess(duck);
  log(line(what[1], d));
  logRatios({ ours: o, duck: d });
  return { ours: o, duck: d };
}

/** Prints a pair's ratios ours/DuckDB. */
function logRatios({ ours: o, duck: d }: Pair): void {
  const r = (a: number, b: number): string => (a / b).toFixed(2);
  log(`  ratio ours/DuckDB: wall ${r(o.wallMs, d.wallMs)}, CPU ${r(o.cpuS, d.cpuS)}, RSS ${r(o.maxRssMb, d.maxRssMb)}`);
}

/**
 * A cold one-shot query in a fresh process against DuckDB scanning the raw files, whole processes: `coldRuns`
 * interleaved pairs, reported as their medians (wall, CPU and peak RSS each); the answers of the first pair compared.
 */
async function coldQuery(
  root: string,
  job: string,
  rawGlob: string,
  from: string,
  to: string,
  where?: string, // dimension=value
): Promise<ColdQuery> {
  const window = ['--metric', 'cpu_usage', '--from', from, '--to', to, '--agg', 'avg'];
  const filter = where ? ['--where', where] : [];
  const ours = [cli, 'query', ...window, ...filter, '--format', 'json', '--explain', '--store', root, '--config', job];
  const duck = [duckChild, 'query', rawGlob, String(threads), 'cpu_usage', from, to, ...(where ? [where] : [])];
  const measure = async (env: NodeJS.ProcessEnv, label: string): Promise<{ pair: Pair; first: Pair }> => {
    const runs: Pair[] = [];
    for (let i = 0; i < coldRuns; i++)
      runs.push({ ours: await measureProcess(ours, env), duck: await measureProcess(duck, env) });
    const p: Pair = { ours: medianOf(runs.map((r) => r.ours)), duck: medianOf(runs.map((r) => r.duck)) };
    log(line(`telemetry-rollup query (cold, median of ${coldRuns})${label}`, p.ours));
    log(line(`DuckDB raw scan (median of ${coldRuns})${label}`, p.duck));
    logRatios(p);
    log(
      `  CPU per run: ours ${runs.map((x) => x.ours.cpuS.toFixed(2)).join(', ')}; DuckDB ${runs.map((x) => x.duck.cpuS.toFixed(2)).join(', ')}`,
    );
    return { pair: p, first: runs[0]! };
  };
  const { pair: p, first } = await measure(process.env, '');
  const failed = p.ours.failure ?? p.duck.failure;
  const answers = failed ? 'not compared (a query failed)' : compareAnswers(first.ours.stdout, first.duck.stdout);
  log(`  answers: ${answers}`);
  // what the cold query read: the --explain line of bytes and row groups per day (partial segment reads)
  for (const read of first.ours.stderr.match(/^explain \S+ segments read .*$/gm) ?? []) log(`  ${read.slice(8)}`);
  const withoutCa = withoutExtraCa && (await measure(withoutExtraCa, ', no NODE_EXTRA_CA_CERTS')).pair;
  return { ...p, answers, ...(withoutCa ? { withoutExtraCa: withoutCa } : {}) };
}

/** Node's own start-up (`node -e 0`, median of `coldRuns`): as the environment has it, and without NODE_EXTRA_CA_CERTS. */
async function nodeStartUp(): Promise<{ asIs: number; withoutExtraCa: number | undefined }> {
  const wall = async (env: NodeJS.ProcessEnv): Promise<number> => {
    const runs: number[] = [];
    for (let i = 0; i < coldRuns; i++) runs.push(succeeded(await measureProcess(['-e', '0'], env), 'node -e 0').wallMs);
    return median(runs);
  };
  return { asIs: await wall(process.env), withoutExtraCa: withoutExtraCa && (await wall(withoutExtraCa)) };
}

/** The first cluster (in value order) of the day's hour tier: `values --dim cluster`, printed as JSON. */
async function firstCluster(root: string, job: string): Promise<string> {
  const m = succeeded(
    await measureProcess([cli, 'values', '--dim', 'cluster', '--format', 'json', '--store', root, '--config', job]),
    'values --dim cluster',
  );
  const first = (JSON.parse(m.stdout) as { values: string[] }).values[0];
  if (first === undefined) throw new Error('bench-scale: the day has no cluster');
  return first;
}

/** The median of each measure over runs of one command (output and failure of the first failed run, else the first). */
function medianOf(runs: readonly ProcessMeasurement[]): ProcessMeasurement {
  const shown = runs.find((m) => m.failure) ?? runs[0]!;
  return {
    ...shown,
    wallMs: median(runs.map((m) => m.wallMs)),
    cpuS: median(runs.map((m) => m.cpuS)),
    maxRssMb: median(runs.map((m) => m.maxRssMb)),
  };
}

async function benchDay(day: ScaleDay): Promise<DayResult> {
  const rawBytes = await ensureDay(day, cli, log);
  const series = seriesOf(day);
  log(`${day.name}: ${day.rows} raw rows, ${series} series, ${(rawBytes / 1e6).toFixed(1)} MB of raw Parquet`);
  const { root } = day;
  // measured as a fleet's daily run: the day before is committed first (generated and rolled up once, then cached),
  // so the day's shards are planned from its history as on every day after a fleet's first
  const before = addDays(scaleDate, -1);
  await ensureDay(day, cli, log, before);
  const history = await measureProcess([cli, 'run', '--date', before, '--store', root, '--config', hourJob]);
  log(line(`the day before, ${before} (skipped when committed)`, succeeded(history, `rolling up ${before}`)));
  const rawGlob = `${root}/raw/dt=${scaleDate}/*/*.parquet`;
  await mkdir(path.join(root, 'duckdb'), { recursive: true });
  const run = (job: string): string[] => [
    oursChild,
    'run',
    '--date',
    scaleDate,
    '--store',
    root,
    '--force',
    '--config',
    job,
  ];
  const duck = (mode: string, ...more: string[]): string[] => [
    duckChild,
    mode,
    rawGlob,
    path.join(root, 'duckdb', `${mode}.parquet`),
    String(threads),
    dims,
    ...more,
  ];
  const base = await pair(['telemetry-rollup run, base rollup alone', 'DuckDB GROUP BY'], run(baseJob), duck('base'));
  const full = await pair(
    ['telemetry-rollup run, full hour tier', 'DuckDB GROUPING SETS (base + cuboids)'],
    run(hourJob),
    duck('sets', cuboids),
  );
  const manifest = path.join(root, config.output.prefix, 'hour', `dt=${scaleDate}`, '_manifest.json');
  // a failed run's manifest is the previous run's: no facts from it
  const facts = full.ours.failure ? noFacts : await readRunFacts(manifest, eventsOf(full.ours.stderr));
  log(`  facts: ${JSON.stringify(facts)}`);
  const [from, to] = [`${scaleDate}T10:00:00Z`, `${scaleDate}T12:00:00Z`];
  const query = await coldQuery(root, hourJob, rawGlob, from, to);
  // the same question for one cluster: a filter, so the segments' index and records are read (the metric alone is
  // answered by the manifests' totals)
  const cluster = await firstCluster(root, hourJob);
  const filtered = await coldQuery(root, hourJob, rawGlob, from, to, `cluster=${cluster}`);
  return { name: day.name, rows: day.rows, series, rawBytes, base, full, facts, query, filtered, cluster };
}

/** bench/bench-queries.ts on a week of `rows` rows a day, then a cold one-shot query over the whole week. */
async function benchWeek(rows: number): Promise<WeekResult> {
  const root = path.join(cache, `week-${rows}`);
  log(`week: 7 days of ${rows} rows (generated and rolled up once, cached in ${root})`);
  const env = { ...process.env, BENCH_QUERY_ROOT: root, BENCH_QUERY_ROWS: String(rows) };
  const m = succeeded(await measureProcess([here('./bench-queries.js')], env), 'bench-queries on the week');
  const summaryLine = m.stdout.split('\n').find((l) => l.startsWith('BENCH_QUERIES '));
  if (!summaryLine) throw new Error(`bench-scale bench-queries printed no BENCH_QUERIES line: ${m.stdout.slice(-500)}`);
  const q = JSON.parse(summaryLine.slice('BENCH_QUERIES '.length)) as Omit<
    WeekResult,
    'cold' | 'coldFiltered' | 'cluster' | 'rowsPerDay'
  > & {
    first: string;
  };
  log(`  ${q.queries} random queries: p99 ours ${q.oursP99.toFixed(2)} ms, DuckDB ${q.duckP99.toFixed(1)} ms (warm)`);
  const [from, to] = [`${q.first}T00:00:00Z`, `${addDays(q.first, 7)}T00:00:00Z`];
  const weekGlob = `${root}/raw/dt=*/*/*.parquet`;
  const cold = await coldQuery(root, defaultJobConfigPath, weekGlob, from, to);
  const cluster = await firstCluster(root, defaultJobConfigPath);
  const coldFiltered = await coldQuery(root, defaultJobConfigPath, weekGlob, from, to, `cluster=${cluster}`);
  return { ...q, rowsPerDay: rows, cold, coldFiltered, cluster };
}

/**
 * Seven consecutive generated days (`7x50m`), each rolled up with the default job (hour and day tiers, as the daily
 * job leaves them; a committed day is skipped), then cold one-shot queries over the seven days against DuckDB's scan.
 */
async function benchDays7(day: ScaleDay): Promise<Days7Result> {
  const dates = Array.from({ length: 7 }, (_, i) => addDays(scaleDate, i));
  let rawBytes = 0;
  for (const date of dates) rawBytes += await ensureDay(day, cli, log, date);
  // every day generated first: a day's late rows sit in the next day's first hour folders
  for (const date of dates) {
    const m = await measureProcess([cli, 'run', '--date', date, '--store', day.root, '--config', defaultJobConfigPath]);
    log(line(`rollup of ${date} (skipped when committed)`, succeeded(m, `rolling up ${date}`)));
  }
  const series = seriesOf(day);
  log(
    `${day.name}: 7 days of ${day.rows} raw rows, ${series} series, ${(rawBytes / 1e6).toFixed(1)} MB of raw Parquet`,
  );
  const [from, to] = [`${scaleDate}T00:00:00Z`, `${addDays(scaleDate, 7)}T00:00:00Z`];
  const rawGlob = `${day.root}/raw/dt=*/*/*.parquet`;
  const cold = await coldQuery(day.root, defaultJobConfigPath, rawGlob, from, to);
  const cluster = await firstCluster(day.root, defaultJobConfigPath);
  const coldFiltered = await coldQuery(day.root, defaultJobConfigPath, rawGlob, from, to, `cluster=${cluster}`);
  return { name: day.name, rowsPerDay: day.rows, series, rawBytes, cold, coldFiltered, cluster };
}

const startUp = await nodeStartUp();
log(
  `node -e 0: ${startUp.asIs.toFixed(0)} ms wall` +
    (startUp.withoutExtraCa === undefined
      ? ''
      : `; ${startUp.withoutExtraCa.toFixed(0)} ms without NODE_EXTRA_CA_CERTS=${extraCa}`),
);
const days: DayResult[] = [];
const days7: Days7Result[] = [];
let week: WeekResult | undefined;
for (const item of items) {
  if (item.kind === 'week') week = await benchWeek(item.rows);
  else if (item.kind === 'days7') days7.push(await benchDays7(item.day));
  else days.push(await benchDay(item.day));
}
const report = renderScaleReport(days, days7, week, {
  threads,
  when: `${new Date().toISOString().slice(0, 16)}Z (${list})`,
  coldRuns,
  startUp,
  extraCa,
});
log('');
log(report);
await writeFile(path.join(cache, 'last.md'), report);
log(`written to ${path.join(cache, 'last.md')}`);
