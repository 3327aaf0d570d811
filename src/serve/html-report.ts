import { displayValue, namedValue } from './display-value.js';
import { topRows } from './top-rows.js';
import { describeMissing, mergeMissing, NoDataError, type MissingData } from '../query/missing-data.js';
import type { Rollups } from './open-rollups.js';
import type { ObjectStore } from '../storage/object-store.js';
import { readCommittedManifest } from '../partition/commit.js';
import { StorageError } from '../storage/storage-error.js';
import { addDays, manifestKey } from '../storage/partition-path.js';
import { coverageOf, describeSpan, type ChartRange } from './chart-gaps.js';
import { formatCorrelation, formatQuantity } from './format-quantity.js';
import { escapeXml, renderLineChart } from './svg-chart.js';

/** Which entities the report shows; the busiest cluster and tenant of the day are picked when not given. */
export interface ReportOptions {
  readonly date: string; // YYYY-MM-DD: the day reported (trends cover the 7 days up to its end)
  readonly cluster?: string;
  readonly tenant?: string;
  readonly trendDays?: number; // default 7
  // the store the rollups read: its committed manifests name the partitions the report comes from
  readonly store: ObjectStore;
  readonly now: () => Date; // when the report is generated (injected so tests can fix it)
}

/** One hour-tier partition the report read from, as its committed manifest records it (or why it is absent). */
type Source =
  | {
      readonly kind: 'committed';
      readonly date: string;
      readonly runId: string;
      readonly createdAt: string;
      readonly configHash: string;
    }
  | { readonly kind: 'absent'; readonly date: string }
  | { readonly kind: 'unreadable'; readonly date: string; readonly error: string };

const hourMs = 3_600_000;
const dayMs = 86_400_000;

/**
 * A self-contained HTML page with the four usage patterns for a day: facts, trends, diagnose, attribution. A value
 * with nothing behind it reads "no data" (never 0), each section lists its days and hours without data, and a day
 * with no data at all throws NoDataError.
 */
