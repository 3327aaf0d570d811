import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import { openRollups, type Rollups } from '../../src/serve/open-rollups.js';
import { parameterNames } from '../../src/query/query-parameters.js';
import { serveRollups } from '../../src/serve/serve-rollups.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { writeSampleDay } from '../../src/sample/write-sample-day.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { startCliHost } from '../helpers/cli-host.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// One host process runs every CLI invocation of this file (through main): these tests are about the commands, not
// the process, and a new process per invocation spent most of its time loading modules.
const host = startCliHost();
after(() => host.stop());
const runCli = host.run;

// serve and the CLI parse parameters with one parser: the same values are accepted or refused by both, unknown
// HTTP parameters are refused with the valid ones, bad values name the parameter, and a 500 is logged with its cause.

const date = '2026-11-24';

async function listen(
  rollups: Rollups,
  logger?: { event(name: string, fields: Readonly<Record<string, unknown>>): void },
): Promise<{ server: Server; base: string }> {
  const server = await serveRollups(rollups, { host: '127.0.0.1', port: 0, ...(logger ? { logger } : {}) });
  const address = server.address();
  return { server, base: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}

describe('serve parameters', { timeout: 300_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let rollups: Rollups;
  let server: Server;
  let base: string;
  let cluster: string;
  before(async () => {
    dir = await makeTempDir('serve-params');
    const store = new LocalStore(dir.path);
    await writeSampleDay(store, { date, rows: 20_000, seed: 8 });
    const config = await loadJobConfig();
    await runRollup({ store, config, configHash: hashJobConfig(config), date, workers: 0 });
    rollups = await openRollups({ store, config });
    const top = await rollups.query({
      metric: 'cpu_usage',
      fromMs: Date.UTC(2026, 10, 24),
      toMs: Date.UTC(2026, 10, 25),
      grain: 'day',
      groupBy: ['cluster'],
      agg: 'count',
    });
    cluster = top.rows[0]!.groups[0]!;
    ({ server, base } = await listen(rollups));
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await dir.remove();
  });

  it('refuses bad values with 400 naming the parameter and the value', async () => {
    const cases: [string, RegExp][] = [
      [`/trend?cluster=${cluster}&days=abc&end=${date}`, /parameter 'days' value 'abc' is not a positive integer/],
      [`/trend?cluster=${cluster}&days=0`, /parameter 'days' value '0' is not a positive integer/],
      [`/attribute?cluster=${cluster}&days=1.5`, /parameter 'days' value '1.5' is not a positive integer/],
      [
        `/facts?tenant=x&hour=2026-11-24%2013:00`,
        /parameter 'hour' value '2026-11-24 13:00' is not an instant in a form read here/,
      ],
      [`/diagnose?cluster=x&at=2026-02-30`, /parameter 'at' value '2026-02-30' is not an instant in a form read here/],
      [
        `/query?metric=cpu_usage&from=${date}&to=2026-11-25&grain=week`,
        /parameter 'grain' value 'week' is not one of hour, day/,
      ],
      [
        `/query?metric=cpu_usage&from=${date}&to=2026-11-25&agg=median`,
        /parameter 'agg' value 'median' is not one of sum, count/,
      ],
      [
        `/query?metric=cpu_usage&from=${date}&to=2026-11-25&where=cluster`,
        /parameter 'where' value 'cluster' is not of the form dimension=value/,
      ],
      [
        `/query?metric=cpu_usage&from=${date}&to=2026-11-25&group-by=broker,`,
        /parameter 'group-by' value 'broker,' is not a comma-separated list/,
      ],
      [`/query?metric=cpu_usage&from=${date}&from=2026-11-23&to=2026-11-25`, /parameter 'from' is given 2 times/],
      [`/query?metric=constructor&from=${date}&to=2026-11-25`, /metric 'constructor' is not in the metric catalog/],
      [`/trend?days=3`, /parameter 'cluster' is required/],
      [`/query?metric=&from=${date}&to=2026-11-25`, /parameter 'metric'.* is empty/],
      [
        `/facts?tenant=tn-0001%E0%A4&hour=${date}T05:00Z`,
        /parameter 'tenant' value 'tn-0001%E0%A4' is not valid percent-encoding of UTF-8 text/,
      ],
      [`/facts?tenant=tn%&hour=${date}T05:00Z`, /parameter 'tenant' value 'tn%' is not valid percent-encoding/],
    ];
    for (const [path, message] of cases) {
      const r = await fetch(base + path);
      const body = (await r.json()) as { error: string };
      assert.equal(r.status, 400, `${path}: ${body.error}`);
      assert.match(body.error, message, path);
    }
    // '' is a value raw data may hold, as /query?where=cluster= reads it: asked for, not refused (no such cluster here)
    for (const path of ['/trend?cluster=&days=3', `/facts?cluster=&hour=${date}T05:00Z`]) {
      const r = await fetch(base + path);
      assert.equal(r.status, 404, `${path}: ${await r.text()}`);
    }
  });

  it('answers a URL past 4 KiB with 414 whatever its length (past 16 KiB Node answered a bare 431), and counts it', async () => {
    for (const length of [5_000, 17_000, 60_000]) {
      const r = await fetch(`${base}/query?metric=${'x'.repeat(length)}`);
      assert.equal(r.status, 414, String(length));
      assert.match(((await r.json()) as { error: string }).error, /request URL longer than 4096 bytes/);
    }
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /route="\/query",status="414"\} 3/);
  });

  it('answers a request head past 64 KiB, and a request that is not HTTP, with JSON 431 and 400, counted', async () => {
    const longHead = await fetch(`${base}/query?metric=${'x'.repeat(70_000)}`);
    assert.equal(longHead.status, 431);
    assert.deepEqual(await longHead.json(), { error: 'request head (URL and headers) longer than 65536 bytes' });
    const port = new URL(base).port;
    const garbage = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.end('HELLO THERE\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    assert.match(garbage, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(garbage, /\r\n\r\n\{"error":"request cannot be parsed as HTTP\/1\.1 \(HPE_[A-Z_]+\)"\}$/);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /route="other",status="431"\} 1/);
    assert.match(metrics, /route="other",status="400"\} 1/);
  });

  it('names a path that starts with // as sent, not as a host', async () => {
    const r = await fetch(`${base}//query?metric=cpu_usage`);
    assert.equal(r.status, 404);
    assert.match(((await r.json()) as { error: string }).error, /^no route \/\/query: use /);
  });

  it('refuses unknown parameters with 400 and the list of valid ones, on every route', async () => {
    for (const [route, names] of Object.entries(parameterNames)) {
      const r = await fetch(`${base}/${route}?bogus=1`);
      assert.equal(r.status, 400, route);
      assert.equal(
        ((await r.json()) as { error: string }).error,
        `${route} parameter 'bogus' is not known here; valid parameters: ${names.join(', ')}`,
      );
    }
    const typo = await fetch(`${base}/query?metric=cpu_usage&from=${date}&to=2026-11-25&groupby=broker`);
    assert.equal(typo.status, 400, 'a misspelt parameter must not be ignored');
  });

  it('merges repeated where parameters like the CLI does', async () => {
    const brokers = (
      await rollups.query({
        metric: 'cpu_usage',
        fromMs: Date.UTC(2026, 10, 24),
        toMs: Date.UTC(2026, 10, 25),
        grain: 'day',
        groupBy: ['broker'],
        where: { cluster: [cluster] },
        agg: 'count',
      })
    ).rows.map((r) => r.groups[0]!);
    assert.ok(brokers.length >= 2);
    const [b1, b2] = brokers;
    const path = `/query?metric=cpu_usage&from=${date}&to=2026-11-25&grain=day&group-by=broker&agg=count&where=cluster=${cluster}&where=broker=${b1}&where=broker=${b2}`;
    const r = await fetch(base + path);
    assert.equal(r.status, 200);
    assert.deepEqual(
      ((await r.json()) as { broker: string }[]).map((x) => x.broker),
      [b1, b2],
    );
    const cli = await runCli([
      'query',
      '--store',
      dir.path,
      '--metric',
      'cpu_usage',
      '--from',
      date,
      '--to',
      '2026-11-25',
      '--grain',
      'day',
      '--group-by',
      'broker',
      '--agg',
      'count',
      '--where',
      `cluster=${cluster}`,
      '--where',
      `broker=${b1}`,
      '--where',
      `broker=${b2}`,
      '--format',
      'json',
    ]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(JSON.parse(cli.stdout), await (await fetch(base + path)).json());
  });

  it('accepts and refuses the same instants over HTTP and on the command line', async () => {
    const instants: [string, boolean][] = [
      ['2026-11-24', true],
      ['2026-11-24T13:00Z', true],
      ['2026-11-24T13:00:00.250Z', true],
      ['2026-11-24T14:00+01:00', true],
      ['2026-11-24 13:00', false], // local time: refused by both (it was accepted over HTTP as the server's local time)
      ['2026-11-24T13:00', false],
      ['2026-11-24 13:00Z', false],
      ['2026-02-30', false],
      ['2026-11-24T24:00Z', false],
      ['Nov 24 2026', false],
      ['1764000000000', false],
    ];
    for (const [instant, accepted] of instants) {
      const http = await fetch(`${base}/query?metric=cpu_usage&from=${encodeURIComponent(instant)}&to=2026-11-25`);
      assert.equal(http.status, accepted ? 200 : 400, `HTTP from=${instant}: ${JSON.stringify(await http.json())}`);
      const cli = await runCli([
        'query',
        '--store',
        dir.path,
        '--metric',
        'cpu_usage',
        '--from',
        instant,
        '--to',
        '2026-11-25',
        '--format',
        'json',
      ]);
      assert.equal(cli.code, accepted ? 0 : 1, `CLI --from ${instant}: ${cli.stderr}`);
      if (!accepted)
        assert.match(
          cli.stderr,
          new RegExp(`--from '${instant.replace(/[.+]/g, '\\$&')}' is not an instant in a form read here`),
        );
    }
    const same = await fetch(`${base}/facts?cluster=${cluster}&hour=2026-11-24T14:30%2B01:00`);
    assert.deepEqual(
      await same.json(),
      await (await fetch(`${base}/facts?cluster=${cluster}&hour=2026-11-24T13:00Z`)).json(),
    );
    const cliFacts = await runCli([
      'facts',
      '--store',
      dir.path,
      '--cluster',
      cluster,
      '--hour',
      '2026-11-24 13:00',
      '--format',
      'json',
    ]);
    assert.equal(cliFacts.code, 1);
    assert.match(cliFacts.stderr, /--hour '2026-11-24 13:00' is not an instant in a form read here/);
    const cliTrend = await runCli(['trend', '--store', dir.path, '--cluster', cluster, '--days', 'abc']);
    assert.equal(cliTrend.code, 1);
    assert.match(cliTrend.stderr, /--days 'abc' is not a positive integer/);
  });

  it('refuses a port past 65535 and an empty host before listening, naming the flag', async () => {
    const port = await runCli(['serve', '--port', '70000', '--store', dir.path]);
    assert.equal(port.code, 1);
    assert.match(
      port.stderr,
      /option '--port <port>' argument '70000' is invalid\. '70000' is not a port \(0\.\.65535\)/,
    );
    const host = await runCli(['serve', '--host', '', '--store', dir.path]);
    assert.equal(host.code, 1);
    assert.match(host.stderr, /option '--host <host>' argument '' is invalid/);
  });

  it("answers the pattern routes with 501 when the server's job config has no patterns section, and /query with 200", async () => {
    const { patterns: _, ...withoutPatterns } = await loadJobConfig();
    const plain = await listen(await openRollups({ store: new LocalStore(dir.path), config: withoutPatterns }));
    try {
      const routes = [
        ['facts', `/facts?cluster=${cluster}&hour=${date}T05:00Z`],
        ['trend', `/trend?cluster=${cluster}&days=1&end=2026-11-25`],
        ['diagnose', `/diagnose?cluster=${cluster}&at=${date}T05:00Z`],
        ['attribute', `/attribute?cluster=${cluster}&days=1&end=2026-11-25`],
      ];
      for (const [name, url] of routes) {
        const r = await fetch(`${plain.base}${url}`);
        assert.equal(r.status, 501, url);
        const { error } = (await r.json()) as { error: string };
        assert.equal(error, `${name} needs the job config's "patterns" section (which metric plays which role)`);
      }
      const q = await fetch(`${plain.base}/query?metric=cpu_usage&from=${date}&to=2026-11-25`);
      assert.equal(q.status, 200);
    } finally {
      await new Promise((resolve) => plain.server.close(resolve));
    }
  });

  it('answers a fault with 500 and logs it with its cause as one JSON line', async () => {
    const events: { name: string; fields: Readonly<Record<string, unknown>> }[] = [];
    const broken: Rollups = {
      ...rollups,
      query: () =>
        Promise.reject(
          new Error('query failed reading star-tree-00000.json', { cause: new Error('EIO: i/o error, read') }),
        ),
    };
    const faulty = await listen(broken, { event: (name, fields) => events.push({ name, fields }) });
    try {
      const r = await fetch(`${faulty.base}/query?metric=cpu_usage&from=${date}&to=2026-11-25`);
      assert.equal(r.status, 500);
      assert.match(((await r.json()) as { error: string }).error, /query failed reading star-tree-00000\.json/);
      const errors = events.filter((e) => e.name === 'serve_error');
      assert.equal(errors.length, 1);
      const causes = errors[0]!.fields.causes as { message: string }[];
      assert.deepEqual(
        causes.map((c) => c.message),
        ['query failed reading star-tree-00000.json', 'EIO: i/o error, read'],
      );
      assert.equal(events[0]!.fields.url, `/query?metric=cpu_usage&from=${date}&to=2026-11-25`);
    } finally {
      await new Promise((resolve) => faulty.server.close(resolve));
    }
  });
});
