/**
 * `make bench-remote-query`: cold one-shot queries of a committed day read from an S3 endpoint, whose every request waits
 * a round trip, against the same queries on the local disk and DuckDB scanning the raw files there (same run, medians
 * of interleaved whole processes). The endpoint is a real s3rver on 127.0.0.1 behind a proxy that holds each response
 * back 0 to BENCH_S3_LATENCY_MS ms (uniform; default 40, about S3's first-byte latency within a region).
 *
 * The day: BENCH_S3_STORE, a local store holding a committed day of BENCH_S3_DATE (default: a 5M-row day generated
 * and rolled up once under .cache/bench-remote). DuckDB reads the raw files locally: it has no S3 client here (httpfs is
 * not installed), so its column is what the same question costs without any round trip.
 */
import { readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { addDays } from '../src/storage/partition-path.js';
import { startFaultProxy } from '../test/helpers/fault-proxy.js';
import { startS3Server } from '../test/helpers/s3-server.js';
import { median } from './measure-child.js';
import { measureProcess, succeeded, type ProcessMeasurement } from './measure-process.js';

const cli = fileURLToPath(new URL('../../bin/telemetry-rollup.js', import.meta.url));
const duckChild = fileURLToPath(new URL('./duckdb-child.js', import.meta.url));
const date = process.env.BENCH_S3_DATE ?? '2026-05-01';
const root = path.resolve(
  process.env.BENCH_S3_STORE ?? fileURLToPath(new URL('../../.cache/bench-remote', import.meta.url)),
);
const latencyMs = Number(process.env.BENCH_S3_LATENCY_MS ?? 40);
const runs = Number(process.env.BENCH_S3_RUNS ?? 5);
const log = (line: string): void => void process.stdout.write(`${line}\n`);

if (!existsSync(path.join(root, 'rollup', 'hour', `dt=${date}`, '_manifest.json'))) {
  log(`generating and rolling up a 5M-row day under ${root} (cached for later runs)`);
  succeeded(await measureProcess([cli, 'generate', '--date', date, '--rows', '5000000', '--store', root]), 'generate');
  succeeded(await measureProcess([cli, 'run', '--date', date, '--store', root]), 'run');
}

const s3 = await startS3Server();
const proxy = await startFaultProxy({
  targetPort: Number(new URL(s3.endpoint).port),
  seed: 1,
  faultRate: latencyMs > 0 ? 1 : 0,
  kinds: ['delay'],
  maxDelayMs: latencyMs,
});
try {
  // the day's hour tier, as a run on S3 would have committed it
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.env.AWS_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.env.AWS_ACCESS_KEY_ID!, secretAccessKey: s3.env.AWS_SECRET_ACCESS_KEY! },
  });
  const folder = `rollup/hour/dt=${date}`;
  for (const name of await readdir(path.join(root, folder)))
    await client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: `bench/${folder}/${name}`,
        Body: await readFile(path.join(root, folder, name)),
      }),
    );
  client.destroy();
  const env = { ...process.env, ...s3.env, AWS_ENDPOINT_URL_S3: proxy.endpoint };
  const rawGlob = `${root}/raw/dt=${date}/*/*.parquet`;
  log(`cold one-shot queries of ${date}, S3 round trips of 0-${latencyMs} ms; medians of ${runs} interleaved runs`);
  // a metric alone is answered from the manifest's totals (one request); for one cluster the segments are read
  const values = succeeded(
    await measureProcess([cli, 'values', '--dim', 'cluster', '--format', 'json', '--store', root]),
    'values --dim cluster',
  );
  const cluster = (JSON.parse(values.stdout) as { values: string[] }).values[0]!;
  for (const [label, from, to, where] of [
    ['2 hours', `${date}T10:00:00Z`, `${date}T12:00:00Z`, undefined],
    ['the whole day', `${date}T00:00:00Z`, `${addDays(date, 1)}T00:00:00Z`, undefined],
    [`2 hours, cluster ${cluster}`, `${date}T10:00:00Z`, `${date}T12:00:00Z`, `cluster=${cluster}`],
    [`the whole day, cluster ${cluster}`, `${date}T00:00:00Z`, `${addDays(date, 1)}T00:00:00Z`, `cluster=${cluster}`],
  ] as const) {
    const window = ['--metric', 'cpu_usage', '--from', from, '--to', to, '--agg', 'avg', '--format', 'json'];
    if (where) window.push('--where', where);
    const sides: Record<'s3' | 'local' | 'duck', ProcessMeasurement[]> = { s3: [], local: [], duck: [] };
    const requestsBefore = proxy.counts.requests;
    for (let i = 0; i < runs; i++) {
      sides.s3.push(await measureProcess([cli, 'query', ...window, '--store', `s3://${s3.bucket}/bench`], env));
      sides.local.push(await measureProcess([cli, 'query', ...window, '--store', root]));
      sides.duck.push(
        await measureProcess([duckChild, 'query', rawGlob, '2', 'cpu_usage', from, to, ...(where ? [where] : [])]),
      );
    }
    for (const [side, m] of Object.entries(sides)) succeeded(m[0]!, `${label} ${side}`);
    const wall = (m: ProcessMeasurement[]): number => median(m.map((x) => x.wallMs));
    const cpu = (m: ProcessMeasurement[]): number => median(m.map((x) => x.cpuS));
    const cell = (m: ProcessMeasurement[]): string => `wall ${wall(m).toFixed(0)} ms, CPU ${cpu(m).toFixed(2)} s`;
    log(`${label} (${(proxy.counts.requests - requestsBefore) / runs} S3 requests per query):`);
    log(`  telemetry-rollup over S3    ${cell(sides.s3)}`);
    log(`  telemetry-rollup local disk ${cell(sides.local)}`);
    log(`  DuckDB raw scan, local disk ${cell(sides.duck)}`);
    log(`  ratio of walls, ours over S3 / DuckDB local: ${(wall(sides.s3) / wall(sides.duck)).toFixed(2)}`);
  }
} finally {
  await proxy.stop();
  await s3.stop();
}
