import type { ProcessMeasurement } from './measure-process.js';
import { warmUpSegments, type RunFacts } from './scale-facts.js';

/** One comparison of whole processes: our job against DuckDB doing the same work on the same files. */
export interface Pair {
  readonly ours: ProcessMeasurement;
  readonly duck: ProcessMeasurement;
}

/**
 * A cold one-shot query against DuckDB's raw scan, medians of interleaved runs; and the same with both sides started
 * without NODE_EXTRA_CA_CERTS when the environment sets it (Node parses that file at every process start).
 */
export type ColdQuery = Pair & { readonly answers: string; readonly withoutExtraCa?: Pair };

/** Everything make bench-scale measured on one generated day. */
export interface DayResult {
  readonly name: string;
  readonly rows: number;
  readonly series: number;
  readonly rawBytes: number;
  readonly base: Pair; // base rollup alone vs DuckDB's base GROUP BY
  readonly full: Pair; // full hour tier vs DuckDB's GROUPING SETS of the base grouping and the declared cuboids
  readonly facts: RunFacts;
  readonly query: ColdQuery; // cold one-shot usage-pattern query
  readonly filtered: ColdQuery; // the same for one cluster
  readonly cluster: string;
}

/** The 7-day week: random warm queries (bench/bench-queries.ts) and one cold one-shot query over the week. */
export interface WeekResult {
  readonly rowsPerDay: number;
  readonly queries: number;
  readonly duckQueries: number;
  readonly oursP50: number;
  readonly oursP99: number;
  readonly oursFreshP99: number; // the first `queries` after the process started (JIT warm-up included)
  readonly duckP50: number;
  readonly duckP99: number;
  readonly cold: ColdQuery;
  readonly coldFiltered: ColdQuery; // the same for one cluster
  readonly cluster: string;
}

/** Seven consecutive generated days (`7x50m`): cold one-shot queries over all of them. */
export interface Days7Result {
  readonly name: string;
  readonly rowsPerDay: number;
  readonly series: number;
  readonly rawBytes: number; // of the seven days
  readonly cold: ColdQuery;
  readonly coldFiltered: ColdQuery; // the same for one cluster
  readonly cluster: string;
}

const n = (x: number): string => Math.round(x).toLocaleString('en-US');
const s = (ms: number): string => (ms / 1000).toFixed(2);
const mib = (x: number): string => (Number.isFinite(x) ? n(x) : 'n/a');
const ratio = (a: number, b: number): string => (Number.isFinite(a / b) ? (a / b).toFixed(2) : 'n/a');
const opt = (x: number | undefined): string => (x === undefined ? 'n/a' : n(x)); // never a made-up zero
const rows = (r: number): string => (r >= 1e6 ? `${+(r / 1e6).toFixed(1)}M` : `${n(r / 1e3)}K`);

/** A pair's cells; CPU seconds to `cpuDigits` decimals (2 for the second-long cold queries). */
function pairCells(p: Pair, cpuDigits = 1): string[] {
  const { ours, duck } = p;
  return [
    s(ours.wallMs),
    ours.cpuS.toFixed(cpuDigits),
    mib(ours.maxRssMb),
    s(duck.wallMs),
    duck.cpuS.toFixed(cpuDigits),
    mib(duck.maxRssMb),
    ours.failure || duck.failure
      ? `failed: ${ours.failure ? 'ours' : 'DuckDB'} ${(ours.failure ?? duck.failure)!}`
      : ratio(ours.wallMs, duck.wallMs),
    ours.failure || duck.failure ? 'n/a' : ratio(ours.cpuS, duck.cpuS),
    ours.failure || duck.failure ? 'n/a' : ratio(ours.maxRssMb, duck.maxRssMb),
  ];
}

