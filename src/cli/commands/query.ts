import { loadJobConfig } from '../../config/load-job-config.js';
import { describeMissing, hasMissing, NoDataError, nothingMissing, type MissingData } from '../../query/missing-data.js';
import { aggregatesByKind, QueryError, runQuery, type Query, type QueryAggregate, type QueryRow } from '../../query/run-query.js';
import { openStore } from '../../storage/open-store.js';

/** Options of `telemetry-rollup query`, as parsed from the command line. */
export interface QueryCommandOptions {
  readonly store: string;
  readonly config?: string;
  readonly metric: string;
  readonly from: string;
  readonly to: string;
  readonly grain: 'hour' | 'day';
  readonly groupBy: readonly string[];
  readonly where: readonly string[]; // d=v1,v2
  readonly whereNot: readonly string[];
  readonly agg?: QueryAggregate; // default: the first aggregate of the metric's kind
  readonly format: 'table' | 'json' | 'csv';
  readonly explain: boolean;
}

/**
 * Answers a query from the committed cubes and prints it in the chosen format (explain on stderr). Days and hours
 * without data are listed (table footer, CSV comment lines, a JSON line on stderr beside the JSON array); when nothing
 * at all matched it throws NoDataError after printing (exit 3).
 */
export async function queryCommand(o: QueryCommandOptions): Promise<QueryRow[]> {
  const config = await loadJobConfig(o.config);
  if (!config.cube) throw new QueryError(`query needs a cube: the job config has no "cube" section`);
  if (!(o.metric in config.metrics)) throw new QueryError(`query metric '${o.metric}' is not in the metric catalog (known: ${Object.keys(config.metrics).join(', ')})`);
  const q: Query = {
    metric: o.metric,
    kind: config.metrics[o.metric]!.kind,
    fromMs: parseInstant('--from', o.from),
    toMs: parseInstant('--to', o.to),
    grain: o.grain,
    groupBy: o.groupBy,
    where: parseConditions('--where', o.where),
    whereNot: parseConditions('--where-not', o.whereNot),
    agg: o.agg ?? aggregatesByKind[config.metrics[o.metric]!.kind][0]!,
  };
  const { rows, explain, missing } = await runQuery(openStore(o.store), config.output.prefix, config.cube, q);
  if (o.explain) {
    for (const d of explain.days) process.stderr.write(`explain ${d.date} (${d.tier} tier): nodes visited ${d.nodesVisited}, leaves reached ${d.leavesReached}, records read ${d.recordsRead} (bound ${d.leavesReached} x T=${d.maxLeafRecords})\n`);
    if (explain.missingDays.length > 0) process.stderr.write(`explain days without a committed partition: ${explain.missingDays.join(', ')}\n`);
    process.stderr.write(`explain total records read ${explain.recordsRead}\n`);
  }
  process.stdout.write(formatRows(rows, o.groupBy, o.format, missing));
  if (o.format === 'json' && (hasMissing(missing) || missing.nothingFound)) process.stderr.write(JSON.stringify({ event: 'query_missing_data', missing }) + '\n');
  if (missing.nothingFound) {
    const what = [`metric ${o.metric}`, ...o.where.map((w) => `where ${w}`), ...o.whereNot.map((w) => `where-not ${w}`)].join(' ');
    throw new NoDataError(`query no data for ${what} from ${new Date(q.fromMs).toISOString()} to ${new Date(q.toMs).toISOString()}${hasMissing(missing) ? `; ${describeMissing(missing).join('; ')}` : ''}`, missing);
  }
  return rows;
}

/**
 * Rows as an aligned table, a JSON array of `{time, <dims>, value}` objects, or CSV with a header. What was missing
 * follows a table as footer lines and CSV as `#` comment lines; the JSON array stays as it was (the caller reports
 * the missing days and hours on stderr). An answer with no rows is the line `no data` in a table, never an empty table.
 */
export function formatRows(rows: readonly QueryRow[], groupBy: readonly string[], format: 'table' | 'json' | 'csv', missing: MissingData = nothingMissing): string {
  const objects = rows.map((r) => ({ time: r.time, ...Object.fromEntries(groupBy.map((d, i) => [d, r.groups[i] ?? null])), value: r.value }));
  if (format === 'json') return JSON.stringify(objects) + '\n';
  const header = ['time', ...groupBy, 'value'];
  const cells = objects.map((o) => header.map((h) => String((o as Record<string, unknown>)[h] ?? '')));
  const footer = describeMissing(missing);
  if (format === 'csv') return [[header, ...cells].map((line) => line.map(csvCell).join(',')).join('\n'), ...footer.map((l) => `# ${l}`)].join('\n') + '\n';
  if (rows.length === 0) return ['no data', ...footer].join('\n') + '\n';
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  return [...[header, ...cells].map((line) => line.map((c, i) => (i === line.length - 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ')), ...footer].join('\n') + '\n';
}

function csvCell(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function parseInstant(flag: string, value: string): number {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (!Number.isFinite(ms) || !/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/.test(value)) {
    throw new QueryError(`query ${flag} '${value}' is not an ISO-8601 date or UTC instant (e.g. 2026-11-24 or 2026-11-24T13:00:00Z)`);
  }
  return ms;
}

function parseConditions(flag: string, conditions: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const c of conditions) {
    const eq = c.indexOf('=');
    if (eq <= 0) throw new QueryError(`query ${flag} '${c}' is not of the form dimension=value[,value...]`);
    const dim = c.slice(0, eq);
    out[dim] = [...(out[dim] ?? []), ...c.slice(eq + 1).split(',')];
  }
  return out;
}
