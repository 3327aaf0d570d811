import { writeFile } from 'node:fs/promises';
import { openRollups, type Series } from '../../serve/open-rollups.js';
import { QueryError } from '../../query/run-query.js';
import { renderLineChart } from '../../serve/svg-chart.js';
import { coverageOf, describeGap, describeSpan, type ChartRange } from '../../serve/chart-gaps.js';
import { formatCorrelation, formatQuantity } from '../../serve/format-quantity.js';

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
  const range = chartRange(end, o.days);
  const span = describeSpan(coverageOf(series, range));
  if (o.chart) await writeFile(o.chart, renderLineChart({ title: `${metric} of cluster ${o.cluster}'s brokers, hourly, to ${hourLabel(range.toMs)} (${span})`, series, range }));
  print(o.format, series, tableOf(series, range));
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
  const range = chartRange(end, o.days);
  const span = describeSpan(coverageOf([r.cpu, r.fetches], range));
  if (o.chart) await writeFile(o.chart, renderLineChart({ title: `cluster ${o.cluster}: ${r.cpu.name} vs ${r.fetches.name}, hourly, to ${hourLabel(range.toMs)} (${span}; correlation ${formatCorrelation(r.correlation)})`, series: [r.cpu, r.fetches], range }));
  print(o.format, r, `${tableOf([r.cpu, r.fetches], range)}\ncorrelation (Pearson, hourly): ${formatCorrelation(r.correlation)}`);
}

/** Hourly series side by side, values written for people (full precision: --format json), missing hours named below. */
function tableOf(series: readonly Series[], range: ChartRange): string {
  const times = [...new Set(series.flatMap((s) => s.points.map((p) => p.time)))].sort();
  const byName = series.map((s) => new Map(s.points.map((p) => [p.time, p.value])));
  const header = ['time (UTC)', ...series.map((s) => s.name)];
  const rows = times.map((t) => [t.slice(0, 16).replace('T', ' '), ...byName.map((m, i) => (m.has(t) ? formatQuantity(m.get(t)!, series[i]!.unit) : '-'))]);
  const widths = header.map((_, c) => Math.max(...[header, ...rows].map((r) => r[c]!.length)));
  const lines = [header, ...rows].map((r) => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ').trimEnd());
  const coverage = coverageOf(series, range);
  if (coverage.gaps.length > 0) lines.push(`no data (${coverage.missingSteps} of ${coverage.steps} hours missing): ${coverage.gaps.map(describeGap).join('; ')}`);
  return lines.join('\n');
}

/** The hourly range of the last `days` days up to `end` (rounded up to the hour), as the patterns query it. */
function chartRange(end: Date, days: number): ChartRange {
  const toMs = Math.ceil(end.getTime() / 3_600_000) * 3_600_000;
  return { fromMs: toMs - days * 86_400_000, toMs, stepMs: 3_600_000 };
}

function hourLabel(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function print(format: 'table' | 'json', value: unknown, text: string): void {
  process.stdout.write((format === 'json' ? JSON.stringify(value) : text) + '\n');
}

function instant(flag: string, value: string): Date {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new QueryError(`query ${flag} '${value}' is not an ISO-8601 instant (e.g. 2026-11-24T13:00:00Z)`);
  return new Date(ms);
}
