import { existsSync } from 'node:fs';
import { readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { planSampleDay } from '../src/sample/generate-sample-day.js';
import { measureProcess, succeeded } from './measure-process.js';

/** One generated day of make bench-scale: the sample generator's options and where the day is cached. */
export interface ScaleDay {
  readonly name: string; // as listed in BENCH_SCALE_DAYS: '5m', '50m', '200m', 'hc' (or e.g. '1m', '500k')
  readonly rows: number;
  readonly series: number | undefined; // `generate --series`: a high-cardinality day, one sample every 5 minutes
  readonly step: number | undefined; // `generate --step`: series sized for one sample every this many seconds
  readonly root: string; // the day's store (raw/ and rollup/) under the cache folder
}

/**
 * What make bench-scale runs: generated days, the 7-day week of the random-query benchmark, and 7 consecutive
 * generated days from scaleDate (`7x50m`: seven days of that many rows each, as `50m`) for cold queries over them.
 */
export type ScaleItem =
  | { readonly kind: 'day'; readonly day: ScaleDay }
  | { readonly kind: 'week'; readonly rows: number }
  | { readonly kind: 'days7'; readonly day: ScaleDay };

/** The day every single-day benchmark uses (the examples query it). */
export const scaleDate = '2026-05-01';
/** The seed of every generated day. */
export const scaleSeed = 42;
const samplesPerDay = 288; // a high-cardinality day samples every 5 minutes

/**
 * Parses a day list such as `5m,50m,200m,hc,week,7x50m`: `<n>k` / `<n>m` rows with as many series as get a sample a
 * minute (rows / 1,440, `generate --step 60`: the fleet grows with the rows), `hc` a day of `hcSeries` series sampled
 * every 5 minutes, `week` seven days of `weekRows` rows each of the default sample day (random queries, as make
 * bench), `7x<n>m` seven such `<n>m` days in a store of their own.
 */
export function parseScaleItems(list: string, cache: string, hcSeries: number, weekRows: number): ScaleItem[] {
  return list
    .split(/[,\s]+/)
    .filter((s) => s !== '')
    .map((name): ScaleItem => {
      if (name === 'week') return { kind: 'week', rows: weekRows };
      if (name === 'hc') {
        const rows = hcSeries * samplesPerDay;
        const root = path.join(cache, `hc-${hcSeries}`);
        return { kind: 'day', day: { name, rows, series: hcSeries, step: undefined, root } };
      }
      const m = /^(7x)?(\d+(?:\.\d+)?)([km])$/.exec(name);
      if (!m) throw new Error(`bench-scale day '${name}' is not <n>k, <n>m, 7x<n>m, hc or week`);
      const rows = Math.round(Number(m[2]) * (m[3] === 'k' ? 1e3 : 1e6));
      const root = path.join(cache, `${m[1] ? 'days7-' : ''}rows-${rows}-step-60`);
      const day = { name, rows, series: undefined, step: 60, root };
      return m[1] ? { kind: 'days7', day } : { kind: 'day', day };
    });
}

/** The number of series a day samples, as the generator plans it. */
export function seriesOf(day: ScaleDay): number {
  const options = { date: scaleDate, rows: day.rows, seed: scaleSeed, series: day.series, stepSeconds: day.step };
  return planSampleDay(options).budget.series;
}

/**
 * Generates the day (scaleDate, or `date`) with `telemetry-rollup generate` into its store unless a previous run did
 * (marker `raw/dt=D/.complete`), and returns the raw Parquet bytes of the day.
 */
export async function ensureDay(
  day: ScaleDay,
  cli: string,
  log: (line: string) => void,
  date = scaleDate,
): Promise<number> {
  const dayDir = path.join(day.root, 'raw', `dt=${date}`);
  if (!existsSync(path.join(dayDir, '.complete'))) {
    log(`generating ${day.name}: ${day.rows} rows for ${date} into ${day.root}`);
    const shape = [
      ...(day.series ? ['--series', String(day.series)] : []),
      ...(day.step ? ['--step', String(day.step)] : []),
    ];
    const args = ['generate', '--date', date, '--rows', String(day.rows), '--seed', String(scaleSeed), ...shape];
    const m = succeeded(await measureProcess([cli, ...args, '--store', day.root]), `generating ${day.name}`);
    log(`  generated in ${(m.wallMs / 1000).toFixed(1)} s (cached for later runs)`);
    await writeFile(path.join(dayDir, '.complete'), '');
  }
  let bytes = 0;
  for (const hour of await readdir(dayDir)) {
    if (!hour.startsWith('hr=')) continue;
    for (const f of await readdir(path.join(dayDir, hour))) bytes += (await stat(path.join(dayDir, hour, f))).size;
  }
  return bytes;
}
