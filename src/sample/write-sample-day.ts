import { writeParquet } from '../parquet/write-parquet.js';
import { listAll, type ObjectStore } from '../storage/object-store.js';
import { rawDayPrefix, rawHourPrefix } from '../storage/partition-path.js';
import { generateSampleDay, type SampleDayOptions } from './generate-sample-day.js';
import { type RawLayout, toJobLayout } from './job-raw-layout.js';

/** Options of writing one sample day: the generator's options plus where raw data goes. */
export interface WriteSampleDayOptions extends SampleDayOptions {
  readonly rawPrefix?: string; // first key segment of raw data, default 'raw'
  readonly layout?: RawLayout; // the job's column names and dimensions; default the sample's own (checkSampleReader)
}

/** What a sample-day write produced. */
export interface SampleDaySummary {
  readonly files: number; // Parquet objects written
  readonly rows: number; // rows in all of them (equals options.rows)
  readonly bytes: number; // total object size, bytes
  readonly replaced: number; // files of an earlier sample of the day (more files) that this one does not write: removed
  readonly foreign: readonly string[]; // other objects under the day, not the generator's: left, and rolled up with it
}

/**
 * Generates one day of sample telemetry and writes it as raw Parquet (zstd, 100,000-row row groups)
 * to `<rawPrefix>/dt=YYYY-MM-DD/hr=HH/part-N.parquet`, in the job's layout when given; the same options write
 * byte-identical objects.
 */
export async function writeSampleDay(store: ObjectStore, options: WriteSampleDayOptions): Promise<SampleDaySummary> {
  const rawPrefix = options.rawPrefix ?? 'raw';
  const { layout } = options;
  let rows = 0;
  let bytes = 0;
  const written = new Set<string>();
  for (const file of generateSampleDay(options)) {
    const table = layout ? toJobLayout(file.table, layout) : file.table;
    const body = writeParquet(table, { compression: 'zstd', rowGroupRows: 100_000 });
    const key = `${rawHourPrefix(rawPrefix, options.date, file.hour)}part-${file.fileIndex}.parquet`;
    await store.put(key, body, { contentType: 'application/vnd.apache.parquet' });
    written.add(key);
    rows += file.table.numRows;
    bytes += body.byteLength;
  }
  // a sample of more rows written here before left files this one does not overwrite: the day would mix the two
  const dayPrefix = rawDayPrefix(rawPrefix, options.date);
  let replaced = 0;
  const foreign: string[] = [];
  for (const o of await listAll(store, dayPrefix)) {
    if (written.has(o.key)) continue;
    if (/^hr=\d\d\/part-\d+\.parquet$/.test(o.key.slice(dayPrefix.length))) {
      await store.delete(o.key);
      replaced++;
    } else foreign.push(o.key);
  }
  return { files: written.size, rows, bytes, replaced, foreign };
}
