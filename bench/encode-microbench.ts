import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Int32, Utf8, vectorFromArray, type Data } from 'apache-arrow';
import { ByteDictionary } from '../src/ingest/byte-dictionary.js';
import { encodeDimension } from '../src/ingest/encode-column.js';
import { openParquet } from '../src/parquet/read-parquet.js';
import { Prng } from '../src/sample/prng.js';

// node dist/bench/encode-microbench.js: times encodeDimension (string/int column -> dictionary ids), the hot path of
// aggregateRawFile, on generated columns that need no data on disk, then on the cached benchmark day when present.
// Each case runs in its own process: the first pass includes JIT warm-up, as the job's first files do.
const rows = Number(process.env.BENCH_ROWS ?? 5_000_000);
const series = Number(process.env.BENCH_SERIES ?? 3_500);
const filesPerDay = 120; // the benchmark day is 24 hours x 5 parts
const warmPasses = Number(process.env.BENCH_PASSES ?? 5);
const dimensions = ['metric', 'region', 'tenant', 'cluster', 'broker', 'topic', 'partition'] as const;
const realDay = fileURLToPath(new URL('../../.cache/bench-5000000/raw/dt=2026-11-24', import.meta.url));

/** One file's dimension columns, as encodeDimension receives them. */
type FileColumns = readonly Data[];

/** ~`series` dimension tuples like the real fleet's, spread over `rows` rows in shuffled order and cut into files. */
function generateFiles(): FileColumns[] {
  const prng = new Prng(42);
  const random = (): number => prng.uniform();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const alnum = (n: number): string =>
    Array.from({ length: n }, () => pick([...'abcdefghijklmnopqrstuvwxyz0123456789'])).join('');
  const metrics = [
    'retained_bytes',
    'received_bytes',
    'sent_bytes',
    'produce_requests',
    'fetch_requests',
    'consumer_lag',
    'active_connections',
    'request_latency_p99',
  ];
  const regions = ['us-east-1', 'ap-south-1', 'ap-northeast-1', 'eu-west-1', 'us-west-2'];
  const tenantNames = ['acme', 'stark', 'umbrella', 'gringotts', 'wonka', 'initech', 'hooli', 'globex'];
  const tenants = Array.from({ length: 40 }, (_, i) => `tn-${String(i + 1).padStart(4, '0')}-${pick(tenantNames)}`);
  const clusters = Array.from({ length: 60 }, (_, i) => (i === 0 ? 'lkc-18433' : `lkc-${alnum(5)}`));
  const topicNames = [
    'search.retry',
    'ads.retry',
    'fraud.events',
    'billing.commands',
    'inventory.dlq',
    'audit.log',
    'sessions',
    'orders',
  ];
  // 80, 6-19 bytes
  const topics = topicNames.flatMap((name) => [name, ...Array.from({ length: 9 }, (_, k) => `${name}-${k * 7 + 1}`)]);
  const tuples = Array.from({ length: series }, () => {
    const hasTopic = random() > 0.03; // broker-level metrics carry no topic or partition
    return [
      pick(metrics),
      pick(regions),
      pick(tenants),
      pick(clusters),
      `broker-${Math.floor(random() * 12)}`,
      hasTopic ? pick(topics) : null,
      hasTopic ? Math.floor(random() * 32) : null,
    ] as const;
  });
  const files: FileColumns[] = [];
  const perFile = Math.ceil(rows / filesPerDay);
  for (let first = 0; first < rows; first += perFile) {
    const n = Math.min(perFile, rows - first);
    const rowTuples = Array.from({ length: n }, () => pick(tuples));
    files.push(
      dimensions.map((_, d) => {
        const values = rowTuples.map((t) => t[d]!);
        return d === 6
          ? vectorFromArray(values as (number | null)[], new Int32()).data[0]!
          : vectorFromArray(values as (string | null)[], new Utf8()).data[0]!;
      }),
    );
  }
  return files;
}

/** Distinct values sharing a long prefix and suffix, one per row: the adversarial shape for hashing and probing. */
function generateAdversarial(n: number): FileColumns[] {
  const values = Array.from({ length: n }, (_, i) => `broker-${i}.cluster-a.region-west.internal.example.com`);
  return [[vectorFromArray(values, new Utf8()).data[0]!]];
}

/**
 * Encodes every column of every file with fresh dictionaries per file (as aggregateRawFile does); returns [values, ms
 * per column].
 */
