import assert from 'node:assert/strict';
import { mkdir, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import { renderHtmlReport } from '../../src/serve/html-report.js';
import { openRollups } from '../../src/serve/open-rollups.js';
import { serveRollups } from '../../src/serve/serve-rollups.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { openOracle, sqlString, type Oracle } from '../helpers/duckdb.js';
import { startCliHost } from '../helpers/cli-host.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// One host process runs every CLI invocation of this file (through main): these tests are about the commands, not
// the process, and a new process per invocation spent most of its time loading modules.
const host = startCliHost();
after(() => host.stop());
const runCli = host.run;

const day = '2026-11-12';
const nextDay = '2026-11-13';
const topics = 25;

/**
 * One hour (12) of a hand-made day: a broker that is null and one named "null" beside b1 (cpu_usage), most of the
 * day's received bytes without a tenant, and 25 topics of retained bytes in cluster c1.
 */
function rawSql(): string {
  const rows = [
    `('received_bytes', 1000000, NULL, 'c1', 'b1', 't1')`,
    `('received_bytes', 10, 'A', 'c1', 'b1', 't1')`,
    `('sent_bytes', 10, 'A', 'c1', 'b1', 't1')`,
    `('fetch_requests', 3, 'A', 'c1', 'b1', 't1')`,
    `('cpu_usage', 10, 'A', 'c1', NULL, NULL)`,
    `('cpu_usage', 50, 'A', 'c1', 'null', NULL)`,
    `('cpu_usage', 20, 'A', 'c1', 'b1', NULL)`,
    ...Array.from({ length: topics }, (_, i) => `('retained_bytes', ${1000 + i}, 'A', 'c1', 'b1', 'topic-${i}')`),
  ];
  return `SELECT TIMESTAMP '${day} 12:10:00' AS "timestamp", metric, v::DOUBLE AS "value", 'r1' AS region, tenant,
    c AS "cluster", b AS broker, tp AS topic, 0::INTEGER AS "partition"
    FROM (VALUES ${rows.join(', ')}) s(metric, v, tenant, c, b, tp)`;
}

describe('usage patterns: null dimension values, long lists and ends off the hour are said as they are', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let db: Oracle;
  let server: Server;
  let base = '';
  before(async () => {
    dir = await makeTempDir('pattern-edges');
    db = await openOracle();
    await db.run(`SET TimeZone = 'UTC'`);
    const raw = `${dir.path}/raw/dt=${day}/hr=12`;
    await mkdir(raw, { recursive: true });
    await db.run(`CREATE TABLE raw AS ${rawSql()}`);
    await db.run(`COPY raw TO ${sqlString(`${raw}/part-0.parquet`)} (FORMAT parquet)`);
    const config = await loadJobConfig();
    await runRollup({
      store: new LocalStore(dir.path),
      config,
      configHash: hashJobConfig(config),
      date: day,
      workers: 0,
    });
    server = await serveRollups(await openRollups({ store: dir.path }), { host: '127.0.0.1', port: 0 });
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    db.close();
    await dir.remove();
  });
  const store = (): string[] => ['--store', dir.path];

  it('trend keeps a null broker and a broker named "null" apart, as DuckDB groups them', async () => {
    const expected = await db.rows(
      `SELECT broker, avg(value) AS v FROM raw WHERE metric = 'cpu_usage' AND "cluster" = 'c1' GROUP BY broker`,
    );
    assert.equal(expected.length, 3);
    const json = await runCli([
      'trend',
      '--cluster',
      'c1',
      '--days',
      '1',
      '--end',
      nextDay,
      '--format',
      'json',
      ...store(),
    ]);
    assert.equal(json.code, 0, json.stderr);
    const series = JSON.parse(json.stdout) as { name: string | null; points: { time: string; value: number }[] }[];
    const got = new Map(series.map((s) => [s.name, s.points.map((p) => p.value)]));
    assert.equal(got.size, 3, json.stdout);
    for (const r of expected) assert.deepEqual(got.get(r.broker as string | null), [r.v], `broker ${String(r.broker)}`);
    const table = await runCli(['trend', '--cluster', 'c1', '--days', '1', '--end', nextDay, ...store()]);
    assert.equal(table.code, 0, table.stderr);
    const header = table.stdout
      .split('\n')[0]!
      .trim()
      .split(/\s{2,}/);
    assert.deepEqual(new Set(header.slice(1)), new Set(['b1', 'null', '(null)']));
  });

  it('diagnose names the topics its table leaves out and what they hold; JSON lists every topic', async () => {
    const [all] = await db.rows(
      `SELECT count(*)::INTEGER AS n, sum(value) AS bytes FROM raw WHERE metric = 'retained_bytes' AND "cluster" = 'c1'`,
    );
    const [rest] = await db.rows(
      `SELECT sum(value) AS bytes FROM (SELECT value FROM raw WHERE metric = 'retained_bytes' AND "cluster" = 'c1'
        ORDER BY value DESC OFFSET 20)`,
    );
    const table = await runCli(['diagnose', '--cluster', 'c1', '--at', `${day}T12:30:00Z`, ...store()]);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trim().split('\n');
    assert.match(lines[0]!, new RegExp(`: ${all!.bytes} bytes$`));
    assert.equal(lines.filter((l) => /^ {2}topic-\d+ /.test(l)).length, 20);
    assert.equal(lines[21], `  and ${topics - 20} more topics: ${rest!.bytes} bytes (--format json lists every topic)`);
    const json = await runCli([
      'diagnose',
      '--cluster',
      'c1',
      '--at',
      `${day}T12:30:00Z`,
      '--format',
      'json',
      ...store(),
    ]);
    assert.equal((JSON.parse(json.stdout) as { byTopic: unknown[] }).byTopic.length, all!.n);
  });

  it('the report picks the busiest named tenant, and its storage table names the topics left out', async () => {
    const html = await renderHtmlReport(await openRollups({ store: dir.path }), {
      date: day,
      store: new LocalStore(dir.path),
      now: () => new Date(`${nextDay}T06:00:00Z`),
    });
    const [rest] = await db.rows(
      `SELECT sum(value) AS bytes FROM (SELECT value FROM raw WHERE metric = 'retained_bytes' AND "cluster" = 'c1'
        ORDER BY value DESC OFFSET 15)`,
    );
    assert.match(html, /<h2 id="facts">Facts: network bytes of tenant A per hour/);
    assert.equal(html.split('<tr><td>topic-').length - 1, 15);
    assert.match(html, new RegExp(`<tr class="rest"><td>${topics - 15} more topics</td><td title="${rest!.bytes}">`));
  });

  it('a report over a day whose every byte lacks the tenant asks for one instead of saying no data', async () => {
    const only = await makeTempDir('pattern-null-tenant');
    try {
      const raw = `${only.path}/raw/dt=${day}/hr=12`;
      await mkdir(raw, { recursive: true });
      await db.run(
        `COPY (SELECT * REPLACE (NULL::VARCHAR AS tenant) FROM raw) TO ${sqlString(`${raw}/part-0.parquet`)} (FORMAT parquet)`,
      );
      assert.equal((await runCli(['run', '--date', day, '--store', only.path])).code, 0);
      const report = await runCli(['report', '--date', day, '--out', `${only.path}/r.html`, '--store', only.path]);
      assert.equal(report.code, 1, report.stderr);
      assert.match(
        report.stderr,
        /cannot pick the busiest tenant of 2026-11-12: every row of received_bytes .*--tenant/,
      );
    } finally {
      await only.remove();
    }
  });

  it('trend and attribute with --end off the hour say which hours they read (CLI note, JSON line, HTTP header)', async () => {
    const end = `${day}T12:30:00Z`;
    const read = `${day}T13:00:00.000Z`;
    for (const command of ['trend', 'attribute']) {
      const text = await runCli([command, '--cluster', 'c1', '--days', '1', '--end', end, ...store()]);
      assert.equal(text.code, 0, text.stderr);
      assert.match(
        text.stderr,
        new RegExp(
          `note: the rollups hold whole hours: .* read the hours that start in its range, .* to ${read}, not .* to ${day}T12:30:00.000Z`,
        ),
      );
      const json = await runCli([
        command,
        '--cluster',
        'c1',
        '--days',
        '1',
        '--end',
        end,
        '--format',
        'json',
        ...store(),
      ]);
      const event = json.stderr.split('\n').find((l) => l.includes('"event":"query_hours_read"'));
      assert.deepEqual(JSON.parse(event ?? '{}'), {
        event: 'query_hours_read',
        asked: { from: `2026-11-11T12:30:00.000Z`, to: `${day}T12:30:00.000Z` },
        read: { from: `2026-11-11T13:00:00.000Z`, to: read },
      });
      const onTheHour = await runCli([command, '--cluster', 'c1', '--days', '1', '--end', nextDay, ...store()]);
      assert.doesNotMatch(onTheHour.stderr, /note: the rollups hold whole hours/);
      const http = await fetch(`${base}/${command}?cluster=c1&days=1&end=${end}`);
      assert.equal(http.status, 200);
      assert.equal(http.headers.get('x-rollup-hours-read'), `2026-11-11T13:00:00.000Z/${read}`);
      const now = await fetch(`${base}/${command}?cluster=c1&days=1`);
      assert.equal(now.headers.get('x-rollup-hours-read'), null, 'the default end (now) is not a range asked for');
    }
  });

  it("names the value '' as '' in what it says, never as a missing name", async () => {
    const hour = `${day}T12:00Z`;
    const facts = await runCli(['facts', '--cluster', '', '--hour', hour, ...store()]);
    assert.equal(facts.code, 3, facts.stderr);
    assert.ok(facts.stderr.includes(`facts for cluster '' in the hour from ${day}T12:00:00.000Z`), facts.stderr);
    const diagnose = await runCli(['diagnose', '--topic', '', '--at', hour, ...store()]);
    assert.equal(diagnose.code, 3, diagnose.stderr);
    assert.ok(diagnose.stderr.includes("diagnose for topic '' in the hour"), diagnose.stderr);
    const trend = await runCli(['trend', '--cluster', '', '--end', `${day}T23:00Z`, '--days', '1', ...store()]);
    assert.equal(trend.code, 3, trend.stderr);
    assert.ok(trend.stderr.includes("trend of cpu_usage for cluster '', 1 days"), trend.stderr);
  });

  it('days over the longest range are refused naming the parameter', async () => {
    const r = await fetch(`${base}/trend?cluster=c1&days=401`);
    assert.equal(r.status, 400);
    assert.match(((await r.json()) as { error: string }).error, /'days'.*401.* more than 400 days/);
  });

  it("the report's Sources row of a day whose hour partition is gone while its day tier holds it says so", async () => {
    const copy = await makeTempDir('pattern-hour-gone');
    try {
      const raw = `${copy.path}/raw/dt=${day}/hr=12`;
      await mkdir(raw, { recursive: true });
      await db.run(`COPY raw TO ${sqlString(`${raw}/part-0.parquet`)} (FORMAT parquet)`);
      const next = `${copy.path}/raw/dt=${nextDay}/hr=12`;
      await mkdir(next, { recursive: true });
      await db.run(
        `COPY (SELECT * REPLACE ("timestamp" + INTERVAL 1 DAY AS "timestamp") FROM raw) TO ` +
          `${sqlString(`${next}/part-0.parquet`)} (FORMAT parquet)`,
      );
      for (const date of [day, nextDay])
        assert.equal((await runCli(['run', '--date', date, '--store', copy.path])).code, 0);
      await rm(`${copy.path}/rollup/hour/dt=${day}`, { recursive: true });
      const html = await renderHtmlReport(await openRollups({ store: copy.path }), {
        date: nextDay,
        cluster: 'c1',
        tenant: 'A',
        store: new LocalStore(copy.path),
        now: () => new Date(`${nextDay}T06:00:00Z`),
      });
      assert.match(
        html,
        new RegExp(
          `<tr class="missing"><td>${day}</td><td colspan="4">no committed partition: the hour tier&#39;s retention removed it`,
        ),
      );
      assert.match(
        html,
        /<tr class="missing"><td>2026-11-10<\/td><td colspan="4">no committed partition: not rolled up<\/td>/,
      );
    } finally {
      await copy.remove();
    }
  });
});
