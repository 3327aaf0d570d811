import { writeOutputFile } from '../write-output-file.js';
import { hoursRead, lastDaysRange } from '../../query/hours-read.js';
import { describeMissing, hasMissing, NoDataError, type MissingData } from '../../query/missing-data.js';
import {
  cliParameterSource,
  parseAttributeParameters,
  parseDiagnoseParameters,
  parseFactsParameters,
  parseTrendParameters,
} from '../../query/query-parameters.js';
import { oneShotReads, openRollups, type Series } from '../../serve/open-rollups.js';
import { renderLineChart } from '../../serve/svg-chart.js';
import { coverageOf, describeGap, describeSpan, type ChartRange } from '../../serve/chart-gaps.js';
import { formatCorrelation, formatQuantity } from '../../serve/format-quantity.js';
import { topRows } from '../../serve/top-rows.js';
import { displayValue, namedValue } from '../../serve/display-value.js';
import { alignedLines } from '../aligned-lines.js';
import { writeHoursReadNote } from '../hours-read-note.js';

/**
 * Options of the usage-pattern commands as commander parsed them; pattern parameters are parsed by query-parameters (as
 * over HTTP).
 */
export interface PatternOptions {
  readonly store: string;
  readonly config?: string;
  readonly format: 'table' | 'json';
  readonly chart?: string; // SVG file to write (trend, attribute)
  readonly [parameter: string]: unknown; // --tenant, --hour, --days, ... as strings
}

/** `facts`: network bytes (the job's `patterns.networkBytes` metrics) of a tenant or cluster in one hour. */
export async function factsCommand(o: PatternOptions): Promise<void> {
  const p = parseFactsParameters(cliParameterSource('facts', o));
  const rollups = await openRollups({ ...o, ...oneShotReads });
  const r = await rollups.facts(p);
  const who = [
    ...(r.tenant !== undefined ? [`tenant ${namedValue(r.tenant)}`] : []),
    ...(r.cluster !== undefined ? [`cluster ${namedValue(r.cluster)}`] : []),
  ].join(', ');
  const text =
    r.bytes === null
      ? 'no data'
      : `${r.bytes} bytes (${r.byMetric.map((m) => `${m.metric} ${m.bytes ?? 'no data'}`).join(', ')})`;
  print(o.format, r, `${who}, hour from ${r.hour}: ${text}`, r.missing, `facts for ${who} in the hour from ${r.hour}`);
}

/** `trend`: a gauge of a cluster's brokers hour by hour over the last days, optionally as an SVG chart. */
export async function trendCommand(o: PatternOptions): Promise<void> {
  const p = parseTrendParameters(cliParameterSource('trend', o), new Date());
  const rollups = await openRollups({ ...o, ...oneShotReads });
  const metric = p.metric ?? rollups.config.patterns?.load;
  const series = await rollups.trend({ ...p, ...(metric ? { metric } : {}) });
  const range = chartRange(p.end, p.days);
  const span = describeSpan(coverageOf(series, range));
  if (o.chart && !series.missing.nothingFound)
    await writeOutputFile(
      'trend --chart',
      o.chart,
      renderLineChart({
        title: `${metric} of cluster ${namedValue(p.cluster)}'s brokers, hourly, to ${hourLabel(range.toMs)} (${span})`,
        series,
        range,
      }),
    );
  if (o.end !== undefined) writeHoursReadNote(lastDaysRange(p.end, p.days), o.format, 'this trend');
  print(
    o.format,
    series,
    tableOf(series, range),
    series.missing,
    `trend of ${metric} for cluster ${namedValue(p.cluster)}, ${p.days} days to ${p.end.toISOString()}`,
  );
}