export async function renderHtmlReport(rollups: Rollups, o: ReportOptions): Promise<string> {
  const generatedAt = o.now();
  const dayStart = Date.parse(`${o.date}T00:00:00Z`);
  const end = new Date(dayStart + dayMs);
  const days = o.trendDays ?? 7;
  const sources = await readSources(o.store, rollups.config.output.prefix, o.date, days);
  const cluster = o.cluster ?? (await busiest(rollups, 'cluster', dayStart));
  const tenant = o.tenant ?? (await busiest(rollups, 'tenant', dayStart));
  const hours = Array.from({ length: 24 }, (_, h) => new Date(dayStart + h * hourMs));
  const facts = await Promise.all(hours.map((hour) => rollups.facts({ tenant, hour })));
  const trend = await rollups.trend({ cluster, end, days });
  const noon = new Date(dayStart + 12 * hourMs);
  const storage = await rollups.diagnose({ cluster, at: noon });
  const attribution = await rollups.attribute({ cluster, end, days });
  const factsMissing = mergeMissing(facts.map((f) => f.missing));
  const readMissing = mergeMissing([trend.missing, attribution.missing]); // the hour-grain reads of every day shown
  if (
    factsMissing.nothingFound &&
    trend.missing.nothingFound &&
    storage.missing.nothingFound &&
    attribution.missing.nothingFound
  ) {
    const missing = mergeMissing([factsMissing, trend.missing, storage.missing, attribution.missing]);
    throw new NoDataError(
      `report has no data for ${o.date} (tenant ${namedValue(tenant)}, cluster ${namedValue(cluster)}): ${describeMissing(missing).join('; ')}`,
      factsMissing,
    );
  }
  const range: ChartRange = { fromMs: end.getTime() - days * dayMs, toMs: end.getTime(), stepMs: hourMs };
  const trendSpan = describeSpan(coverageOf(trend, range));
  const attributionSpan = describeSpan(coverageOf([attribution.cpu, attribution.fetches], range));
  const load = rollups.config.patterns?.load ?? 'load';
  const bytesUnit = 'bytes';
  const cell = (v: number | null, unit: string): string =>
    v === null ? '<td>no data</td>' : `<td title="${v}">${escapeXml(formatQuantity(v, unit))}</td>`;
  const topicRows = topRows(storage.byTopic, 15);
  const topicTable = [
    ...topicRows.shown.map((t) => `<tr><td>${escapeXml(displayValue(t.topic))}</td>${cell(t.bytes, bytesUnit)}</tr>`),
    ...(topicRows.rest
      ? [`<tr class="rest"><td>${topicRows.rest.count} more topics</td>${cell(topicRows.rest.bytes, bytesUnit)}</tr>`]
      : []),
  ].join('\n');
  return (
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Fleet telemetry report ${escapeXml(o.date)}</title>
<style>body{font-family:sans-serif;margin:24px;max-width:980px}table{border-collapse:collapse}td,th{border:1px solid ` +
    `#ccc;padding:3px 8px;text-align:right}th{background:#f4f4f4}h2{margin-top:32px}.provenance ` +
    `td{text-align:left}.missing{color:#8a4b00}</style></head>
<body>
<h1>Fleet telemetry report, ${escapeXml(o.date)} (UTC)</h1>
<p>Answered from the committed rollup cubes (star-tree), not from raw rows. Generated <time id="generated" ` +
    `datetime="${generatedAt.toISOString()}">${generatedAt.toISOString().slice(0, 19).replace('T', ' ')} UTC</time> ` +
    `from ${sources.filter((s) => s.kind === 'committed').length} of ${days} hour-tier partitions ` +
    `(${escapeXml(addDays(o.date, 1 - days))} to ${escapeXml(o.date)}), listed <a href="#sources">below</a>. Values ` +
    `are rounded for reading; hover a cell or a point for its exact value, or use <code>--format json</code> for ` +
    `full precision.</p>
<h2 id="facts">Facts: network bytes of tenant ${escapeXml(namedValue(tenant))} per hour, ${escapeXml(o.date)}</h2>
<table><tr><th>hour (UTC)</th>` +
    `${(facts[0]?.byMetric ?? []).map((m) => `<th>${escapeXml(m.metric)}</th>`).join('')}<th>total</th></tr>
${facts
  .map(
    (f) =>
      `<tr><td>${f.hour.slice(11, 16)}</td>` +
      `${f.byMetric.map((m) => cell(m.bytes, bytesUnit)).join('')}${cell(f.bytes, bytesUnit)}</tr>`,
  )
  .join('\n')}
</table>
${missingNote(factsMissing)}
<h2 id="trends">Trends: ${escapeXml(load)} of cluster ${escapeXml(namedValue(cluster))}'s brokers, hourly, ${days} days ` +
    `to ${escapeXml(o.date)} (${trendSpan})</h2>
${renderLineChart({ title: `${load} (avg) per broker of ${namedValue(cluster)}, ${trendSpan}`, series: trend, range })}
${missingNote(trend.missing)}
<h2 id="diagnose">Diagnose: storage of cluster ${escapeXml(namedValue(cluster))} ` +
    `at ${noon.toISOString().slice(0, 16).replace('T', ' ')} UTC</h2>
<p>Total retained: ${
      storage.bytes === null
        ? '<b>no data</b>'
        : `<b title="${storage.bytes} bytes">${escapeXml(formatQuantity(storage.bytes, bytesUnit))}</b>`
    } (sum over partitions of their latest value in the hour).</p>
<table><tr><th>topic</th><th>retained</th></tr>
${topicTable}
</table>
${missingNote(storage.missing)}
<h2 id="attribution">Attribution: ${escapeXml(displayValue(attribution.cpu.name))} next to ${escapeXml(displayValue(attribution.fetches.name))} ` +
    `for cluster ${escapeXml(namedValue(cluster))}, ${days} days to ${escapeXml(o.date)} (${attributionSpan})</h2>
<p>Pearson correlation of the hourly values: <b id="correlation">${formatCorrelation(attribution.correlation)}</b></p>
${renderLineChart({
  title:
    `${displayValue(attribution.cpu.name)} vs ${displayValue(attribution.fetches.name)}, ${namedValue(cluster)} ` +
    `(correlation ${formatCorrelation(attribution.correlation)})`,
  series: [attribution.cpu, attribution.fetches],
  range,
})}
${missingNote(attribution.missing)}
<h2 id="sources">Sources: the committed hour-tier partitions read</h2>
<table class="provenance"><tr><th>date</th><th>state</th><th>run id</th><th>committed at</th><th>config hash</th></tr>
${sources.map((source) => sourceRow(source, readMissing)).join('\n')}
</table>
</body></html>
`
  );
}

/** The committed manifests of the days the report covers, oldest first, read from the store. */
async function readSources(store: ObjectStore, prefix: string, date: string, days: number): Promise<Source[]> {
  const dates = Array.from({ length: days }, (_, i) => addDays(date, i + 1 - days));
  return Promise.all(
    dates.map(async (d): Promise<Source> => {
      try {
        const m = await readCommittedManifest(store, manifestKey(prefix, 'hour', d));
        return m
          ? { kind: 'committed', date: d, runId: m.runId, createdAt: m.createdAt, configHash: m.configHash }
          : { kind: 'absent', date: d };
      } catch (error) {
        if (error instanceof StorageError) throw error;
        return { kind: 'unreadable', date: d, error: (error as Error).message };
      }
    }),
  );
}

/** A row of the Sources table; an absent partition says why, as the answers' missing data do (`missing`). */
function sourceRow(s: Source, missing: MissingData): string {
  switch (s.kind) {
    case 'committed':
      return (
        `<tr><td>${s.date}</td><td>committed</td><td><code>${escapeXml(s.runId)}</code></td><td>` +
        `${escapeXml(s.createdAt)}</td><td><code>${escapeXml(s.configHash.replace(/^sha256:/, '').slice(0, 12))}` +
        `</code></td></tr>`
      );
    case 'absent':
      return `<tr class="missing"><td>${s.date}</td><td colspan="4">${escapeXml(whyAbsent(s.date, missing))}</td></tr>`;
    case 'unreadable':
      return (
        `<tr class="missing"><td>${s.date}</td><td colspan="4">manifest ` +
        `unreadable: ${escapeXml(s.error)}</td></tr>`
      );
  }
}

/** Why a day has no committed hour partition, in the words of the answers' missing data (describeMissing). */
function whyAbsent(date: string, missing: MissingData): string {
  if (missing.hourTierGone?.includes(date))
    return "no committed partition: the hour tier's retention removed it (the day tier holds the day)";
  if (missing.removedByRetention?.includes(date)) return "no committed partition: removed by every tier's retention";
  return 'no committed partition: not rolled up';
}

/** The value of `dimension` with the most bytes of the first network metric on the day. */
async function busiest(rollups: Rollups, dimension: 'cluster' | 'tenant', dayStart: number): Promise<string> {
  const metric = rollups.config.patterns?.networkBytes[0];
  if (!metric) throw new Error('report needs the job config\'s "patterns" section (which metric plays which role)');
  const answer = await rollups.query({
    metric,
    fromMs: dayStart,
    toMs: dayStart + dayMs,
    grain: 'day',
    groupBy: [dimension],
    agg: 'sum',
  });
  // rows without the dimension (null) cannot be named in the report's queries: the busiest named value is picked
  const named = answer.rows.flatMap((r) =>
    typeof r.groups[0] === 'string' ? [{ name: r.groups[0], bytes: r.value }] : [],
  );
  const top = named.sort((a, b) => b.bytes - a.bytes)[0];
  const date = new Date(dayStart).toISOString().slice(0, 10);
  if (!top && answer.rows.length > 0)
    throw new Error(
      `report cannot pick the busiest ${dimension} of ${date}: every row of ${metric} that day has no ${dimension} ` +
        `(null); name one with --${dimension}`,
    );
  if (!top) {
    throw new NoDataError(
      `report has no data for ${date} to pick the busiest ${dimension}` +
        `${answer.missing.notRolledUp.length > 0 ? ': the day is not rolled up (no committed partition)' : ''}`,
      answer.missing,
    );
  }
  return top.name;
}

/** A paragraph listing the days and hours without data (empty when nothing is missing). */
function missingNote(m: MissingData): string {
  const lines = describeMissing(m);
  return lines.length === 0 ? '' : `<p class="missing">${lines.map(escapeXml).join('<br>')}</p>`;
}
