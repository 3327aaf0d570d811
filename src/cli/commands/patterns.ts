import { writeFile } from 'node:fs/promises';
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
  print(o.format, { ...(o.tenant ? { tenant: o.tenant } : { cluster: o.cluster }), hour: hour.toISOString(), ...r }, `${who}, hour from ${hour.toISOString()}: ${r.bytes} bytes (${r.byMetric.map((m) => `${m.metric} ${m.bytes}`).join(', ')})`);
}

/** `trend`: a gauge of a cluster's brokers hour by hour over the last days, optionally as an SVG chart. */
export async function trendCommand(o: PatternOptions & { cluster: string; days: number; end?: string; metric?: string }): Promise<void> {
  const rollups = await openRollups(o);
  const end = o.end ? instant('--end', o.end) : new Date();
  const metric = o.metric ?? rollups.config.patterns?.load;
  const series = await rollups.trend({ cluster: o.cluster, end, days: o.days, ...(metric ? { metric } : {}) });
  if (o.chart) await writeFile(o.chart, renderLineChart({ title: `${metric} of cluster ${o.cluster}'s brokers, hourly, ${o.days} days to ${end.toISOString().slice(0, 13)}:00Z`, series }));
  print(o.format, series, tableOf(series));
}

/** `diagnose`: storage (point-in-time retained bytes) of a cluster or topic at an hour. */
export async function diagnoseCommand(o: PatternOptions & { cluster?: string; topic?: string; at: string }): Promise<void> {
  const rollups = await openRollups(o);
  const at = instant('--at', o.at);
  const r = await rollups.diagnose({ ...(o.cluster ? { cluster: o.cluster } : {}), ...(o.topic ? { topic: o.topic } : {}), at });
  const lines = [`storage of ${o.cluster ? `cluster ${o.cluster}` : `topic ${o.topic}`} in the hour from ${at.toISOString()}: ${r.bytes} bytes`, ...r.byTopic.slice(0, 20).map((t) => `  ${String(t.topic).padEnd(32)} ${t.bytes}`)];
  print(o.format, r, lines.join('\n'));
}

/** `attribute`: a cluster's CPU next to its fetch requests, hourly, with their correlation. */
export async function attributeCommand(o: PatternOptions & { cluster: string; days: number; end?: string }): Promise<void> {
  const rollups = await openRollups(o);
  const end = o.end ? instant('--end', o.end) : new Date();
  const r = await rollups.attribute({ cluster: o.cluster, end, days: o.days });
  if (o.chart) await writeFile(o.chart, renderLineChart({ title: `cluster ${o.cluster}: CPU vs fetch requests, hourly (correlation ${r.correlation?.toFixed(2) ?? 'n/a'})`, series: [r.cpu, r.fetches] }));
  print(o.format, r, `${tableOf([r.cpu, r.fetches])}\ncorrelation (Pearson, hourly): ${r.correlation?.toFixed(3) ?? 'n/a'}`);
}

function tableOf(series: readonly Series[]): string {
  const times = [...new Set(series.flatMap((s) => s.points.map((p) => p.time)))].sort();
  const byName = series.map((s) => new Map(s.points.map((p) => [p.time, p.value])));
  const header = ['time', ...series.map((s) => `${s.name} (${s.unit})`)];
  const rows = times.map((t) => [t, ...byName.map((m) => (m.has(t) ? round(m.get(t)!) : ''))]);
  return [header, ...rows].map((r) => r.join('  ')).join('\n');
}

function round(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(3);
}

function print(format: 'table' | 'json', value: unknown, text: string): void {
  process.stdout.write((format === 'json' ? JSON.stringify(value) : text) + '\n');
}

function instant(flag: string, value: string): Date {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new QueryError(`query ${flag} '${value}' is not an ISO-8601 instant (e.g. 2026-11-24T13:00:00Z)`);
  return new Date(ms);
}