function encodeAll(files: readonly FileColumns[]): [number, number[]] {
  const ms = files[0]!.map(() => 0);
  let values = 0;
  let out = new Int32Array(0);
  for (const file of files) {
    file.forEach((data, d) => {
      if (out.length < data.length) out = new Int32Array(data.length);
      const t0 = performance.now();
      encodeDimension(dimensions[d] ?? 'value', data, new ByteDictionary(), out);
      ms[d]! += performance.now() - t0;
      values += data.length;
    });
  }
  return [values, ms];
}

/**
 * Prints first-pass and warm ns per value, given a function that encodes every file once and returns [values, ms per
 * column].
 */
async function report(
  name: string,
  encodePass: () => Promise<[number, number[]]> | [number, number[]],
  passes: number,
): Promise<void> {
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  const nsPerValue = (ms: number): string => ((ms * 1e6) / values).toFixed(1);
  const [values, firstMs] = await encodePass();
  const first = sum(firstMs);
  let best: number[] = [];
  for (let p = 0; p < passes; p++) {
    const [, ms] = await encodePass();
    if (p === 0 || sum(ms) < sum(best)) best = ms;
  }
  const columns =
    best.length === dimensions.length
      ? dimensions.map((d, j) => `${d}=${((best[j]! * 1e6 * dimensions.length) / values).toFixed(1)}`).join(' ')
      : '';
  process.stdout.write(
    `${name.padEnd(34)} ${String(values).padStart(8)} values  first pass ${first.toFixed(0).padStart(5)} ms ${nsPerValue(first).padStart(5)} ns/value` +
      `  warm best ${sum(best).toFixed(0).padStart(5)} ms ${nsPerValue(sum(best)).padStart(5)} ns/value  ${columns}\n`,
  );
}

/** The cached benchmark day's files (24 hours x 5 parts), or none when it was not generated. */
function realDayFiles(): string[] {
  const paths: string[] = [];
  for (let h = 0; h < 24; h++)
    for (let p = 0; p < 5; p++) paths.push(`${realDay}/hr=${String(h).padStart(2, '0')}/part-${p}.parquet`);
  return paths.filter((path) => existsSync(path));
}

/**
 * Encodes the dimension columns of every file as they come out of the Parquet reader (views of the decoder's memory,
 * valid only while the reader's callback runs), with fresh dictionaries per file; returns [values, ms] where ms counts
 * encoding only, not decoding.
 */
async function encodeRealDay(files: readonly Uint8Array[]): Promise<[number, number[]]> {
  let values = 0;
  const ms = dimensions.map(() => 0);
  let out = new Int32Array(0);
  for (const bytes of files) {
    const source = await openParquet(bytes, 'benchmark day');
    for (let rg = 0; rg < source.rowGroups; rg++) {
      await source.withRowGroup(rg, dimensions, (table) => {
        for (const batch of table.batches) {
          for (const [j, d] of dimensions.entries()) {
            const data = batch.getChild(d)!.data[0]!;
            if (out.length < data.length) out = new Int32Array(data.length);
            const t0 = performance.now();
            encodeDimension(d, data, new ByteDictionary(), out);
            ms[j]! += performance.now() - t0;
            values += data.length;
          }
        }
      });
    }
    source.close();
  }
  return [values, ms];
}

/** Prints first-pass and warm ns per value over the cached benchmark day, if it is there. */
async function reportRealDay(passes: number): Promise<void> {
  const files = realDayFiles().map((path) => readFileSync(path));
  if (files.length === 0) {
    process.stdout.write(`benchmark day not found under ${realDay} (make bench generates it); skipped\n`);
    return;
  }
  await report('benchmark day (parquet)', () => encodeRealDay(files), passes);
}

const which = process.argv[2];
if (which === undefined) {
  // Each case in its own process, so that every first pass starts with a cold JIT.
  for (const mode of ['synthetic', 'real', 'adversarial'])
    execFileSync(process.execPath, [fileURLToPath(import.meta.url), mode], { stdio: 'inherit' });
} else if (which === 'synthetic') {
  const files = generateFiles();
  await report(`synthetic, ${series} series`, () => encodeAll(files), warmPasses);
} else if (which === 'real') {
  await reportRealDay(Math.min(warmPasses, 3));
} else if (which === 'adversarial') {
  const files = generateAdversarial(1_000_000);
  await report('1M distinct, shared prefix+suffix', () => encodeAll(files), 2);
} else {
  throw new Error(`encode-microbench unknown case '${which}' (expected synthetic, real or adversarial)`);
}
