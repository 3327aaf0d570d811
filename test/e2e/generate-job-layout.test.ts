import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { defaultJobConfigPath } from '../../src/config/load-job-config.js';
import { startCliHost } from '../helpers/cli-host.js';
import { openOracle, sqlString, type Oracle } from '../helpers/duckdb.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// `generate --config` writes the sample fleet in the job's raw layout (its names for timestamp, metric and value, and
// its dimensions), so `run` with the same config reads what `generate` wrote; it used only the job's raw prefix, and
// the run then halted on the columns it could not find.
const host = startCliHost();
after(() => host.stop());

const date = '2026-11-21';

describe('generate --config writes the job raw layout', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let db: Oracle;
  /** The default job edited: raw.* by `edit`, and with `dimensions`, a cube, tiers and metrics that fit them. */
  const job = async (
    name: string,
    edit: (raw: Record<string, unknown>) => void,
    dimensions?: readonly [string, string, string],
  ): Promise<string> => {
    const config = JSON.parse(await readFile(defaultJobConfigPath, 'utf8')) as Record<string, unknown> & {
      raw: Record<string, unknown>;
      metrics: Record<string, Record<string, unknown>>;
    };
    edit(config.raw);
    if (dimensions) {
      const [a, b, c] = dimensions;
      config.raw.dimensions = dimensions;
      config.cube = {
        dimensionsSplitOrder: ['metric', a, b, c],
        skipStarNodeCreationFor: ['metric'],
        maxLeafRecords: 100,
        hierarchy: {},
        cuboids: [{ name: `metric_${b}`, dimensions: ['metric', b] }],
      };
      config.metrics.partition_online!.distinctOf = [c];
      config.output = { prefix: 'rollup', tiers: [{ grain: 'hour' }], segments: { partitionDimension: c } };
    }
    const path = `${dir.path}/${name}.json`;
    await writeFile(path, JSON.stringify(config));
    return path;
  };
  before(async () => {
    dir = await makeTempDir('generate-layout');
    db = await openOracle(1);
  });
  after(async () => {
    db.close();
    await dir.remove();
  });

  it("renames the three columns as the job names them, and the run reads the day as it reads the sample's own", async () => {
    const renamed = await job('renamed', (raw) => {
      raw.prefix = 'telemetry';
      raw.columns = { timestamp: 'ts', metric: 'name', value: 'val' };
    });
    const answers: string[] = [];
    for (const [store, config] of [
      [`${dir.path}/renamed`, renamed],
      [`${dir.path}/default`, defaultJobConfigPath],
    ] as const) {
      const args = ['--store', store, '--config', config];
      const gen = await host.run(['generate', '--date', date, '--rows', '3000', '--seed', '4', ...args]);
      assert.equal(gen.code, 0, gen.stderr);
      const run = await host.run(['run', '--date', date, ...args]);
      assert.equal(run.code, 0, run.stderr);
      const q = ['query', '--metric', 'received_bytes', '--from', date, '--to', '2026-11-22', '--agg', 'sum'];
      const r = await host.run([...q, '--group-by', 'tenant', '--format', 'json', ...args]);
      assert.equal(r.code, 0, r.stderr);
      answers.push(r.stdout);
    }
    assert.equal(answers[0], answers[1]);
    const [columns] = await db.rows(
      `SELECT list(column_name ORDER BY column_name) AS names FROM (DESCRIBE SELECT * FROM read_parquet(${sqlString(
        `${dir.path}/renamed/telemetry/dt=${date}/hr=05/part-0.parquet`,
      )}, hive_partitioning = false))`,
    );
    assert.deepEqual(
      [...(columns!.names as string[])],
      ['broker', 'cluster', 'name', 'partition', 'region', 'tenant', 'topic', 'ts', 'val'],
    );
  });

  it('writes only the dimensions the job reads, and refuses one the sample fleet does not have', async () => {
    const fewer = await job('fewer', () => {}, ['region', 'tenant', 'cluster']);
    const store = `${dir.path}/fewer`;
    const gen = await host.run(['generate', '--date', date, '--rows', '3000', '--store', store, '--config', fewer]);
    assert.equal(gen.code, 0, gen.stderr);
    const [columns] = await db.rows(
      `SELECT list(column_name ORDER BY column_name) AS names FROM (DESCRIBE SELECT * FROM read_parquet(${sqlString(
        `${store}/raw/dt=${date}/hr=05/part-0.parquet`,
      )}, hive_partitioning = false))`,
    );
    assert.deepEqual(
      [...(columns!.names as string[])],
      ['cluster', 'metric', 'region', 'tenant', 'timestamp', 'value'],
    );
    const zone = await job('zone', () => {}, ['region', 'tenant', 'zone']);
    const refused = await host.run(['generate', '--date', date, '--rows', '3000', '--store', store, '--config', zone]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /generate cannot write the job's raw\.dimensions 'zone': the sample fleet has region/);
    // a catalog without some of the sample's metrics: refused while unknown metrics halt the run, written when skipped
    const uncatalogued = async (policy: string): Promise<string> => {
      const path = `${dir.path}/no-distinct-${policy}.json`;
      const config = JSON.parse(await readFile(fewer, 'utf8')) as { metrics: Record<string, unknown> };
      delete config.metrics.partition_online;
      await writeFile(path, JSON.stringify({ ...config, unknownMetricPolicy: policy }));
      return path;
    };
    const halting = await uncatalogued('fail');
    const unread = await host.run([
      'generate',
      '--date',
      date,
      '--rows',
      '3000',
      '--store',
      store,
      '--config',
      halting,
    ]);
    assert.equal(unread.code, 1, unread.stderr);
    assert.match(
      unread.stderr,
      /generate writes metrics the job's catalog lacks \(partition_online\), and its unknownMetricPolicy 'fail'/,
    );
    const skipping = await uncatalogued('skip');
    const args = ['--date', date, '--rows', '3000', '--store', `${dir.path}/skipping`, '--config', skipping];
    assert.equal((await host.run(['generate', ...args])).code, 0);
    const run = await host.run(['run', ...args.filter((_, i) => i < 2 || i > 3)]);
    assert.equal(run.code, 0, run.stderr);
  });
});
