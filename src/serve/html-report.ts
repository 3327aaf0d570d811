import { describeMissing, mergeMissing, NoDataError, type MissingData } from '../query/missing-data.js';
import type { Rollups, Series } from './open-rollups.js';
import { escapeXml, renderLineChart } from './svg-chart.js';

/** Which entities the report shows; the busiest cluster and tenant of the day are picked when not given. */
export interface ReportOptions {
  readonly date: string; // YYYY-MM-DD: the day reported (trends cover the 7 days up to its end)
  readonly cluster?: string;
  readonly tenant?: string;
  readonly trendDays?: number; // default 7
}

/**
 * A self-contained HTML page with the four usage patterns for a day: facts, trends, diagnose, attribution. A value
 * with nothing behind it reads "no data" (never 0), each section lists its days and hours without data, and a day
 * with no data at all throws NoDataError.
 */
export async function renderHtmlReport(rollups: Rollups, o: ReportOptions): Promise<string> {
  const dayStart = Date.parse(`${o.date}T00:00:00Z`);
  const end = new Date(dayStart + 86_400_000);
  const cluster = o.cluster ?? (await busiest(rollups, 'cluster', dayStart));
  const tenant = o.tenant ?? (await busiest(rollups, 'tenant', dayStart));
  const days = o.trendDays ?? 7;
  const hours = Array.from({ length: 24 }, (_, h) => new Date(dayStart + h * 3_600_000));
  const facts = await Promise.all(hours.map(async (hour) => ({ hour, ...(await rollups.facts({ tenant, hour })) })));
  const trend = await rollups.trend({ cluster, end, days });
  const noon = new Date(dayStart + 12 * 3_600_000);
  const storage = await rollups.diagnose({ cluster, at: noon });
  const attribution = await rollups.attribute({ cluster, end, days });
  const factsMissing = mergeMissing(facts.map((f) => f.missing));
  if (factsMissing.nothingFound && trend.missing.nothingFound && storage.missing.nothingFound && attribution.missing.nothingFound) {
    throw new NoDataError(`report has no data for ${o.date} (tenant ${tenant}, cluster ${cluster}): ${describeMissing(mergeMissing([factsMissing, trend.missing, storage.missing, attribution.missing])).join('; ')}`, factsMissing);
  }
  const gib = (b: number | null): string => (b === null ? 'no data' : (b / 2 ** 30).toFixed(3));
  const orNoData = (v: number | null): string => (v === null ? 'no data' : String(v));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Fleet telemetry report ${escapeXml(o.date)}</title>
<style>body{font-family:sans-serif;margin:24px;max-width:980px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f4f4f4}h2{margin-top:32px}</style></head>
<body>
<h1>Fleet telemetry report, ${escapeXml(o.date)} (UTC)</h1>
<p>Answered from the committed rollup cubes (star-tree), not from raw rows.</p>
<h2 id="facts">Facts: network bytes of tenant ${escapeXml(tenant)} per hour</h2>
<table><tr><th>hour (UTC)</th>${(facts[0]?.byMetric ?? []).map((m) => `<th>${escapeXml(m.metric)} (bytes)</th>`).join('')}<th>total (GiB)</th></tr>
${facts.map((f) => `<tr><td>${f.hour.toISOString().slice(11, 16)}</td>${f.byMetric.map((m) => `<td>${orNoData(m.bytes)}</td>`).join('')}<td>${gib(f.bytes)}</td></tr>`).join('\n')}
</table>
${missingNote(factsMissing)}
<h2 id="trends">Trends: CPU of cluster ${escapeXml(cluster)}'s brokers, hourly, ${days} days</h2>
${chartOrNoData(`${rollups.config.patterns?.load ?? 'load'} (avg) per broker of ${cluster}`, trend)}
${missingNote(trend.missing)}
<h2 id="diagnose">Diagnose: storage of cluster ${escapeXml(cluster)} at ${noon.toISOString().slice(0, 16)}Z</h2>
<p>Total retained: <b>${storage.bytes === null ? 'no data' : `${gib(storage.bytes)} GiB`}</b> (sum over partitions of their latest value in the hour).</p>
<table><tr><th>topic</th><th>retained (GiB)</th></tr>
${storage.byTopic.slice(0, 15).map((t) => `<tr><td>${escapeXml(String(t.topic))}</td><td>${gib(t.bytes)}</td></tr>`).join('\n')}
</table>
${missingNote(storage.missing)}
<h2 id="attribution">Attribution: CPU next to fetch requests for cluster ${escapeXml(cluster)}, ${days} days</h2>
<p>Pearson correlation of hourly CPU (avg) and fetch requests (sum): <b>${attribution.correlation?.toFixed(3) ?? 'n/a'}</b></p>
${chartOrNoData(`${attribution.cpu.name} vs ${attribution.fetches.name}, ${cluster}`, [attribution.cpu, attribution.fetches])}
${missingNote(attribution.missing)}
</body></html>
`;
}

/** The value of `dimension` with the most bytes of the first network metric on the day. */
async function busiest(rollups: Rollups, dimension: 'cluster' | 'tenant', dayStart: number): Promise<string> {
  const metric = rollups.config.patterns?.networkBytes[0];
  if (!metric) throw new Error('report needs the job config\'s "patterns" section (which metric plays which role)');
  const answer = await rollups.query({ metric, fromMs: dayStart, toMs: dayStart + 86_400_000, grain: 'day', groupBy: [dimension], agg: 'sum' });
  const top = [...answer.rows].sort((a, b) => b.value - a.value)[0];
  if (!top || top.groups[0] === null || top.groups[0] === undefined) {
    const date = new Date(dayStart).toISOString().slice(0, 10);
    throw new NoDataError(`report has no data for ${date} to pick the busiest ${dimension}${answer.missing.notRolledUp.length > 0 ? ': the day is not rolled up (no committed partition)' : ''}`, answer.missing);
  }
  return top.groups[0];
}

/** A paragraph listing the days and hours without data (empty when nothing is missing). */
function missingNote(m: MissingData): string {
  const lines = describeMissing(m);
  return lines.length === 0 ? '' : `<p class="missing">${lines.map(escapeXml).join('<br>')}</p>`;
}

/** A line chart, or "no data" when no series has a point (never an empty chart that reads as zero). */
function chartOrNoData(title: string, series: readonly Series[]): string {
  return series.some((s) => s.points.length > 0) ? renderLineChart({ title, series }) : `<p class="missing"><b>no data</b> for ${escapeXml(title)}</p>`;
}
