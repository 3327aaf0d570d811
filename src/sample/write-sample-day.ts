import { writeParquet } from '../parquet/write-parquet.js';
import type { ObjectStore } from '../storage/object-store.js';
import { rawHourPrefix } from '../storage/partition-path.js';
import { generateSampleDay, type SampleDayOptions } from './generate-sample-day.js';

/** Options of writing one sample day: the generator's options plus where raw data goes. */
export interface WriteSampleDayOptions extends SampleDayOptions {
  readonly rawPrefix?: string; // first key segment of raw data, default 'raw'
}

/** What a sample-day write produced. */
export interface SampleDaySummary {
  readonly files: number; // Parquet objects written
  readonly rows: number; // rows in all of them (equals options.rows)
  readonly bytes: number; // total object size, bytes
}

/**
 * Generates one day of sample telemetry and writes it as raw Parquet (zstd, 100,000-row row groups)
 * to `<rawPrefix>/dt=YYYY-MM-DD/hr=HH/part-N.parquet`; the same options write byte-identical objects.
 */
export async function writeSampleDay(store: ObjectStore, options: WriteSampleDayOptions): Promise<SampleDaySummary> {
  const rawPrefix = options.rawPrefix ?? 'raw';
  let files = 0;
  let rows = 0;
  let bytes = 0;
  for (const file of generateSampleDay(options)) {
    const body = writeParquet(file.table, { compression: 'zstd', rowGroupRows: 100_000 });
    await store.put(`${rawHourPrefix(rawPrefix, options.date, file.hour)}part-${file.fileIndex}.parquet`, body, {
      contentType: 'application/vnd.apache.parquet',
    });
    files++;
    rows += file.table.numRows;
    bytes += body.byteLength;
  }
  return { files, rows, bytes };
}