/** `diagnose`: storage (point-in-time retained bytes) of a cluster or topic at an hour. */
export async function diagnoseCommand(o: PatternOptions): Promise<void> {
  const p = parseDiagnoseParameters(cliParameterSource('diagnose', o));
  const rollups = await openRollups({ ...o, ...oneShotReads });
  const r = await rollups.diagnose(p);
  const who = [
    ...(r.cluster !== undefined ? [`cluster ${namedValue(r.cluster)}`] : []),
    ...(r.topic !== undefined ? [`topic ${namedValue(r.topic)}`] : []),
  ].join(', ');
  const top = topRows(r.byTopic, 20);
  const lines = [
    `storage of ${who} in the hour from ${r.hour}: ${bytesOrNoData(r.bytes)}`,
    ...top.shown.map((t) => `  ${displayValue(t.topic).padEnd(32)} ${t.bytes}`),
    ...(top.rest
      ? [`  and ${top.rest.count} more topics: ${top.rest.bytes} bytes (--format json lists every topic)`]
      : []),
  ];
  print(o.format, r, lines.join('\n'), r.missing, `diagnose for ${who} in the hour from ${r.hour}`);
}

/** `attribute`: a cluster's load next to its requests, hourly, with their correlation. */
export async function attributeCommand(o: PatternOptions): Promise<void> {
  const p = parseAttributeParameters(cliParameterSource('attribute', o), new Date());
  const rollups = await openRollups({ ...o, ...oneShotReads });
  const r = await rollups.attribute(p);
  const range = chartRange(p.end, p.days);
  const span = describeSpan(coverageOf([r.cpu, r.fetches], range));
  if (o.chart && !r.missing.nothingFound)
    await writeOutputFile(
      'attribute --chart',
      o.chart,
      renderLineChart({
        title:
          `cluster ${namedValue(p.cluster)}: ${r.cpu.name} vs ${r.fetches.name}, hourly, to ${hourLabel(range.toMs)} ` +
          `(${span}; correlation ${formatCorrelation(r.correlation)})`,
        series: [r.cpu, r.fetches],
        range,
      }),
    );
  if (o.end !== undefined) writeHoursReadNote(lastDaysRange(p.end, p.days), o.format, 'this attribution');
  print(
    o.format,
    r,
    `${tableOf([r.cpu, r.fetches], range)}\ncorrelation (Pearson, hourly): ${formatCorrelation(r.correlation)}`,
    r.missing,
    `attribute for cluster ${namedValue(p.cluster)}, ${p.days} days to ${p.end.toISOString()}`,
  );
}

/** Hourly series side by side, values written for people (full precision: --format json), missing hours named below. */
function tableOf(series: readonly Series[], range: ChartRange): string {
  const times = [...new Set(series.flatMap((s) => s.points.map((p) => p.time)))].sort();
  const byName = series.map((s) => new Map(s.points.map((p) => [p.time, p.value])));
  const header = ['time (UTC)', ...series.map((s) => displayValue(s.name))];
  const rows = times.map((t) => [
    t.slice(0, 16).replace('T', ' '),
    ...byName.map((m, i) => (m.has(t) ? formatQuantity(m.get(t)!, series[i]!.unit) : '-')),
  ]);
  const lines = rows.length === 0 ? ['no data'] : alignedLines([header, ...rows], (c) => (c === 0 ? 'left' : 'right'));
  const coverage = coverageOf(series, range);
  if (coverage.gaps.length > 0)
    lines.push(
      `no data (${coverage.missingSteps} of ${coverage.steps} hours ` +
        `missing): ${coverage.gaps.map(describeGap).join('; ')}`,
    );
  return lines.join('\n');
}

/** The hourly range of the last `days` days up to `end`, as the patterns read it (hoursRead: `end` rounded up). */
function chartRange(end: Date, days: number): ChartRange {
  return { ...hoursRead(lastDaysRange(end, days)), stepMs: 3_600_000 };
}

function hourLabel(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
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
    if (Array.isArray(value) && (hasMissing(missing) || missing.nothingFound))
      process.stderr.write(JSON.stringify({ event: 'query_missing_data', missing }) + '\n');
  } else {
    process.stdout.write([text, ...describeMissing(missing)].join('\n') + '\n');
  }
  if (missing.nothingFound)
    throw new NoDataError(
      `${what}: no data${hasMissing(missing) ? `; ${describeMissing(missing).join('; ')}` : ''}`,
      missing,
    );
}
