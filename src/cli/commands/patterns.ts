import { writeFile } from 'node:fs/promises';
import { describeMissing, hasMissing, NoDataError, type MissingData } from '../../query/missing-data.js';
import { openRollups, type Series } from '../../serve/open-rollups.js';
import { QueryError } from '../../query/run-query.js';
import { renderLineChart } from '../../serve/svg-chart.js';

/** Options shared by the usage-pattern commands. */
export interface PatternOptions {
  readonly store: string;
  readonly config?: string;
  readonly format: 'table' | 'json';
  readonly chart?: string; // SVG file to write (trend, attribute)
}

/** `facts`: network bytes (the job's `patterns.networkBytes` metrics) of a tenant or cluster in one hour. */
export async function factsCommand(o: PatternOptions & { tenant?: string; cluster?: string; hour: string }): Promise<void> {
  const rollups = await openRollups(o);
  const hour = instant('--hour', o.hour);
  const r = await rollups.facts({ ...(o.tenant ? { tenant: o.tenant } : {}), ...(o.cluster ? { cluster: o.cluster } : {}), hour });
  const who = o.tenant ? `tenant ${o.tenant}` : `cluster ${o.cluster}`;
  const text = r.bytes === null ? 'no data' : `${r.bytes} bytes (${r.byMetric.map((m) => `${m.metric} ${m.bytes ?? 'no data'}`).join(', ')})`;
  print(o.format, { ...(o.tenant ? { tenant: o.tenant } : { cluster: o.cluster }), hour: hour.toISOString(), ...r }, `${who}, hour from ${hour.toISOString()}: ${text}`, r.missing, `facts for ${who} in the hour from ${hour.toISOString()}`);
}

/** `trend`: a gauge of a cluster's brokers hour by hour over the last days, optionally as an SVG chart. */
export async function trendCommand(o: PatternOptions & { cluster: string; days: number; end?: string; metric?: string }): Promise<void> {
  const rollups = await openRollups(o);
  const end = o.end ? instant('--end', o.end) : new Date();
  const metric = o.metric ?? rollups.config.patterns?.load;
  const series = await rollups.trend({ cluster: o.cluster, end, days: o.days, ...(metric ? { metric } : {}) });
  if (o.chart && !series.missing.nothingFound) await writeFile(o.chart, renderLineChart({ title: `${metric} of cluster ${o.cluster}'s brokers, hourly, ${o.days} days to ${end.toISOString().slice(0, 13)}:00Z`, series }));
  print(o.format, series, tableOf(series), series.missing, `trend of ${metric} for cluster ${o.cluster}, ${o.days} days to ${end.toISOString()}`);
}

/** `diagnose`: storage (point-in-time retained bytes) of a cluster or topic at an hour. */
export async function diagnoseCommand(o: PatternOptions & { cluster?: string; topic?: string; at: string }): Promise<void> {
  const rollups = await openRollups(o);
  const at = instant('--at', o.at);
  const r = await rollups.diagnose({ ...(o.cluster ? { cluster: o.cluster } : {}), ...(o.topic ? { topic: o.topic } : {}), at });
  const who = o.cluster ? `cluster ${o.cluster}` : `topic ${o.topic}`;
  const lines = [`storage of ${who} in the hour from ${at.toISOString()}: ${bytesOrNoData(r.bytes)}`, ...r.byTopic.slice(0, 20).map((t) => `  ${String(t.topic).padEnd(32)} ${t.bytes}`)];
  print(o.format, r, lines.join('\n'), r.missing, `diagnose for ${who} in the hour from ${at.toISOString()}`);
}

/** `attribute`: a cluster's CPU next to its fetch requests, hourly, with their correlation. */
export async function attributeCommand(o: PatternOptions & { cluster: string; days: number; end?: string }): Promise<void> {
  const rollups = await openRollups(o);
  const end = o.end ? instant('--end', o.end) : new Date();
  const r = await rollups.attribute({ cluster: o.cluster, end, days: o.days });
  if (o.chart && !r.missing.nothingFound) await writeFile(o.chart, renderLineChart({ title: `cluster ${o.cluster}: CPU vs fetch requests, hourly (correlation ${r.correlation?.toFixed(2) ?? 'n/a'})`, series: [r.cpu, r.fetches] }));
  print(o.format, r, `${tableOf([r.cpu, r.fetches])}\ncorrelation (Pearson, hourly): ${r.correlation?.toFixed(3) ?? 'n/a'}`, r.missing, `attribute for cluster ${o.cluster}, ${o.days} days to ${end.toISOString()}`);
}

function tableOf(series: readonly Series[]): string {
  if (series.every((s) => s.points.length === 0)) return 'no data';
  const times = [...new Set(series.flatMap((s) => s.points.map((p) => p.time)))].sort();
  const byName = series.map((s) => new Map(s.points.map((p) => [p.time, p.value])));
  const header = ['time', ...series.map((s) => `${s.name} (${s.unit})`)];
  const rows = times.map((t) => [t, ...byName.map((m) => (m.has(t) ? round(m.get(t)!) : ''))]);
  return [header, ...rows].map((r) => r.join('  ')).join('\n');
}

function round(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(3);
}

function bytesOrNoData(bytes: number | null): string {
  return bytes === null ? 'no data' : `${bytes} bytes`;
}

/**
 * Prints an answer as JSON (an object carries its `missing` field; an array stays an array and what was missing goes
 * to stderr as one JSON line) or as text with the missing days and hours as footer lines; then, when nothing at all
 * matched, throws NoDataError (exit 3).
 */
function print(format: 'table' | 'json', value: unknown, text: string, missing: MissingData, what: string): void {
  if (format === 'json') {
    process.stdout.write(JSON.stringify(value) + '\n');
    if (Array.isArray(value) && (hasMissing(missing) || missing.nothingFound)) process.stderr.write(JSON.stringify({ event: 'pattern_missing_data', missing }) + '\n');
  } else {
    process.stdout.write([text, ...describeMissing(missing)].join('\n') + '\n');
  }
  if (missing.nothingFound) throw new NoDataError(`${what}: no data${hasMissing(missing) ? `; ${describeMissing(missing).join('; ')}` : ''}`, missing);
}

function instant(flag: string, value: string): Date {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new QueryError(`query ${flag} '${value}' is not an ISO-8601 instant (e.g. 2026-11-24T13:00:00Z)`);
  return new Date(ms);
}
