import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import { openRollups } from '../../src/serve/open-rollups.js';
import { renderHtmlReport } from '../../src/serve/html-report.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { writeSampleDay } from '../../src/sample/write-sample-day.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const chromium = '/usr/bin/chromium'; // Debian's package; `make test` installs it (its `browser` prerequisite)
const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-logging=stderr', '--v=0'];

it('the HTML report renders in a real headless browser with its charts and no console errors', { timeout: 180_000 }, async () => {
  assert.ok(existsSync(chromium), `${chromium} is missing: make test installs Debian's chromium (its browser prerequisite)`);
  const dir = await makeTempDir('report');
  try {
    const store = new LocalStore(dir.path);
    const config = await loadJobConfig();
    for (const date of ['2026-11-23', '2026-11-24']) {
      await writeSampleDay(store, { date, rows: 30_000, seed: 5 });
      await runRollup({ store, config, configHash: hashJobConfig(config), date, workers: 1 });
    }
    const html = await renderHtmlReport(await openRollups({ store, config }), { date: '2026-11-24', store, now: () => new Date('2026-11-25T06:30:00Z') });
    const page = `${dir.path}/report.html`;
    await writeFile(page, html);
    const run = promisify(execFile);
    const common = [...flags, `--user-data-dir=${dir.path}/chromium-profile`];
    const dom = await run(chromium, [...common, '--dump-dom', `file://${page}`], { timeout: 60_000, maxBuffer: 32 << 20 });
    assert.equal((dom.stdout.match(/<svg /g) ?? []).length, 2, 'two charts');
    for (const section of ['facts', 'trends', 'diagnose', 'attribution']) assert.match(dom.stdout, new RegExp(`<h2 id="${section}">`));
    assert.equal((dom.stdout.match(/<tr><td>\d\d:00<\/td>/g) ?? []).length, 24, 'one facts row per hour');
    const consoleErrors = dom.stderr.split('\n').filter((l) => /CONSOLE|Uncaught|SyntaxError/.test(l));
    assert.deepEqual(consoleErrors, []);
    const shot = await run(chromium, [...common, `--screenshot=${dir.path}/report.png`, '--window-size=1000,2400', `file://${page}`], { timeout: 60_000 });
    assert.deepEqual(shot.stderr.split('\n').filter((l) => /CONSOLE|Uncaught/.test(l)), []);
    const png = await readFile(`${dir.path}/report.png`);
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // 'PNG'
    assert.equal(png.readUInt32BE(16), 1000);
    assert.ok(png.length > 50_000, `a screenshot with content: ${png.length} bytes`);
  } finally {
    await dir.remove();
  }
});
