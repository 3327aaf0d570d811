import {
  describeMissing,
  hasMissing,
  NoDataError,
  nothingMissing,
  type MissingData,
} from '../../query/missing-data.js';
import { cliParameterSource, parseQueryParameters } from '../../query/query-parameters.js';
import type { QueryRow } from '../../query/run-query.js';
import { oneShotReads, openRollups } from '../../serve/open-rollups.js';
import { alignedLines } from '../aligned-lines.js';
import { writeHoursReadNote } from '../hours-read-note.js';
import { displayValue, namedValue } from '../../serve/display-value.js';
import { writeChunks } from '../write-chunks.js';

/** Options of `telemetry-rollup query`, as commander parsed them: parameter values are still strings. */
export interface QueryCommandOptions {
  readonly store: string;
  readonly config?: string;
  readonly metric: string;
  readonly from: string; // instant, parsed by query-parameters (as over HTTP)
  readonly to: string;
  readonly grain?: string;
  readonly groupBy?: string; // d1,d2
  readonly where: readonly string[]; // d=v1,v2, repeatable
  readonly whereNot: readonly string[];
  readonly agg?: string; // default: the first aggregate of the metric's kind
  readonly format: 'table' | 'json' | 'csv';
  readonly explain: boolean;
}

/**
 * Answers a query from the committed cubes and prints it in the chosen format (explain on stderr). Days and hours
 * without data are listed (table footer, CSV comment lines, a JSON line on stderr beside the JSON array); when nothing
 * at all matched it throws NoDataError after printing (exit 3).
 */
export async function queryCommand(o: QueryCommandOptions): Promise<readonly QueryRow[]> {
  const q = parseQueryParameters(cliParameterSource('query', { ...o }));
  const { rows, explain, missing } = await (await openRollups({ ...o, ...oneShotReads })).query(q);
  if (o.explain) {
    for (const d of explain.days)
      process.stderr.write(
        (d.hourCuboid
          ? `explain ${d.date} (${d.tier} tier, from the day tier's hour cuboid ${d.hourCuboid}): records read ` +
            `${d.recordsRead} (the metric's records of the cuboid, every hour of the day)\n`
          : `explain ${d.date} (${d.tier} tier${d.staleDayTier ? '; its day tier is stale, built before hours were rebuilt' : ''}): nodes visited ${d.nodesVisited}, leaves reached ${d.leavesReached}, ` +
            `records read ${d.recordsRead} (bound ${d.leavesReached} x T=${d.maxLeafRecords})\n`) +
          `explain ${d.date} segments read ${d.segmentsRead}, pruned ${d.segmentsPruned}; ` +
          (d.hoursFromTotals > 0 ? `${d.hoursFromTotals} hours from the manifest's hour totals; ` : '') +
          `bytes read ${d.bytesRead}, ` +
          `row groups read ${d.rowGroupsRead}\n` +
          d.segments
            .map(
              (g) =>
                `explain ${d.date} segment hour ${g.hour ?? 'day'} shard ${g.shard}: ${g.reads} read, ` +
                `${g.bytesRead} of ${g.segmentBytes} bytes, ${g.rowGroupsRead} row groups, ${g.recordsLoaded} records\n`,
            )
            .join(''),
      );
    if (explain.missingDays.length > 0)
      process.stderr.write(`explain days without a committed partition: ${explain.missingDays.join(', ')}\n`);
    process.stderr.write(`explain total records read ${explain.recordsRead}\n`);
  }
  await writeChunks(process.stdout, formatRows(rows, q.groupBy, o.format, missing));
  writeHoursReadNote(q, o.format, 'this query');
  if (o.format === 'json' && (hasMissing(missing) || missing.nothingFound))
    process.stderr.write(JSON.stringify({ event: 'query_missing_data', missing }) + '\n');
  if (missing.nothingFound) {
    const said = (flag: string, of: Readonly<Record<string, readonly string[]>>): string[] =>
      Object.entries(of).map(([d, values]) => `${flag} ${d}=${values.map(namedValue).join(',')}`);
    const what = [`metric ${o.metric}`, ...said('where', q.where), ...said('where-not', q.whereNot)].join(' ');
    throw new NoDataError(
      `query no data for ${what} from ${new Date(q.fromMs).toISOString()} ` +
        `to ${new Date(q.toMs).toISOString()}${hasMissing(missing) ? `; ${describeMissing(missing).join('; ')}` : ''}`,
      missing,
    );
  }
  return rows;
}

/** Rows formatted per chunk that formatRows yields: a chunk stays a few MiB however many rows an answer has. */
const rowsPerChunk = 10_000;

/**
 * Rows as an aligned table, a JSON array of `{time, <dims>, value}` objects, or CSV with a header, as consecutive
 * pieces of the text (written one after another: writeChunks). What was missing follows a table as footer lines and
 * CSV as `#` comment lines; the JSON array stays as it was (the caller reports the missing days and hours on stderr).
 * An answer with no rows is the line `no data` in a table, never an empty table.
 */
export function* formatRows(
  rows: readonly QueryRow[],
  groupBy: readonly string[],
  format: 'table' | 'json' | 'csv',
  missing: MissingData = nothingMissing,
): Generator<string> {
  if (format === 'json') {
    // the bytes of JSON.stringify(array), written an element at a time
    const element = (r: QueryRow): string =>
      JSON.stringify({
        time: r.time,
        ...Object.fromEntries(groupBy.map((d, i) => [d, r.groups[i] ?? null])),
        value: r.value,
      });
    for (let at = 0; at < rows.length; at += rowsPerChunk)
      yield (at === 0 ? '[' : ',') +
        rows
          .slice(at, at + rowsPerChunk)
          .map(element)
          .join(',');
    yield rows.length === 0 ? '[]\n' : ']\n';
    return;
  }
  const header = ['time', ...groupBy, 'value'];
  // by position: a dimension may be named like a column
  const values = rows.map((r) => [r.time, ...groupBy.map((_, i) => r.groups[i] ?? null), String(r.value)]);
  const footer = describeMissing(missing);
  if (format === 'csv') {
    const lines = [header, ...values].map((line) => line.map(csvCell).join(','));
    yield* inChunks([...lines, ...footer.map((l) => `# ${l}`)]);
    return;
  }
  if (rows.length === 0) {
    yield ['no data', ...footer].join('\n') + '\n';
    return;
  }
  const last = header.length - 1;
  yield* inChunks([
    ...alignedLines([header, ...values.map((line) => line.map(displayValue))], (c) => (c === last ? 'right' : 'left')),
    ...footer,
  ]);
}

/** Lines joined by line feeds (each line ended by one), rowsPerChunk lines to a piece. */
function* inChunks(lines: readonly string[]): Generator<string> {
  for (let at = 0; at < lines.length; at += rowsPerChunk) yield lines.slice(at, at + rowsPerChunk).join('\n') + '\n';
}

/**
 * A CSV field (RFC 4180): quoted when it holds a quote, comma, line feed or carriage return, or is the empty string,
 * so that a null value (the empty field) and an empty string (`""`) read back apart, as PostgreSQL's COPY writes them.
 */
function csvCell(s: string | null): string {
  if (s === null) return '';
  return s === '' || /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
