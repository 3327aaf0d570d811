import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import type { JobConfig } from '../../src/config/job-config.js';
import { openRollups } from '../../src/serve/open-rollups.js';
import { renderHtmlReport } from '../../src/serve/html-report.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { writeSampleDay } from '../../src/sample/write-sample-day.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { manifestKey } from '../../src/storage/partition-path.js';
import { openOracle, sqlString, type Oracle } from '../helpers/duckdb.js';
import { startCliHost } from '../helpers/cli-host.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// One host process runs every CLI invocation of this file (through main): these tests are about the commands, not
// the process, and a new process per invocation spent most of its time loading modules.
const host = startCliHost();
after(() => host.stop());
const runCli = host.run;

const chromium = '/usr/bin/chromium'; // Debian's package; `make test` installs it (its `browser` prerequisite)
const flags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-logging=stderr',
  '--v=0',
];
const run = promisify(execFile);
const days = ['2026-11-23', '2026-11-24']; // two days of a seven-day report: five missing
const fiveDayGap = '2026-11-18 00:00 to 2026-11-22 24:00 UTC (5 days)';

describe('the HTML report and the pattern charts, in a real headless browser', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let config: JobConfig;
  let db: Oracle;
  let dom = '';
  let cluster = '';
  before(async () => {
    dir = await makeTempDir('report');
    db = await openOracle();
    await db.run(`SET TimeZone = 'UTC'`);
    const store = new LocalStore(dir.path);
    config = await loadJobConfig();
    for (const date of days) await writeSampleDay(store, { date, rows: 30_000, seed: 5 });
    for (const date of days) await runRollup({ store, config, configHash: hashJobConfig(config), date, workers: 0 });
    const html = await renderHtmlReport(await openRollups({ store, config }), {
      date: '2026-11-24',
      store,
      now: () => new Date('2026-11-25T06:30:00Z'),
    });
    await writeFile(`${dir.path}/report.html`, html);
    const shown = await run(
      chromium,
      [...flags, `--user-data-dir=${dir.path}/chromium-profile`, '--dump-dom', `file://${dir.path}/report.html`],
      { timeout: 60_000, maxBuffer: 32 << 20 },
    );
    assert.deepEqual(
      shown.stderr.split('\n').filter((l) => /CONSOLE|Uncaught|SyntaxError/.test(l)),
      [],
    );
    dom = shown.stdout;
    cluster = /<h2 id="trends">Trends: \S+ of cluster (\S+)'s brokers/.exec(dom)![1]!;
  });
  after(async () => {
    db.close();
    await dir.remove();
  });

  it('renders its sections, charts and one facts row per hour, and a screenshot with content', {
    timeout: 120_000,
  }, async () => {
    assert.ok(
      existsSync(chromium),
      `${chromium} is missing: make test installs Debian's chromium (its browser prerequisite)`,
    );
    assert.equal((dom.match(/<svg /g) ?? []).length, 2, 'two charts');
    for (const section of ['facts', 'trends', 'diagnose', 'attribution', 'sources'])
      assert.match(dom, new RegExp(`<h2 id="${section}">`));
    assert.equal((dom.match(/<tr><td>\d\d:00<\/td>/g) ?? []).length, 24, 'one facts row per hour');
    const shot = await run(
      chromium,
      [
        ...flags,
        `--user-data-dir=${dir.path}/chromium-profile`,
        `--screenshot=${dir.path}/report.png`,
        '--window-size=1000,2400',
        `file://${dir.path}/report.html`,
      ],
      { timeout: 60_000 },
    );
    assert.deepEqual(
      shot.stderr.split('\n').filter((l) => /CONSOLE|Uncaught/.test(l)),
      [],
    );
    const png = await readFile(`${dir.path}/report.png`);
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // 'PNG'
    assert.equal(png.readUInt32BE(16), 1000);
    assert.ok(png.length > 50_000, `a screenshot with content: ${png.length} bytes`);
  });

  it('states when it was generated and from which partitions (run ids and commit times of the manifests)', async () => {
    assert.match(
      dom,
      /<time id="generated" datetime="2026-11-25T06:30:00.000Z">2026-11-25 06:30:00 UTC<\/time> from 2 of 7 hour-tier partitions \(2026-11-18 to 2026-11-24\)/,
    );
    for (const date of days) {
      const manifest = JSON.parse(
        await readFile(`${dir.path}/${manifestKey(config.output.prefix, 'hour', date)}`, 'utf8'),
      ) as { runId: string; createdAt: string };
      assert.match(
        dom,
        new RegExp(
          `<tr><td>${date}</td><td>committed</td><td><code>${manifest.runId}</code></td><td>${manifest.createdAt}</td>`,
        ),
      );
    }
    for (const date of ['2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22'])
      assert.match(dom, new RegExp(`<td>${date}</td><td colspan="4">no committed partition`));
  });

  it('headings state the real span and the missing days are drawn as gaps and named under each chart', () => {
    assert.match(dom, /<h2 id="trends">[^<]*\(2 of 7 days present\)<\/h2>/);
    assert.match(dom, /<h2 id="attribution">[^<]*\(2 of 7 days present\)<\/h2>/);
    assert.equal((dom.match(/<rect class="gap" /g) ?? []).length, 2, 'one five-day gap per chart');
    assert.equal(dom.split(`>${fiveDayGap}</text>`).length - 1, 2, 'named under both charts');
    assert.equal((dom.match(/class="day-boundary"/g) ?? []).length, 12, 'six midnights inside seven days, per chart');
  });

  it('values for people in tables and tooltips, exact values kept in the title attribute; the legend does not repeat the unit', async () => {
    const tenant = /network bytes of tenant (\S+) per hour/.exec(dom)![1]!;
    const [tenantWant] =
      await db.rows(`SELECT sum(value) AS bytes FROM read_parquet(${sqlString(`${dir.path}/raw/dt=*/*/*.parquet`)})
      WHERE metric IN ('received_bytes', 'sent_bytes') AND value IS NOT NULL AND NOT isnan(value) AND tenant = ${sqlString(tenant)} AND date_trunc('hour', timestamp::TIMESTAMP) = TIMESTAMP '2026-11-24 13:00:00'`);
    const row = /<tr><td>13:00<\/td>(.*?)<\/tr>/.exec(dom)![1]!;
    const cells = [...row.matchAll(/<td title="([^"]+)">([^<]+)<\/td>/g)];
    const total = cells[cells.length - 1]!;
    const exact = Number(total[1]);
    assert.ok(Math.abs(exact - Number(tenantWant!.bytes)) <= 1e-6 * exact, `${exact} vs ${String(tenantWant!.bytes)}`);
    const shown = /^(\d+(?:\.\d+)?) (KiB|MiB|GiB)$/.exec(total[2]!);
    assert.ok(shown, `'${total[2]}' is written in binary units`);
    const scale = { KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30 }[shown[2] as 'KiB' | 'MiB' | 'GiB'];
    assert.ok(
      Math.abs(Number(shown[1]) * scale - exact) <= 0.005 * exact,
      `${total[2]} is ${exact} bytes to three digits`,
    );
    assert.match(
      dom,
      /<title>broker-\S+, 2026-11-24 13:00 UTC: \d+(\.\d+)?%( \(\d+(\.\d+)?\))?<\/title>/,
      'CPU tooltips in %, and the exact value where the shown one is rounded',
    );
    assert.match(
      dom,
      /<title>fetch_requests \(sum\), 2026-11-24 13:00 UTC: \d+(\.\d+)?[kM]? requests( \(\d+\))?<\/title>/,
      'request tooltips in k/M',
    );
    assert.doesNotMatch(dom, /\((percent|requests|bytes)\)<\/text>/, 'no legend entry repeats the unit');
  });

  it('the attribution chart has two axes coloured like their lines, and the correlation equals DuckDB to two decimals', async () => {
    const attribution = dom.slice(dom.indexOf('<h2 id="attribution">'));
    const strokes = [...attribution.matchAll(/<path d="[^"]+" fill="none" stroke="(#[0-9A-Fa-f]{6})"/g)].map(
      (m) => m[1]!,
    );
    assert.equal(new Set(strokes).size, 2);
    assert.match(attribution, new RegExp(`fill="${strokes[0]}" font-weight="bold">percent</text>`));
    assert.match(attribution, new RegExp(`fill="${strokes[1]}" font-weight="bold">requests</text>`));
    const [want] =
      await db.rows(`WITH h AS (SELECT date_trunc('hour', timestamp::TIMESTAMP) AS hour, avg(value) FILTER (WHERE metric = 'cpu_usage') AS cpu, sum(value) FILTER (WHERE metric = 'fetch_requests') AS fetches
        FROM read_parquet(${sqlString(`${dir.path}/raw/dt=*/*/*.parquet`)}) WHERE value IS NOT NULL AND NOT isnan(value) AND cluster = ${sqlString(cluster)} AND timestamp::TIMESTAMP < DATE '2026-11-25' GROUP BY hour)
        SELECT corr(cpu, fetches) AS c FROM h WHERE cpu IS NOT NULL AND fetches IS NOT NULL`);
    const twoDecimals = Number(want!.c).toFixed(2);
    assert.match(dom, new RegExp(`<b id="correlation">${twoDecimals}</b>`));
    assert.match(dom, new RegExp(`\\(correlation ${twoDecimals}\\)</text>`), 'the chart title says the same');
    const cli = await runCli([
      'attribute',
      '--store',
      dir.path,
      '--cluster',
      cluster,
      '--end',
      '2026-11-25T00:00:00Z',
      '--chart',
      `${dir.path}/attr.svg`,
    ]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(
      cli.stdout,
      new RegExp(`\\ncorrelation \\(Pearson, hourly\\): ${twoDecimals}\\n`),
      'the CLI text says the same (the days without data follow it)',
    );
    assert.match(await readFile(`${dir.path}/attr.svg`, 'utf8'), new RegExp(`correlation ${twoDecimals}\\)</text>`));
    const json = await runCli([
      'attribute',
      '--store',
      dir.path,
      '--cluster',
      cluster,
      '--end',
      '2026-11-25T00:00:00Z',
      '--format',
      'json',
    ]);
    assert.ok(
      Math.abs((JSON.parse(json.stdout) as { correlation: number }).correlation - Number(want!.c)) < 1e-9,
      'JSON keeps full precision',
    );
  });

  it('trend --chart writes the same gaps, span and units; its table names the missing hours and JSON keeps full precision', async () => {
    const cli = await runCli([
      'trend',
      '--store',
      dir.path,
      '--cluster',
      cluster,
      '--end',
      '2026-11-25T00:00:00Z',
      '--chart',
      `${dir.path}/trend.svg`,
    ]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /^time \(UTC\)\s+broker-/);
    assert.match(cli.stdout, /\n2026-11-24 13:00(\s+\d+(\.\d+)?%)+\n/);
    assert.match(
      cli.stdout,
      new RegExp(`\\nno data \\(120 of 168 hours missing\\): ${fiveDayGap.replace(/[()]/g, '\\$&')}\\n`),
    ); // the days not rolled up follow
    const svg = await readFile(`${dir.path}/trend.svg`, 'utf8');
    assert.match(svg, /\(2 of 7 days present\)<\/text>/);
    assert.match(svg, new RegExp(`>${fiveDayGap.replace(/[()]/g, '\\$&')}</text>`));
    assert.match(svg, /fill="#333">80%<\/text>|fill="#333">100%<\/text>/, 'a single-unit axis in % on 1-2-5 steps');
    const json = await runCli([
      'trend',
      '--store',
      dir.path,
      '--cluster',
      cluster,
      '--end',
      '2026-11-25T00:00:00Z',
      '--format',
      'json',
    ]);
    const series = JSON.parse(json.stdout) as { points: { value: number }[] }[];
    assert.ok(
      series.some((s) => s.points.some((p) => !Number.isInteger(p.value * 1000))),
      'values with more than three decimals',
    );
  });
});
