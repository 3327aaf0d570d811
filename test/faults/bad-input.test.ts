import assert from 'node:assert/strict';
import { cp, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { defaultJobConfigPath, loadJobConfig } from '../../src/config/load-job-config.js';
import { openOracle, sqlString, type Oracle } from '../helpers/duckdb.js';
import { startCliHost } from '../helpers/cli-host.js';
import type { TimedCliRun } from '../helpers/run-cli-timed.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { hourBaseJob } from '../helpers/hour-base-job.js';
import { snapshotTree } from '../helpers/tree-snapshot.js';
import { date, faultKey, goodRawSql, manifestPath, readManifest, type RollupManifest } from '../helpers/bad-raw-day.js';

// Each case: a valid 3,000-row day on a fresh local store plus one bad raw object, then the real CLI (its main, in
// one host process for the file: these cases are about the input, not the process).
// Halts must exit 1, name the object (and column and value), and leave no visible partition;
// rows the data contract counts must be counted by reason in the committed manifest.

const rawRows = 3000;
const cliTimeoutMs = 120_000; // one CLI invocation on a 3,000-row day takes about a second
const host = startCliHost();

/** Runs the CLI in the file's host process, failing the test if it outlives cliTimeoutMs or leaves anything alive. */
async function cli(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<TimedCliRun> {
  const r = await host.run(args, env, cliTimeoutMs);
  assert.ok(!r.timedOut, `telemetry-rollup ${args.join(' ')} hung for ${cliTimeoutMs} ms: ${r.stderr.slice(-2000)}`);
  return r;
}

/** The `telemetry-rollup: ...` line the CLI prints for a failed run. */
/** The line a failure is said in: the command's, or commander's for a flag value it refuses. */
function failureLine(r: TimedCliRun): string {
  return (
    r.stderr.split('\n').find((l) => l.startsWith('telemetry-rollup: ') || l.startsWith('error: ')) ??
    `(no failure line) ${r.stderr}`
  );
}

describe('bad raw input on the local store', { timeout: 600_000 }, () => {
  let db: Oracle;
  let template: { path: string; remove: () => Promise<void> };
  let baseline: RollupManifest; // the valid day alone
  let victim: string; // key of a generated raw object that a case damages
  let baseJob: string; // the default job without its cube and day tier: what bad input reaches is the base records
  const dirs: { remove: () => Promise<void> }[] = [];

  /** A fresh store holding a copy of the valid day. */
  async function freshStore(label: string): Promise<string> {
    const dir = await makeTempDir(`faults-${label}`);
    dirs.push(dir);
    await cp(template.path, dir.path, { recursive: true });
    return dir.path;
  }

  /** Writes the rows of `select` as the fault object with DuckDB. */
  async function writeFaultObject(store: string, select: string, key = faultKey): Promise<void> {
    const file = `${store}/${key}`;
    await mkdir(file.slice(0, file.lastIndexOf('/')), { recursive: true });
    await db.run(`COPY (${select}) TO ${sqlString(file)} (FORMAT parquet)`);
  }

  /** Asserts a halt: exit 1, every pattern in the failure line, and no committed partition. */
  async function assertHalted(store: string, r: TimedCliRun, patterns: readonly (string | RegExp)[]): Promise<void> {
    assert.equal(r.code, 1, `expected a halt (exit 1): ${r.stderr}`);
    const line = failureLine(r);
    for (const p of patterns) {
      if (typeof p === 'string') assert.ok(line.includes(p), `failure line lacks ${JSON.stringify(p)}: ${line}`);
      else assert.match(line, p);
    }
    await assert.rejects(stat(manifestPath(store)), { code: 'ENOENT' }, 'a halted run must not commit the partition');
    assert.deepEqual(
      [...(await snapshotTree(`${store}/rollup`)).keys()],
      [],
      'a run halted on input writes no rollup files',
    );
  }

  /** Runs the day (the base job unless `args` names a job) and asserts it committed; returns the manifest. */
  async function runCommitted(store: string, args: readonly string[] = []): Promise<RollupManifest> {
    const job = args.includes('--config') ? [] : ['--config', baseJob];
    const r = await cli(['run', '--date', date, '--store', store, ...job, ...args]);
    assert.equal(r.code, 0, r.stderr);
    return readManifest(store);
  }

  /**
   * Asserts a manifest counted `added` extra rows of which `rejected` were rejected, by reason, on top of the baseline.
   */
  async function assertCounted(
    store: string,
    m: RollupManifest,
    added: number,
    rejected: Readonly<Record<string, number>>,
  ): Promise<void> {
    assert.equal(m.rows.in, baseline.rows.in + added);
    const expected = { ...baseline.rows.rejected };
    for (const [reason, n] of Object.entries(rejected)) expected[reason] = (expected[reason] ?? 0) + n;
    assert.deepEqual(m.rows.rejected, expected);
    const rejectedTotal = Object.values(m.rows.rejected).reduce((a, b) => a + b, 0);
    assert.equal(m.rows.accepted, m.rows.in + (m.rows.late ?? 0) - (m.rows.routed ?? 0) - rejectedTotal);
    const files = `[${m.outputs.map((o) => sqlString(`${store}/${o.key}`)).join(', ')}]`;
    const [row] = await db.rows(`SELECT sum(count)::BIGINT AS accepted,
        count(*) FILTER (WHERE NOT (isfinite(sum) AND isfinite(min) AND isfinite(max) AND isfinite(last)))::BIGINT AS non_finite
      FROM read_parquet(${files})`);
    assert.equal(Number(row!.accepted), m.rows.accepted, 'the output counts exactly the accepted rows');
    assert.equal(Number(row!.non_finite), 0, 'no NaN or infinity reaches an aggregate');
  }

  before(async () => {
    db = await openOracle();
    await db.run(`SET TimeZone = 'UTC'`); // TIMESTAMPTZ casts below mean UTC
    template = await makeTempDir('faults-template');
    const jobDir = await makeTempDir('faults-job');
    dirs.push(jobDir);
    baseJob = `${jobDir.path}/base-job.json`;
    await writeFile(baseJob, JSON.stringify(hourBaseJob(await loadJobConfig())));
    const gen = await cli([
      'generate',
      '--date',
      date,
      '--rows',
      String(rawRows),
      '--seed',
      '7',
      '--store',
      template.path,
    ]);
    assert.equal(gen.code, 0, gen.stderr);
    const probe = await freshStore('baseline');
    baseline = await runCommitted(probe);
    assert.equal(baseline.rows.in, rawRows);
    const hour03 = (await readdir(`${template.path}/raw/dt=${date}/hr=03`))
      .filter((n) => n.endsWith('.parquet'))
      .sort();
    assert.ok(hour03.length > 0, 'the generated day has files in hour 03');
    victim = `raw/dt=${date}/hr=03/${hour03[0]!}`;
  });
  after(async () => {
    await host.stop();
    db.close();
    for (const d of dirs) await d.remove();
    await template.remove();
  });

  describe('unreadable objects halt with exit 1 and name the object', () => {
    it('a truncated Parquet file (a valid file cut in half)', async () => {
      const store = await freshStore('truncated');
      const bytes = await readFile(`${store}/${victim}`);
      await writeFile(`${store}/${victim}`, bytes.subarray(0, Math.floor(bytes.length / 2)));
      await assertHalted(store, await cli(['run', '--date', date, '--store', store]), [
        victim,
        /truncated|not a Parquet file/,
      ]);
    });

    it('a file cut in half whose trailing magic is restored (footer garbage)', async () => {
      const store = await freshStore('truncated-magic');
      const bytes = await readFile(`${store}/${victim}`);
      await writeFile(
        `${store}/${victim}`,
        Buffer.concat([bytes.subarray(0, Math.floor(bytes.length / 2)), Buffer.from('PAR1')]),
      );
      await assertHalted(store, await cli(['run', '--date', date, '--store', store]), [victim]);
    });

    it('bad leading magic bytes', async () => {
      const store = await freshStore('bad-magic');
      const bytes = Buffer.from(await readFile(`${store}/${victim}`));
      bytes.write('PAR2', 0, 'latin1');
      await writeFile(`${store}/${victim}`, bytes);
      await assertHalted(store, await cli(['run', '--date', date, '--store', store]), [victim, /magic/]);
    });

    it('bad trailing magic bytes', async () => {
      const store = await freshStore('bad-tail-magic');
      const bytes = Buffer.from(await readFile(`${store}/${victim}`));
      bytes.write('XXXX', bytes.length - 4, 'latin1');
      await writeFile(`${store}/${victim}`, bytes);
      await assertHalted(store, await cli(['run', '--date', date, '--store', store]), [victim, /magic/]);
    });

    it('an empty (0-byte) object', async () => {
      const store = await freshStore('empty');
      await writeFile(`${store}/${faultKey}`, new Uint8Array(0));
      await assertHalted(store, await cli(['run', '--date', date, '--store', store]), [faultKey, /0 bytes/]);
    });
  });

  describe('schema problems halt with exit 1 naming the object and the column', () => {
    it('the required value column is missing', async () => {
      const store = await freshStore('no-value');
      await writeFaultObject(store, goodRawSql(20, {}, ['value']));
      await assertHalted(store, await cli(['run', '--date', date, '--store', store]), [faultKey, "'value'", /missing/]);
    });

    for (const column of ['timestamp', 'metric']) {
      it(`the required ${column} column is missing`, async () => {
        const store = await freshStore(`no-${column}`);
        await writeFaultObject(store, goodRawSql(20, {}, [column]));
        await assertHalted(store, await cli(['run', '--date', date, '--store', store]), [
          faultKey,
          `'${column}'`,
          /missing/,
        ]);
      });
    }

    it('a dimension column is DOUBLE (not string or integer)', async () => {
      const store = await freshStore('dim-double');
      await writeFaultObject(store, goodRawSql(20, { partition: `((i % 4) + 0.5)::DOUBLE` }));
      await assertHalted(store, await cli(['run', '--date', date, '--store', store]), [
        faultKey,
        "'partition'",
        /expects a string or integer, got (Float64|Double)/i,
      ]);
    });

    it('the value column is VARCHAR', async () => {
      const store = await freshStore('value-varchar');
      await writeFaultObject(store, goodRawSql(20, { value: `((i % 13) * 1.25)::VARCHAR` }));
      await assertHalted(store, await cli(['run', '--date', date, '--store', store]), [
        faultKey,
        "'value'",
        /expects double, got (Large)?Utf8/i,
      ]);
    });

    it('the timestamp column is VARCHAR', async () => {
      const store = await freshStore('ts-varchar');
      await writeFaultObject(
        store,
        goodRawSql(20, {
          timestamp: `strftime(TIMESTAMP '${date} 05:00:00' + to_seconds(i * 7), '%Y-%m-%dT%H:%M:%SZ')`,
        }),
      );
      await assertHalted(store, await cli(['run', '--date', date, '--store', store]), [
        faultKey,
        "'timestamp'",
        /expects a timestamp or int64 epoch milliseconds, got (Large)?Utf8/i,
      ]);
    });

    it('the timestamp column is INTEGER (int32, not epoch ms)', async () => {
      const store = await freshStore('ts-int32');
      await writeFaultObject(store, goodRawSql(20, { timestamp: `(1000 + i)::INTEGER` }));
      await assertHalted(store, await cli(['run', '--date', date, '--store', store]), [
        faultKey,
        "'timestamp'",
        /expects a timestamp or int64 epoch milliseconds, got Int32/i,
      ]);
    });
  });

  describe('rows the contract counts are committed and counted by reason', () => {
    it('NaN values are counted as nan_value', async () => {
      const store = await freshStore('nan');
      await writeFaultObject(
        store,
        goodRawSql(40, { value: `CASE WHEN i % 5 = 0 THEN 'NaN'::DOUBLE ELSE ((i % 13) * 1.25)::DOUBLE END` }),
      );
      await assertCounted(store, await runCommitted(store), 40, { nan_value: 8 });
    });

    it('+Infinity and -Infinity values are counted as infinite_value', async () => {
      const store = await freshStore('inf');
      await writeFaultObject(
        store,
        goodRawSql(40, {
          value: `CASE WHEN i < 6 THEN 'Infinity'::DOUBLE WHEN i < 9 THEN '-Infinity'::DOUBLE ELSE ((i % 13) * 1.25)::DOUBLE END`,
        }),
      );
      await assertCounted(store, await runCommitted(store), 40, { infinite_value: 9 });
    });

    it("a distribution's samples below 0 are counted as negative_distribution_value; a gauge's are aggregated", async () => {
      const store = await freshStore('negative');
      // rows 0-19 latency samples, 7 of them below 0 (-0 is not); rows 20-39 a gauge, 6 of them below 0
      await writeFaultObject(
        store,
        goodRawSql(40, {
          metric: `CASE WHEN i < 20 THEN 'request_latency_ms' ELSE 'cpu_usage' END`,
          value: `CASE WHEN i % 3 = 1 THEN -0.5 - i WHEN i = 0 THEN -0.0 ELSE ((i % 13) * 1.25)::DOUBLE END`,
        }),
      );
      const m = await runCommitted(store);
      await assertCounted(store, m, 40, { negative_distribution_value: 7 });
      const files = `[${m.outputs.map((o) => sqlString(`${store}/${o.key}`)).join(', ')}]`;
      const rows = await db.rows(`SELECT metric, sum(count)::BIGINT AS n, min(min) AS low FROM read_parquet(${files})
        WHERE tenant = 'tn-faults' GROUP BY metric ORDER BY metric`);
      assert.deepEqual(
        rows.map((r) => [r.metric, Number(r.n), Number(r.low) + 0]), // + 0: -0 reads as 0
        [
          ['cpu_usage', 20, -37.5], // row 37: -0.5 - 37
          ['request_latency_ms', 13, 0],
        ],
      );
    });

    it('null values are counted as null_value', async () => {
      const store = await freshStore('null');
      await writeFaultObject(
        store,
        goodRawSql(40, { value: `CASE WHEN i % 4 = 0 THEN NULL ELSE ((i % 13) * 1.25)::DOUBLE END` }),
      );
      await assertCounted(store, await runCommitted(store), 40, { null_value: 10 });
    });

    it('null timestamps and null metrics are counted as null_timestamp and null_metric', async () => {
      const store = await freshStore('null-ts-metric');
      await writeFaultObject(
        store,
        goodRawSql(40, {
          timestamp: `CASE WHEN i % 8 = 0 THEN NULL ELSE TIMESTAMP '${date} 05:00:00' + to_seconds(i * 7) END`,
          metric: `CASE WHEN i % 8 = 1 THEN NULL ELSE 'cpu_usage' END`,
        }),
      );
      await assertCounted(store, await runCommitted(store), 40, { null_timestamp: 5, null_metric: 5 });
    });

    it('a file whose integer metric column is null on every row counts every row as null_metric', async () => {
      const store = await freshStore('all-null-int-metric');
      await writeFaultObject(store, goodRawSql(30, { metric: `NULL::INTEGER` }));
      await assertCounted(store, await runCommitted(store), 30, { null_metric: 30 });
    });

    it('int64 epoch milliseconds at the extremes of the type are counted as timestamp_outside_day', async () => {
      const store = await freshStore('int64-extremes');
      await writeFaultObject(
        store,
        goodRawSql(12, {
          timestamp: `CASE WHEN i = 0 THEN 9223372036854775807 WHEN i = 1 THEN -9223372036854775808 WHEN i = 2 THEN 0::BIGINT
          WHEN i = 3 THEN -1::BIGINT ELSE epoch_ms(TIMESTAMP '${date} 05:00:00' + to_seconds(i * 7)) END`,
        }),
      );
      await assertCounted(store, await runCommitted(store), 12, { timestamp_outside_day: 4 });
    });

    it('an int64 timestamp column of epoch seconds (read as milliseconds) is counted, and the file named in a warning', async () => {
      const store = await freshStore('epoch-seconds');
      await writeFaultObject(
        store,
        goodRawSql(20, { timestamp: `epoch(TIMESTAMP '${date} 05:00:00' + to_seconds(i * 7))::BIGINT` }),
      );
      const r = await cli(['run', '--date', date, '--store', store]);
      assert.equal(r.code, 0, r.stderr);
      await assertCounted(store, await readManifest(store), 20, { timestamp_outside_day: 20 });
      const warning = r.stderr.split('\n').find((l) => l.includes('"event":"raw_file_outside_day"'));
      assert.ok(warning, r.stderr);
      assert.ok(warning.includes(`"key":"${faultKey}"`) && warning.includes('"rows":20'), warning);
    });

    it('a valid Parquet file with no rows adds nothing', async () => {
      const store = await freshStore('zero-rows');
      await writeFaultObject(store, `${goodRawSql(10)} WHERE i < 0`);
      const m = await runCommitted(store);
      await assertCounted(store, m, 0, {});
      assert.ok(
        m.inputs.some((i) => i.key === faultKey),
        'the empty file is an input',
      );
    });

    it('dimension columns absent from a file read as null and the manifest says so', async () => {
      const store = await freshStore('missing-dims');
      await writeFaultObject(store, goodRawSql(10, {}, ['topic', 'partition']));
      const m = await runCommitted(store);
      await assertCounted(store, m, 10, {});
      assert.deepEqual(
        m.missingDimensions.filter((d) => d.key === faultKey),
        [{ key: faultKey, columns: ['topic', 'partition'] }],
      );
    });

    const misnamed = [
      ['dimension', 'topic', 'Topic'],
      ['required value', 'value', 'Value'],
    ] as const;
    for (const [what, column, named] of misnamed)
      it(`a ${what} column present under another case halts naming both names`, async () => {
        const store = await freshStore(`${column}-case`);
        await writeFaultObject(store, goodRawSql(10, {}).replace(`AS "${column}"`, `AS "${named}"`));
        await assertHalted(store, await cli(['run', '--date', date, '--store', store]), [
          faultKey,
          `${what} column '${column}' missing`,
          `has a column '${named}'`,
          /case-sensitive/,
        ]);
      });

    const outside = (cast: string): string =>
      `(CASE WHEN i < 10 THEN TIMESTAMP '2000-01-01 00:00:00' + to_seconds(i) WHEN i < 20 THEN TIMESTAMP '2100-06-01 12:00:00' + to_seconds(i)
         ELSE TIMESTAMP '${date} 05:00:00' + to_seconds(i * 7) END)${cast}`;
    const units: Record<string, string> = {
      'TIMESTAMP (us)': outside(''),
      TIMESTAMP_MS: outside('::TIMESTAMP_MS'),
      TIMESTAMP_NS: outside('::TIMESTAMP_NS'),
      TIMESTAMPTZ: outside('::TIMESTAMPTZ'),
      'BIGINT epoch ms': `epoch_ms(${outside('')})`,
    };
    for (const [unit, expr] of Object.entries(units)) {
      it(`timestamps in 2000 and 2100 (${unit}) are counted as timestamp_outside_day`, async () => {
        const store = await freshStore('outside');
        await writeFaultObject(store, goodRawSql(30, { timestamp: expr }));
        await assertCounted(store, await runCommitted(store), 30, { timestamp_outside_day: 20 });
      });
    }
  });

  describe('metrics missing from the catalog', () => {
    it('fail by default with exit 1, listing the metric, its row count, the column and the file holding it', async () => {
      const store = await freshStore('unknown-fail');
      await writeFaultObject(store, goodRawSql(17, { metric: `'disk_temperature_c'` }));
      await assertHalted(store, await cli(['run', '--date', date, '--store', store]), [
        `in column 'metric' of raw/dt=${date}/: 'disk_temperature_c' (17 rows, in ${faultKey})`,
        /unknownMetricPolicy/,
      ]);
    });

    it('are counted as unknown_metric and listed in the manifest with unknownMetricPolicy "skip"', async () => {
      const store = await freshStore('unknown-skip');
      await writeFaultObject(store, goodRawSql(17, { metric: `'disk_temperature_c'` }));
      const config = JSON.parse(await readFile(baseJob, 'utf8')) as Record<string, unknown>;
      const configFile = `${store}/skip-job.json`;
      await writeFile(configFile, JSON.stringify({ ...config, unknownMetricPolicy: 'skip' }));
      const m = await runCommitted(store, ['--config', configFile]);
      await assertCounted(store, m, 17, { unknown_metric: 17 });
      assert.deepEqual(m.unknownMetrics, { disk_temperature_c: 17 });
      const files = `[${m.outputs.map((o) => sqlString(`${store}/${o.key}`)).join(', ')}]`;
      const [row] = await db.rows(
        `SELECT count(*)::BIGINT AS n FROM read_parquet(${files}) WHERE metric = 'disk_temperature_c'`,
      );
      assert.equal(Number(row!.n), 0, 'skipped metrics are not written');
    });
  });

  it('a dimension value 100 KB long halts under the default valueBytes, and round-trips into the files under a larger one', async () => {
    const store = await freshStore('long-dim');
    const longValue = `('tn-é-' || repeat('0123456789abcdef', 6400))`; // 102,406 bytes of UTF-8
    await writeFaultObject(store, goodRawSql(10, { tenant: longValue }));
    await assertHalted(store, await cli(['run', '--date', date, '--store', store]), [
      "limit valueBytes dimension 'tenant' has a value of 102406 bytes, over 4096",
      faultKey,
    ]);
    const job = JSON.parse(await readFile(defaultJobConfigPath, 'utf8')) as { output: Record<string, unknown> };
    const config = `${store}/long-values-job.json`;
    await writeFile(config, JSON.stringify({ ...job, output: { ...job.output, limits: { valueBytes: 200_000 } } }));
    const m = await runCommitted(store, ['--config', config]);
    await assertCounted(store, m, 10, {});
    const base = `[${m.outputs.map((o) => sqlString(`${store}/${o.key}`)).join(', ')}]`;
    const [row] =
      await db.rows(`SELECT count(*)::BIGINT AS records, sum(count)::BIGINT AS samples, max(strlen(tenant))::BIGINT AS bytes
      FROM read_parquet(${base}) WHERE tenant = ${longValue}`);
    assert.deepEqual(
      { records: Number(row!.records), samples: Number(row!.samples), bytes: Number(row!.bytes) },
      { records: 2, samples: 10, bytes: 102406 },
    );
    const byTenant = m.cube?.cuboids.find((c) => c.dimensions.join() === 'metric,tenant');
    assert.ok(byTenant, 'the default job declares a (metric, tenant) cuboid');
    const cuboids = `[${(m.cube?.cuboidFiles ?? []).map((o) => sqlString(`${store}/${o.key}`)).join(', ')}]`;
    const [cube] = await db.rows(
      `SELECT sum(count)::BIGINT AS samples FROM read_parquet(${cuboids}) WHERE tenant = ${longValue} AND grouping_id = ${byTenant.groupingId}`,
    );
    assert.equal(Number(cube!.samples), 10, 'the (metric, tenant) cuboid holds the long tenant too');
  });

  describe('a DATE that tries to escape is refused with exit 1 before anything is written', () => {
    for (const command of ['run', 'generate']) {
      it(`${command}`, async () => {
        const root = await makeTempDir(`faults-date-${command}`);
        dirs.push(root);
        const store = `${root.path}/store`;
        await cp(template.path, store, { recursive: true });
        const before = await snapshotTree(root.path);
        for (const bad of [
          '../x',
          '2026-11-24/../../etc',
          '2026-11-24/../../../../escaped',
          '..',
          '/etc',
          `${root.path}/absolute`,
          `${date}/..`,
          `${date}/`,
          `/${date}`,
        ]) {
          const args =
            command === 'run'
              ? ['run', '--date', bad, '--store', store]
              : ['generate', '--date', bad, '--rows', '100', '--store', store];
          const r = await cli(args);
          assert.equal(r.code, 1, `${command} --date ${bad}: ${r.stderr}`);
          assert.match(failureLine(r), /date '.*' is not/, bad);
          assert.deepEqual(await snapshotTree(root.path), before, `${command} --date ${bad} wrote something`);
        }
      });
    }
  });

  describe('store locations with URL tricks are refused with exit 1', () => {
    const password = 'Hunter2-Pa55w0rd-9f3c';
    const locations = [
      's3://telemetry/../x',
      's3://telemetry/fleet/../../x',
      `s3://user:${password}@telemetry/x`,
      `s3://AKIAIOSFODNN7EXAMPLE:${password}/x@telemetry/x`,
      'http://evil/x',
      'https://evil.example/x',
      'file:///tmp/%2e%2e/x',
      'file:///tmp/%2E%2e/etc',
      'file://evil/x',
      `file://user:${password}@localhost/tmp/x`,
      `s3://telemetry/x?X-Amz-Security-Token=${password}`,
      `s3://telemetry/x#${password}`,
    ];
    for (const command of ['run', 'generate']) {
      it(`${command}`, async () => {
        for (const location of locations) {
          const args =
            command === 'run'
              ? ['run', '--date', date, '--store', location]
              : ['generate', '--date', date, '--rows', '100', '--store', location];
          // An endpoint nobody listens on: a location that slipped through would fail with 75, not 1.
          const r = await cli(args, {
            AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
            AWS_REGION: 'us-east-1',
            AWS_ACCESS_KEY_ID: 'x',
            AWS_SECRET_ACCESS_KEY: 'y',
          });
          assert.equal(r.code, 1, `${command} --store ${location}: ${r.stderr}`);
          assert.match(failureLine(r), /storage location/, location);
          assert.ok(
            !(r.stdout + r.stderr).includes(password),
            `${location}: the password appears in the output: ${r.stderr}`,
          );
        }
      });
    }
  });

  it('a store location with credentials in ROLLUP_STORE is refused without echoing them', async () => {
    const r = await cli(['run', '--date', date], {
      ROLLUP_STORE: `s3://user:${'Hunter2-Pa55w0rd-9f3c'}@telemetry/x`,
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(failureLine(r), /storage location/);
    assert.ok(!(r.stdout + r.stderr).includes('Hunter2-Pa55w0rd-9f3c'), r.stderr);
  });

  it('a committed partition stays exactly as it was when a --force rerun or a changed-input rerun halts on bad input', async () => {
    const store = await freshStore('keep-committed');
    await runCommitted(store);
    const manifestBytes = await readFile(manifestPath(store));
    const rollupBefore = await snapshotTree(`${store}/rollup`);
    await writeFaultObject(store, goodRawSql(20, { value: `((i % 13) * 1.25)::VARCHAR` }));
    for (const args of [['--force'], []]) {
      const r = await cli(['run', '--date', date, '--store', store, ...args]);
      assert.equal(r.code, 1, r.stderr);
      assert.ok(failureLine(r).includes(faultKey), failureLine(r));
      assert.ok(
        Buffer.from(await readFile(manifestPath(store))).equals(manifestBytes),
        'the committed manifest changed',
      );
      assert.deepEqual(await snapshotTree(`${store}/rollup`), rollupBefore, 'the committed files changed');
    }
    await writeFile(`${store}/${victim}`, new Uint8Array(0));
    const r = await cli(['run', '--date', date, '--store', store, '--force']);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(Buffer.from(await readFile(manifestPath(store))).equals(manifestBytes), 'the committed manifest changed');
    assert.deepEqual(await snapshotTree(`${store}/rollup`), rollupBefore);
  });
});
