import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import type { JobConfig } from '../../src/config/job-config.js';
import { aggregateRawFile, fileChunkGroups } from '../../src/ingest/aggregate-raw-file.js';
import { rawFileSpecs } from '../../src/rollup/decode-inputs.js';
import { decodeIntoSegments } from '../../src/rollup/decode-segments.js';
import { silentLogger } from '../../src/logger.js';
import type { Logger } from '../../src/logger.js';
import type { Manifest } from '../../src/partition/manifest.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { diffBaseRollup } from '../helpers/base-rollup-oracle.js';
import { openOracle, sqlString, type Oracle } from '../helpers/duckdb.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { hourBaseJob } from '../helpers/hour-base-job.js';

const date = '2026-11-24';
const rows = 225_000;
const series = 150_000; // rows i and i + 150,000 are one series: its second sample lands in the file's second chunk

/**
 * Hour 05 in two raw files: `big` holds 225,000 rows of 150,000 series (more series-hours than a chunk) in row groups
 * of 51,200 rows, so that its first chunk ends after row 153,600, `small` 1,000 rows of some of the same series.
 * Metrics rotate over a gauge, a cumulative counter (its second sample 150,000 higher) and a distribution. `big`
 * has no `partition` column (read as null), `small` has it, null.
 */
async function writeDay(db: Oracle, root: string): Promise<void> {
  const folder = `${root}/raw/dt=${date}/hr=05`;
  await mkdir(folder, { recursive: true });
  const select = (from: number, to: number, partition = ''): string => `
    SELECT TIMESTAMP '${date} 05:00:00' + INTERVAL ((i // ${series}) * 1800 + i % 1800) SECOND AS timestamp,
      ['cpu_usage', 'bytes_in_total', 'request_latency_ms'][(i % ${series}) % 3 + 1] AS metric,
      CASE WHEN (i % ${series}) % 3 = 1 THEN i::DOUBLE ELSE ((i * 7919) % 1000) / 8.0 END AS value,
      'r' || ((i % ${series}) % 4) AS region, 't' || ((i % ${series}) % 50) AS tenant, 'c' || ((i % ${series}) % 16) AS cluster,
      'b' || ((i % ${series}) % 6) AS broker, 'topic-' || (i % ${series}) AS topic${partition}
    FROM range(${from}, ${to}) t(i)`;
  await db.run(
    `COPY (${select(0, rows)}) TO ${sqlString(`${folder}/big.parquet`)} (FORMAT parquet, ROW_GROUP_SIZE 51200)`,
  );
  await db.run(
    `COPY (${select(rows, rows + 1000, ', NULL::INTEGER AS partition')}) TO ${sqlString(`${folder}/small.parquet`)} (FORMAT parquet)`,
  );
}

interface Built {
  readonly root: string;
  readonly manifest: Manifest;
  readonly events: readonly string[];
}

async function build(root: string, config: JobConfig, workers: number, memoryBytes: number): Promise<Built> {
  const events: string[] = [];
  const logger: Logger = { event: (name) => void events.push(name), progress: () => {} };
  const store = new LocalStore(root);
  const r = await runRollup({ store, config, configHash: hashJobConfig(config), date, workers, memoryBytes, logger });
  assert.equal(r.outcome, 'committed');
  const manifest = JSON.parse(new TextDecoder().decode(await store.get(r.manifestKey))) as Manifest;
  return { root, manifest, events };
}

