import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { startCliHost } from '../helpers/cli-host.js';
import { openOracle, sqlString } from '../helpers/duckdb.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// A dimension value that starts with U+FEFF (a byte-order mark a producer wrote into a topic name) is a value of its
// own: text decoders drop a leading BOM by default, which merged it into the value without one on the read side.
const host = startCliHost();
after(() => host.stop());

const date = '2026-11-26';
const bom = '\ufeff';

describe('dimension values that start with U+FEFF', () => {
  let dir: { path: string; remove: () => Promise<void> };
  before(async () => {
    dir = await makeTempDir('bom-values');
    const folder = `${dir.path}/raw/dt=${date}/hr=05`;
    await mkdir(folder, { recursive: true });
    const db = await openOracle(1);
    try {
      // '\ufeffx' twice, 'x' once, '\ufeff' alone once: a BOM first in the file's first value and mid-dictionary
      await db.run(
        `COPY (SELECT TIMESTAMPTZ '${date} 05:10:00+00' + to_seconds(i) AS "timestamp", 'cpu_usage' AS metric,
           1.0 AS "value", 'r' AS region, 't' AS tenant, 'c1' AS "cluster", 'b' AS broker, t AS topic,
           p::INTEGER AS "partition"
         FROM (VALUES (chr(65279) || 'x', 0, 0), ('x', 1, 1), (chr(65279) || 'x', 2, 2), (chr(65279), 3, 3)) v(t, p, i))
         TO ${sqlString(`${folder}/e.parquet`)} (FORMAT parquet)`,
      );
    } finally {
      db.close();
    }
    const run = await host.run(['run', '--date', date, '--store', dir.path, '--workers', '0']);
    assert.equal(run.code, 0, run.stderr);
  });
  after(() => dir.remove());

  const query = async (...args: string[]) => {
    const r = await host.run([
      ...['query', '--store', dir.path, '--metric', 'cpu_usage', '--from', date, '--to', '2026-11-27'],
      ...['--agg', 'count', '--format', 'json', ...args],
    ]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Record<string, unknown>[];
  };

  it('groups, filters and lists them apart from the value without it, at hour and day grain', async () => {
    for (const grain of ['hour', 'day']) {
      const groups = await query('--grain', grain, '--group-by', 'topic');
      assert.deepEqual(
        groups.map((g) => [g.topic, g.value]).sort(),
        [
          [bom, 1],
          [`${bom}x`, 2],
          ['x', 1],
        ].sort(),
        grain,
      );
      assert.deepEqual(
        (await query('--grain', grain, '--where', 'topic=x')).map((g) => g.value),
        [1],
        grain,
      );
      assert.deepEqual(
        (await query('--grain', grain, '--where', `topic=${bom}x`)).map((g) => g.value),
        [2],
        grain,
      );
    }
    const values = await host.run(['values', '--store', dir.path, '--dim', 'topic', '--format', 'json']);
    assert.equal(values.code, 0, values.stderr);
    assert.deepEqual((JSON.parse(values.stdout) as { values: string[] }).values.sort(), [bom, `${bom}x`, 'x'].sort());
    // a table is for reading: the mark no one can see is written as its escape
    const table = await host.run(['values', '--store', dir.path, '--dim', 'topic']);
    assert.deepEqual(table.stdout.split('\n').slice(0, 3), ['x', '\\ufeff', '\\ufeffx']);
  });
});
