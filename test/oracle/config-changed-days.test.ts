import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { JobConfig } from '../../src/config/job-config.js';
import { loadJobConfig } from '../../src/config/load-job-config.js';
import { openRollups } from '../../src/serve/open-rollups.js';
import { sqlString } from '../helpers/duckdb.js';
import { withRolledUpDay } from '../helpers/rolled-up-day.js';

/**
 * The default job as it was before `broker` and `sent_bytes` were added and `partition_online` counted partitions:
 * what the day below was rolled up with.
 */
function earlierJob(c: JobConfig): JobConfig {
  const { sent_bytes: _sent, ...rest } = c.metrics;
  const metrics = { ...rest, partition_online: { ...rest.partition_online!, distinctOf: ['topic'] } };
  const cube = c.cube!;
  const { broker: _broker, ...hierarchy } = cube.hierarchy;
  return {
    ...c,
    raw: { ...c.raw, dimensions: c.raw.dimensions.filter((d) => d !== 'broker') },
    metrics,
    unknownMetricPolicy: 'skip',
    cube: {
      ...cube,
      dimensionsSplitOrder: cube.dimensionsSplitOrder.filter((d) => d !== 'broker'),
      hierarchy,
      cuboids: cube.cuboids.filter((k) => !k.dimensions.includes('broker')),
    },
    ...(c.patterns
      ? { patterns: { ...c.patterns, networkBytes: c.patterns.networkBytes.filter((m) => m !== 'sent_bytes') } }
      : {}),
  };
}

it('a day rolled up under another job config answers what it holds and refuses, naming the day, what it lacks', async () => {
  await withRolledUpDay(
    'config-changed',
    { rows: 20_000, seed: 9, workers: 0, configure: earlierJob },
    async ({ dir, store, date, db, manifest }) => {
      assert.deepEqual({ ...manifest.distinctOf }, { partition_online: ['topic'] });
      const rollups = await openRollups({ store, config: await loadJobConfig() }); // today's job: the default
      const day = { fromMs: Date.UTC(2026, 10, 24), toMs: Date.UTC(2026, 10, 25) };
      const raw = sqlString(`${dir}/raw/dt=${date}/*/*.parquet`);
      const refused = async (q: Parameters<typeof rollups.query>[0], why: string): Promise<void> =>
        assert.rejects(rollups.query(q), (e: Error) => {
          assert.equal(e.name, 'QueryError');
          assert.ok(e.message.includes(`rolled up under another job config: ${date} (${why}`), e.message);
          assert.ok(e.message.includes(`run --date ${date} --force`), e.message);
          return true;
        });
      // a dimension the day was rolled up without: grouped on, filtered on (it crashed reading the dictionaries)
      await refused({ ...day, metric: 'received_bytes', groupBy: ['broker'] }, "rolled up without dimension 'broker'");
      await refused(
        { ...day, metric: 'cpu_usage', where: { broker: ['broker-0'] } },
        "rolled up without dimension 'broker'",
      );
      // a metric it skipped as uncatalogued: no "nothing matching" while its raw rows exist
      await refused(
        { ...day, metric: 'sent_bytes', grain: 'day' },
        "rolled up while metric 'sent_bytes' was not in the catalog: its",
      );
      // last and increase over series that merge several brokers' (their samples interleave)
      for (const agg of ['last', 'increase'] as const)
        await refused(
          { ...day, metric: agg === 'last' ? 'cpu_usage' : 'bytes_in_total', agg, grain: 'day' },
          "rolled up without dimension 'broker', which tells series apart",
        );
      // a distinct metric whose sketches counted other dimensions
      await refused(
        { ...day, metric: 'partition_online', agg: 'distinct' },
        "rolled up while 'partition_online' counted distinct topic, not topic, partition",
      );
      // what does not depend on the series is answered exactly
      const [sums] = await db.rows(
        `SELECT sum(value)::DOUBLE AS total FROM read_parquet(${raw}) WHERE metric = 'received_bytes' AND ` +
          `timestamp::TIMESTAMP >= DATE '${date}' AND timestamp::TIMESTAMP < DATE '${date}' + INTERVAL 1 DAY`,
      );
      const ours = await rollups.query({ ...day, metric: 'received_bytes', grain: 'day', groupBy: ['cluster'] });
      const total = ours.rows.reduce((a, r) => a + r.value, 0);
      assert.ok(Math.abs(total - Number(sums!.total)) <= 1e-9 * Number(sums!.total), `${total} vs ${sums!.total}`);
    },
  );
});
