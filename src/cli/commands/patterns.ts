import { writeFile } from 'node:fs/promises';
import { openRollups, type Series } from '../../query/open-rollups.js';
import { cliParameterSource, parseAttributeParameters, parseDiagnoseParameters, parseFactsParameters, parseTrendParameters } from '../../query/query-parameters.js';
import { renderLineChart } from '../../report/svg-chart.js';

/** Options of the usage-pattern commands as commander parsed them; pattern parameters are parsed by query-parameters (as over HTTP). */
export interface PatternOptions {
  readonly store: string;
  readonly config?: string;
  readonly format: 'table' | 'json';
  readonly chart?: string; // SVG file to write (trend, attribute)
  readonly [parameter: string]: unknown; // --tenant, --hour, --days, ... as strings
}

/** `facts`: network bytes (received + sent) of a tenant or cluster in one hour. */
export async function factsCommand(o: PatternOptions): Promise<void> {
  const p = parseFactsParameters(cliParameterSource(o));
  const rollups = await openRollups(o);
  const hour = p.hour;
  const r = await rollups.facts(p);
  const who = p.tenant ? `tenant ${p.tenant}` : `cluster ${p.cluster}`;
  print(o.format, { ...(p.tenant ? { tenant: p.tenant } : { cluster: p.cluster }), hour: hour.toISOString(), ...r }, `${who}, hour from ${hour.toISOString()}: ${r.bytes} bytes (received ${r.received}, sent ${r.sent})`);
}

/** `trend`: a gauge of a cluster's brokers hour by hour over the last days, optionally as an SVG chart. */
export async function trendCommand(o: PatternOptions): Promise<void> {
  const p = parseTrendParameters(cliParameterSource(o), new Date());
  const rollups = await openRollups(o);
  const series = await rollups.trend(p);
  if (o.chart) await writeFile(o.chart, renderLineChart({ title: `${p.metric} of cluster ${p.cluster}'s brokers, hourly, ${p.days} days to ${p.end.toISOString().slice(0, 13)}:00Z`, series }));
  print(o.format, series, tableOf(series));
}

/** `diagnose`: storage (point-in-time retained bytes) of a cluster or topic at an hour. */
export async function diagnoseCommand(o: PatternOptions): Promise<void> {
  const p = parseDiagnoseParameters(cliParameterSource(o));
  const rollups = await openRollups(o);
  const r = await rollups.diagnose(p);
  const lines = [`storage of ${p.cluster ? `cluster ${p.cluster}` : `topic ${p.topic}`} in the hour from ${p.at.toISOString()}: ${r.bytes} bytes`, ...r.byTopic.slice(0, 20).map((t) => `  ${String(t.topic).padEnd(32)} ${t.bytes}`)];
  print(o.format, r, lines.join('\n'));
}

/** `attribute`: a cluster's CPU next to its fetch requests, hourly, with their correlation. */
export async function attributeCommand(o: PatternOptions): Promise<void> {
  const p = parseAttributeParameters(cliParameterSource(o), new Date());
  const rollups = await openRollups(o);
  const r = await rollups.attribute(p);
  if (o.chart) await writeFile(o.chart, renderLineChart({ title: `cluster ${p.cluster}: CPU vs fetch requests, hourly (correlation ${r.correlation?.toFixed(2) ?? 'n/a'})`, series: [r.cpu, r.fetches] }));
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
