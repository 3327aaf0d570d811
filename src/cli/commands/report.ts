import { writeOutputFile } from '../write-output-file.js';
import { renderHtmlReport } from '../../serve/html-report.js';
import { openRollups } from '../../serve/open-rollups.js';
import { parsePartitionDate } from '../../storage/partition-path.js';
import { openStore } from '../../storage/open-store.js';

/** Options of `telemetry-rollup report`. */
export interface ReportOptions {
  readonly store: string;
  readonly config?: string;
  readonly date: string; // YYYY-MM-DD
  readonly out: string; // HTML file to write
  readonly cluster?: string; // default: the busiest
  readonly tenant?: string; // default: the busiest
}

/** `report`: writes the HTML page with the four usage patterns for a day. */
export async function reportCommand(o: ReportOptions): Promise<void> {
  const store = openStore(o.store);
  const html = await renderHtmlReport(await openRollups({ ...o, store }), {
    date: parsePartitionDate(o.date),
    ...(o.cluster !== undefined ? { cluster: o.cluster } : {}),
    ...(o.tenant !== undefined ? { tenant: o.tenant } : {}),
    store,
    now: () => new Date(),
  });
  await writeOutputFile('report --out', o.out, html);
  process.stdout.write(`wrote ${o.out} (${html.length} bytes)\n`);
}
