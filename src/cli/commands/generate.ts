import { openStore } from '../../storage/open-store.js';
import { parsePartitionDate } from '../../storage/partition-path.js';
import { loadJobConfig } from '../../config/load-job-config.js';
import { writeSampleDay } from '../../sample/write-sample-day.js';
import { checkSampleReader } from '../../sample/job-raw-layout.js';
import type { Logger } from '../../logger.js';

/** Options of `telemetry-rollup generate`. */
export interface GenerateCommandOptions {
  readonly date: string;
  readonly store: string;
  readonly config?: string;
  readonly rows: number;
  readonly seed: number;
  readonly series?: number; // series to sample (a high-cardinality day); default from rows
  readonly step?: number; // seconds between samples the series count is sized for
}

/** Writes one day of deterministic sample telemetry under the job's raw prefix. */
export async function generateCommand(options: GenerateCommandOptions, logger: Logger): Promise<void> {
  const date = parsePartitionDate(options.date);
  const config = await loadJobConfig(options.config);
  checkSampleReader(config); // before anything is written
  const store = openStore(options.store);
  const started = Date.now();
  const result = await writeSampleDay(store, {
    date,
    rows: options.rows,
    seed: options.seed,
    series: options.series,
    stepSeconds: options.step,
    rawPrefix: config.raw.prefix,
    layout: config.raw, // the job's column names and dimensions: what its run reads
  });
  const ms = Date.now() - started;
  logger.event('sample_written', { partition: date, rows: result.rows, bytes: result.bytes, ms });
  process.stdout.write(
    `generated ${result.rows} rows in ${result.files} files (${result.bytes} bytes) ` +
      `under ${store.description}/${config.raw.prefix}/dt=${date}/ in ${ms} ms` +
      `${result.replaced > 0 ? `; removed ${result.replaced} files of an earlier, larger sample of the day` : ''}\n`,
  );
  if (result.foreign.length > 0)
    logger.event('sample_day_not_alone', {
      level: 'warn',
      partition: date,
      keys: result.foreign.slice(0, 20),
      message:
        `${result.foreign.length} objects under the day are not the generator's (left as they are; a run reads ` +
        `them with the sample): ${result.foreign.slice(0, 3).join(', ')}${result.foreign.length > 3 ? ', ...' : ''}`,
    });
}