describe('a raw file of more series-hours than a chunk', { timeout: 600_000 }, () => {
  const dirs: { remove: () => Promise<void> }[] = [];
  let db: Oracle;
  let whole: Built; // on this thread, 64 MiB: pieces spilled, the hot hour built as parts
  let threaded: Built; // the same on a decode thread
  before(async () => {
    db = await openOracle();
    const config = hourBaseJob(await loadJobConfig()); // what decoding in chunks feeds
    [whole, threaded] = (await Promise.all(
      [0, 1].map(async (workers) => {
        const dir = await makeTempDir('chunked-file');
        dirs.push(dir);
        await writeDay(db, dir.path);
        return build(dir.path, config, workers, 64 * 1024 * 1024);
      }),
    )) as [Built, Built];
  });
  after(async () => {
    db.close();
    for (const d of dirs) await d.remove();
  });

  it('is decoded a chunk at a time: a chunk cut after the first row group past its size, the rest last', async () => {
    assert.ok(series > fileChunkGroups, `${series} series-hours in one file, a chunk holds ${fileChunkGroups}`);
    const key = `raw/dt=${date}/hr=05/big.parquet`;
    const input = whole.manifest.inputs.find((i) => i.key === key)!;
    const [spec] = rawFileSpecs(await loadJobConfig(), date, [input]);
    const bytes = await readFile(`${whole.root}/${key}`);
    const emitted: [number, number][] = [];
    const last = await aggregateRawFile(key, bytes, spec!, async (c) => {
      emitted.push([c.state.groups, c.rowsRead]);
    });
    assert.deepEqual(emitted, [[150_000, 153_600]]); // 3 row groups: every series, and the second sample of 3,600
    assert.deepEqual([last.state.groups, last.rowsRead], [71_400, 71_400]);
    assert.equal((await aggregateRawFile(key, bytes, spec!)).state.groups, 150_000, 'whole without emit');
  });

  it('cuts a row group of more series than a chunk at a chunk of rows (its record batches), not at its end', async () => {
    const dir = await makeTempDir('chunked-row-group');
    dirs.push(dir);
    const path = `${dir.path}/one-group.parquet`;
    await db.run(`COPY (SELECT TIMESTAMP '${date} 05:00:00' AS timestamp, 'cpu_usage' AS metric, 1.0::DOUBLE AS value,
        'topic-' || i AS topic FROM range(0, 140000) t(i)) TO ${sqlString(path)} (FORMAT parquet, ROW_GROUP_SIZE 200000)`);
    const input = { key: `raw/dt=${date}/hr=05/one-group.parquet`, size: 0 };
    const [spec] = rawFileSpecs(await loadJobConfig(), date, [input]);
    const emitted: [number, number][] = [];
    const last = await aggregateRawFile(input.key, await readFile(path), spec!, async (c) => {
      emitted.push([c.state.groups, c.rowsRead]);
    });
    assert.deepEqual(emitted, [[fileChunkGroups, fileChunkGroups]]);
    assert.deepEqual([last.state.groups, last.rowsRead], [140_000 - fileChunkGroups, 140_000 - fileChunkGroups]);
    assert.equal(last.dimensionValues[4]!.length, 140_000 - fileChunkGroups, 'only the topics the chunk holds');
  });

  it('counts every row once, per input and for the partition, and each file missing a column once', async () => {
    const m = whole.manifest;
    const missing = [{ key: `raw/dt=${date}/hr=05/big.parquet`, columns: ['partition'] }];
    assert.deepEqual(m.missingDimensions, missing);
    // the accounting pods commit from: added up chunk by chunk
    const config = await loadJobConfig();
    const store = new LocalStore(whole.root);
    const cut = { shards: 2, partitionDimension: config.raw.dimensions.indexOf('cluster') };
    const cache = { partitionPrefix: `rollup/hour/dt=${date}/`, configHash: 'x', write: false };
    const specs = rawFileSpecs(config, date, m.inputs);
    const o = { store, config, inputs: m.inputs, specs, pool: undefined, logger: silentLogger, cache, cut };
    const { accounting } = await decodeIntoSegments(o, async () => {});
    assert.deepEqual(
      [...accounting.missingDimensions].sort((a, b) => (a.key < b.key ? -1 : 1)),
      missing,
    );
    assert.equal(accounting.rowsRead, rows + 1000);
    const big = m.inputs.find((i) => i.key.endsWith('/big.parquet'))!;
    assert.equal(big.rows?.read, rows);
    assert.deepEqual(big.hours, [5]);
    assert.equal(m.rows.in, rows + 1000);
    assert.equal(m.rows.accepted, rows + 1000);
  });

  it("equals DuckDB's GROUP BY over the raw files: counts, min, max and last exactly, sums to 1e-9", async () => {
    const d = await diffBaseRollup(db, {
      rawGlob: `${whole.root}/raw/dt=${date}/*/*.parquet`,
      outputFiles: whole.manifest.outputs.map((o) => `${whole.root}/${o.key}`),
      date,
      dimensions: ['region', 'tenant', 'cluster', 'broker', 'topic', 'partition'],
    });
    assert.equal(d.expectedRows, series);
    assert.deepEqual(
      { ...d, acceptedRows: 0 },
      { ...d, acceptedRows: 0, actualRows: series, missing: 0, extra: 0, countDiff: 0, minDiff: 0, maxDiff: 0 },
    );
    assert.equal(d.lastDiff, 0);
    assert.equal(d.sumDiff, 0);
    assert.equal(d.acceptedRows, rows + 1000);
  });

  it("a counter's increase across the chunk boundary equals DuckDB's last less first, for every series", async () => {
    const key = 'region, tenant, cluster, broker, topic, partition';
    const [r] = await db.rows(`
      WITH e AS (SELECT ${key}, max(value) - min(value) AS inc, count(*) AS n
                 FROM read_parquet(${sqlString(`${whole.root}/raw/dt=${date}/*/*.parquet`)}, union_by_name = true)
                 WHERE metric = 'bytes_in_total' GROUP BY ALL),
      a AS (SELECT ${key}, increase FROM read_parquet([${whole.manifest.outputs.map((o) => sqlString(`${whole.root}/${o.key}`)).join(', ')}])
            WHERE metric = 'bytes_in_total')
      SELECT count(*) AS n, count(*) FILTER (WHERE e.n > 1) AS sampled_twice,
             count(*) FILTER (WHERE a.increase IS DISTINCT FROM e.inc) AS mismatches
      FROM e LEFT JOIN a ON ${key
        .split(', ')
        .map((c) => `e.${c} IS NOT DISTINCT FROM a.${c}`)
        .join(' AND ')}`);
    // series 3,600 to 74,999 have their first sample in the first chunk (rows to 153,600), their second in the next;
    // the small file adds a second sample to 333 others
    assert.equal(Number(r!.n), 50_000);
    assert.equal(Number(r!.sampled_twice), 25_000 + 333);
    assert.equal(Number(r!.mismatches), 0);
  });

  it('builds the same bytes on a decode thread (chunks posted one at a time), the hot hour in parts', () => {
    assert.ok(whole.events.includes('segment_split'), 'the 64 MiB budget splits the hot hour into parts');
    const files = (m: Manifest) => m.outputs.map((o) => [o.key, o.sha256, o.rows]);
    assert.deepEqual(files(threaded.manifest), files(whole.manifest));
  });
});
