import { treeTotals } from './tree-totals.js';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hashJobConfig, loadJobConfig } from '../src/config/load-job-config.js';
import type { JobConfig } from '../src/config/job-config.js';
import type { Manifest } from '../src/partition/manifest.js';
import { runRollup } from '../src/rollup/run-rollup.js';
import { LocalStore } from '../src/storage/local-store.js';
import { benchRandomQueries } from './random-queries.js';

// What each cube knob costs and saves on the benchmark day (run `make bench` first to generate it).
const date = '2026-11-24';
const rows = Number(process.env.BENCH_ROWS ?? 5_000_000);
const root = fileURLToPath(new URL(`../../.cache/bench-${rows}`, import.meta.url));
if (!existsSync(`${root}/raw/dt=${date}/.complete`))
  throw new Error(`bench data missing in ${root}: run make bench first`);
const store = new LocalStore(root);
const base = await loadJobConfig();
const variants: [string, Partial<NonNullable<JobConfig['cube']>>][] = [
  ['T=10000', {}],
  ['T=1000', { maxLeafRecords: 1000 }],
  ['T=100', { maxLeafRecords: 100 }],
  ['T=100 no hierarchy', { maxLeafRecords: 100, hierarchy: {} }],
  ['T=100 star on metric', { maxLeafRecords: 100, skipStarNodeCreationFor: [] }],
  ['T=10', { maxLeafRecords: 10 }],
];
process.stdout.write(
  `variant                  build ms   nodes  records  tree+records bytes  q p99 ms  worst records read\n`,
);
for (const [name, patch] of variants) {
  const prefix = `knobs-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
  const config: JobConfig = { ...base, cube: { ...base.cube!, ...patch }, output: { ...base.output, prefix } };
  let encodeMs = 0;
  const logger = {
    event: (e: string, f: Readonly<Record<string, unknown>>) =>
      void (e === 'partition_encoded' && (encodeMs = Number(f.ms))),
    progress: () => {},
  };
  const result = await runRollup({
    store,
    config,
    configHash: hashJobConfig(config),
    date,
    force: true,
    workers: 2,
    logger,
  });
  const m = JSON.parse(new TextDecoder().decode(await store.get(result.manifestKey))) as Manifest;
  const c = treeTotals(m);
  const q = await benchRandomQueries(store, prefix, config.cube!, date, config.metrics, 300);
  const bytes = c.bytes + m.cube!.records.reduce((a, f) => a + f.bytes, 0);
  process.stdout.write(
    `${name.padEnd(22)} ${String(encodeMs).padStart(9)} ${String(c.nodes).padStart(7)} ${String(c.records).padStart(8)} ${String(bytes).padStart(19)} ${q.p99Ms.toFixed(2).padStart(9)} ${String(q.maxRecordsRead).padStart(19)}\n`,
  );
}
