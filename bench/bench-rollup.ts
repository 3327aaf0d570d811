import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadJobConfig } from '../src/config/load-job-config.js';
import { writeSampleDay } from '../src/sample/write-sample-day.js';
import { LocalStore } from '../src/storage/local-store.js';
import { measureChild, median, type Measurement } from './measure-child.js';

// make bench: our `telemetry-rollup run` against DuckDB doing the same work on the same files, in the same run.
const date = '2026-11-24';
const rows = Number(process.env.BENCH_ROWS ?? 5_000_000);
const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const root = fileURLToPath(new URL(`../../.cache/bench-${rows}`, import.meta.url));
const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));

const config = await loadJobConfig();
if (!existsSync(`${root}/raw/dt=${date}/.complete`)) {
  process.stdout.write(`generating ${rows} rows into ${root} (cached for later runs)\n`);
  const store = new LocalStore(root);
  await writeSampleDay(store, { date, rows, seed: 42, rawPrefix: config.raw.prefix });
  await store.put(`raw/dt=${date}/.complete`, new Uint8Array());
}
await mkdir(`${root}/duckdb`, { recursive: true });

const ours: Measurement[] = [];
const duck: Measurement[] = [];
for (let i = 0; i < repeats; i++) {
  ours.push(await measureChild(here('./ours-child.js'), ['run', '--date', date, '--store', root, '--force']));
  duck.push(await measureChild(here('./duckdb-child.js'), [`${root}/raw/dt=${date}/*/*.parquet`, `${root}/duckdb/out.parquet`, '2', config.raw.dimensions.join(', ')]));
}
const duck1 = await measureChild(here('./duckdb-child.js'), [`${root}/raw/dt=${date}/*/*.parquet`, `${root}/duckdb/out.parquet`, '1', config.raw.dimensions.join(', ')]);

const row = (name: string, ms: number, rss: number): string =>
  `${name.padEnd(34)} ${ms.toFixed(0).padStart(8)} ms ${((rows / ms) * 1000 / 1e6).toFixed(2).padStart(7)} M rows/s ${rss.toFixed(0).padStart(7)} MiB`;
const oursMs = median(ours.map((m) => m.ms));
const duckMs = median(duck.map((m) => m.ms));
process.stdout.write(
  [
    `base rollup of ${rows} raw rows (${date}), median of ${repeats} runs, each in its own process`,
    row('telemetry-rollup run (2 workers)', oursMs, median(ours.map((m) => m.maxRssMb))),
    row('DuckDB GROUP BY -> Parquet, 2 thr', duckMs, median(duck.map((m) => m.maxRssMb))),
    row('DuckDB GROUP BY -> Parquet, 1 thr', duck1.ms, duck1.maxRssMb),
    `ratio ours/DuckDB (2 threads each): ${(oursMs / duckMs).toFixed(2)}  (goal <= 2.0 now, <= 1.0 later)`,
    '',
  ].join('\n'),
);