/** A cold query's cells: the pair, the answers, and the wall and CPU ratios without NODE_EXTRA_CA_CERTS. */
function coldCells(q: ColdQuery): string[] {
  const bare = q.withoutExtraCa;
  if (!bare) return [...pairCells(q, 2), q.answers, 'n/a (not set)', 'n/a (not set)'];
  const failed = bare.ours.failure || bare.duck.failure;
  const r = (a: number, b: number): string => (failed ? 'n/a' : ratio(a, b));
  return [
    ...pairCells(q, 2),
    q.answers,
    `${r(bare.ours.wallMs, bare.duck.wallMs)} (${s(bare.ours.wallMs)} / ${s(bare.duck.wallMs)})`,
    r(bare.ours.cpuS, bare.duck.cpuS),
  ];
}

const row = (cells: readonly string[]): string => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;

/** The summary of a make bench-scale run as markdown tables (wall and CPU in seconds, RSS in MiB). */
export function renderScaleReport(
  days: readonly DayResult[],
  days7: readonly Days7Result[],
  week: WeekResult | undefined,
  header: {
    readonly threads: number;
    readonly when: string;
    readonly coldRuns: number;
    readonly startUp: { readonly asIs: number; readonly withoutExtraCa: number | undefined }; // node -e 0, wall ms
    readonly extraCa: string | undefined; // NODE_EXTRA_CA_CERTS of the environment
  },
): string {
  const lines = [
    `# make bench-scale, ${header.when}`,
    '',
    `Whole processes, one at a time; DuckDB with ${header.threads} threads over the same raw files; our runs without a` +
      ' day tier. Wall and CPU (user + sys) in seconds, peak RSS in MiB; ratios ours/DuckDB (on a shared machine the' +
      ' CPU ratio is the steadier one).',
    '',
  ];
  if (days.length > 0) {
    const head = ['day', 'series', 'raw rows (MB)', 'work', 'ours wall', 'CPU', 'RSS'];
    lines.push(row([...head, 'DuckDB wall', 'CPU', 'RSS', 'wall ratio', 'CPU ratio', 'RSS ratio']));
    lines.push(row(Array(head.length + 6).fill('---')));
    for (const d of days) {
      const id = [d.name, n(d.series), `${rows(d.rows)} (${(d.rawBytes / 1e6).toFixed(0)})`];
      lines.push(row([...id, 'base rollup vs GROUP BY', ...pairCells(d.base)]));
      lines.push(row([...id, 'full hour tier vs GROUPING SETS', ...pairCells(d.full)]));
    }
    lines.push(
      '',
      'Goals: full-job RSS <= 1,536 MiB on every day; full hour tier <= 1.0x and base rollup <= 1.5x at 50M.',
    );
    const facts = ['day', 'base records', 'cube records', 'cuboid rows', 'cube ms', 'cube ns / base record'];
    const cpu = ['cube CPU ms', 'cube CPU ns / base record', 'the same / cube record'];
    const threads = ['build-thread ns / base record', 'the same, steady'];
    const columns = [...facts, ...cpu, ...threads, 'segments', 'shards', 'spill bytes'];
    lines.push('', row(columns), row(Array(columns.length).fill('---')));
    const per = (ms: number | undefined, records: number | undefined): number | undefined =>
      ms !== undefined && records ? (ms * 1e6) / records : undefined;
    for (const d of days) {
      const f = d.facts;
      const counts = [f.baseRecords, f.cubeRecords, f.cuboidRows, f.cubeMs].map(opt);
      const cpuCells = [f.cubeCpuMs, per(f.cubeCpuMs, f.baseRecords), per(f.cubeCpuMs, f.cubeRecords)].map(opt);
      const perThread = [f.buildNsPerRecord, f.steadyNsPerRecord].map(opt);
      lines.push(
        row([
          d.name,
          ...counts,
          opt(per(f.cubeMs, f.baseRecords)),
          ...cpuCells,
          ...perThread,
          opt(f.segments),
          opt(f.shards),
          opt(f.spillBytes),
        ]),
      );
    }
    const spread = (values: readonly (number | undefined)[]): string => {
      const known = values.filter((v): v is number => v !== undefined);
      return known.length < 2 ? 'n/a' : `${(Math.max(...known) / Math.min(...known)).toFixed(2)}x`;
    };
    lines.push(
      '',
      'Goal: cube ns per base record flat within 1.5x across the days. Cube ns: the phase (every segment: base' +
        ' files, star-tree, cuboids, upload) over its wall time, which also depends on how many threads build (a day' +
        ' under 32 MiB of raw objects builds on one); cube CPU ns: its CPU time, every thread; build-thread ns: the' +
        ` segment builds, summed over the threads (segment_built events); steady: each thread's first ${warmUpSegments}` +
        ' segments left out.',
      `Spread (largest / smallest across these days): wall ${spread(days.map((d) => per(d.facts.cubeMs, d.facts.baseRecords)))},` +
        ` CPU ${spread(days.map((d) => per(d.facts.cubeCpuMs, d.facts.baseRecords)))},` +
        ` build-thread ${spread(days.map((d) => d.facts.buildNsPerRecord))}.`,
    );
  }
  if (days.length > 0 || days7.length > 0 || week) {
    lines.push('');
    const query = ['day', 'cold one-shot query', 'ours wall', 'CPU', 'RSS', 'DuckDB raw scan wall', 'CPU', 'RSS'];
    const bare = ['wall ratio without NODE_EXTRA_CA_CERTS (ours / DuckDB s)', 'CPU ratio without it'];
    lines.push(row([...query, 'wall ratio', 'CPU ratio', 'RSS ratio', 'answers', ...bare]), row(Array(14).fill('---')));
    for (const d of days)
      lines.push(
        row([d.name, 'cpu_usage avg 10:00-12:00', ...coldCells(d.query)]),
        row([d.name, `the same, --where cluster=${d.cluster}`, ...coldCells(d.filtered)]),
      );
    for (const d of days7) {
      const name = `${d.name} (${n(d.series)} series)`;
      lines.push(
        row([name, 'cpu_usage avg, the 7 days', ...coldCells(d.cold)]),
        row([name, `the same, --where cluster=${d.cluster}`, ...coldCells(d.coldFiltered)]),
      );
    }
    if (week)
      lines.push(
        row([`7 x ${rows(week.rowsPerDay)}`, 'cpu_usage avg, whole week', ...coldCells(week.cold)]),
        row([
          `7 x ${rows(week.rowsPerDay)}`,
          `the same, --where cluster=${week.cluster}`,
          ...coldCells(week.coldFiltered),
        ]),
      );
    lines.push(
      '',
      `Cold queries: medians of ${header.coldRuns} interleaved runs of each side.`,
      `Node's own start-up (\`node -e 0\`, median wall): ${n(header.startUp.asIs)} ms` +
        (header.startUp.withoutExtraCa === undefined
          ? '.'
          : `; ${n(header.startUp.withoutExtraCa)} ms without NODE_EXTRA_CA_CERTS=${header.extraCa} (Node 20 parses` +
            ' that file at every process start; the last two columns run both sides without it).'),
      'Goal: cold one-shot <= 0.5x DuckDB on the 50M, 200M and high-cardinality days; <= 0.1x over 7 days.',
    );
  }
  if (week) {
    const head = ['7 days x rows', 'ours p50 ms', 'ours p99 ms', 'DuckDB p50 ms', 'DuckDB p99 ms', 'p99 ratio'];
    lines.push('', row([...head, 'ours p99 ms, first queries after start']));
    lines.push(row(Array(7).fill('---')));
    lines.push(
      row([
        `7 x ${rows(week.rowsPerDay)}`,
        `${week.oursP50.toFixed(2)} (${week.queries} queries, warm)`,
        week.oursP99.toFixed(2),
        `${week.duckP50.toFixed(1)} (${week.duckQueries} of them, warm)`,
        week.duckP99.toFixed(1),
        (week.oursP99 / week.duckP99).toFixed(4),
        `${week.oursFreshP99.toFixed(2)} (ratio ${(week.oursFreshP99 / week.duckP99).toFixed(4)})`,
      ]),
      '',
      'Goal: p99 <= 0.01x DuckDB scanning the raw files. Ours is timed after as many queries again have warmed the',
      "process's code (the last column: those first queries, in V8's interpreter until compiled).",
    );
  }
  return lines.join('\n') + '\n';
}
