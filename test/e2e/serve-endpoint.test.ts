import assert from 'node:assert/strict';
import { S3Client } from '@aws-sdk/client-s3';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { register } from 'prom-client';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import type { JobConfig } from '../../src/config/job-config.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { openRollups, type Rollups } from '../../src/serve/open-rollups.js';
import { serveRollups, type ServeOptions } from '../../src/serve/serve-rollups.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { S3Store } from '../../src/storage/s3-store.js';
import { openOracle, type Oracle } from '../helpers/duckdb.js';
import { runCli } from '../helpers/run-cli.js';
import { fleetDay, writeSmallFleetDay } from '../helpers/small-fleet-day.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// The endpoint, dashboard-grade: liveness and readiness, Prometheus metrics of its own, one JSON access-log line per
// request, and CORS for one configured origin only. Real HTTP on 127.0.0.1, a free port, over a small rolled-up day.

type Event = { readonly name: string; readonly fields: Readonly<Record<string, unknown>> };

async function listen(
  rollups: Rollups,
  options: Partial<ServeOptions> = {},
): Promise<{ base: string; events: Event[]; stop: () => Promise<void> }> {
  const events: Event[] = [];
  const server: Server = await serveRollups(rollups, {
    host: '127.0.0.1',
    port: 0,
    logger: { event: (name, fields) => events.push({ name, fields }) },
    ...options,
  });
  const address = server.address();
  return {
    base: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    events,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The value of one sample line of a Prometheus text exposition, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('serve: health, readiness, metrics, access log, CORS', { timeout: 300_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let db: Oracle;
  let config: JobConfig;
  let rollups: Rollups;
  let server: Awaited<ReturnType<typeof listen>>;
  const hour = `${fleetDay}T05:00:00.000Z`;
  const rollUp = () =>
    runRollup({
      store: new LocalStore(dir.path),
      config,
      configHash: hashJobConfig(config),
      date: fleetDay,
      workers: 0,
    });
  before(async () => {
    dir = await makeTempDir('serve-endpoint');
    db = await openOracle();
    await db.run(`SET TimeZone = 'UTC'`);
    await writeSmallFleetDay(db, dir.path);
    config = await loadJobConfig();
    await rollUp();
    rollups = await openRollups({ store: dir.path, config });
    server = await listen(rollups);
  });
  after(async () => {
    await server.stop();
    db.close();
    await dir.remove();
  });

  it('/health and its alias /healthz answer 200 {ok:true}; /ready lists the store and answers 200', async () => {
    for (const path of ['/health', '/healthz']) {
      const r = await fetch(server.base + path);
      assert.equal(r.status, 200, path);
      assert.deepEqual(await r.json(), { ok: true });
    }
    const ready = await fetch(`${server.base}/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { ready: true });
  });

  it('/ready answers 503 for a local store whose directory does not exist (mistyped, or a volume not mounted)', async () => {
    const absent = `${dir.path}/not-mounted`;
    const missing = await listen(await openRollups({ store: absent, config }));
    try {
      const r = await fetch(`${missing.base}/ready`);
      assert.equal(r.status, 503);
      assert.deepEqual(await r.json(), {
        ready: false,
        error: `store not reachable: store root ${absent} is not a directory that exists`,
      });
    } finally {
      await missing.stop();
    }
  });

  it('/ready answers 503 with the error when the store cannot be reached (an S3 endpoint nothing listens on)', async () => {
    const client = new S3Client({
      endpoint: 'http://127.0.0.1:9', // discard port: nothing listens, the connection is refused
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    const store = new S3Store({ bucket: 'telemetry', prefix: '', client });
    const broken = await listen(await openRollups({ store, config }));
    try {
      const r = await fetch(`${broken.base}/ready`);
      assert.equal(r.status, 503);
      const body = (await r.json()) as { ready: boolean; error: string };
      assert.equal(body.ready, false);
      assert.match(body.error, /^store not reachable: .*s3:\/\/telemetry/);
      const live = await fetch(`${broken.base}/health`);
      assert.equal(live.status, 200);
      assert.deepEqual(
        broken.events.map((e) => [e.fields.route, e.fields.status]),
        [
          ['/ready', 503],
          ['/health', 200],
        ],
      );
    } finally {
      await broken.stop();
      client.destroy();
    }
  });

  it('/metrics counts requests by route and status, times them, and counts cube-cache hits, misses and reloads', async () => {
    const s = await listen(rollups);
    try {
      const before = sample(
        await (await fetch(`${s.base}/metrics`)).text(),
        'telemetry_rollup_serve_cube_cache_total{outcome="miss"}',
      );
      assert.equal((await fetch(`${s.base}/facts?cluster=lkc-real&hour=${hour}`)).status, 200);
      assert.equal((await fetch(`${s.base}/facts?cluster=lkc-real&hour=${hour}`)).status, 200);
      assert.equal((await fetch(`${s.base}/facts?cluster=lkc-real&hour=nope`)).status, 400);
      assert.equal((await fetch(`${s.base}/secret/a1b2?token=xyz`)).status, 404);
      const m = await fetch(`${s.base}/metrics`);
      assert.equal(m.status, 200);
      assert.match(m.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const text = await m.text();
      assert.equal(sample(text, 'telemetry_rollup_serve_requests_total{route="/facts",status="200"}'), 2);
      assert.equal(sample(text, 'telemetry_rollup_serve_requests_total{route="/facts",status="400"}'), 1);
      assert.equal(sample(text, 'telemetry_rollup_serve_requests_total{route="other",status="404"}'), 1);
      assert.equal(sample(text, 'telemetry_rollup_serve_requests_total{route="/metrics",status="200"}'), 1);
      assert.equal(sample(text, 'telemetry_rollup_serve_request_duration_seconds_count{route="/facts"}'), 3);
      assert.equal(sample(text, 'telemetry_rollup_serve_request_duration_seconds_bucket{le="+Inf",route="/facts"}'), 3);
      assert.doesNotMatch(text, /secret|a1b2|xyz/, 'raw paths and query values never become labels');
      // the cache is the rollups' own: this server's first query may find days already loaded by other tests
      const misses = sample(text, 'telemetry_rollup_serve_cube_cache_total{outcome="miss"}')!;
      const hits = sample(text, 'telemetry_rollup_serve_cube_cache_total{outcome="hit"}')!;
      assert.ok(misses >= (before ?? 0) && misses >= 1, `misses ${misses}`);
      assert.ok(hits >= 2, `hits ${hits}: the second /facts reads both metrics from memory`);
      assert.equal(sample(text, 'telemetry_rollup_serve_cube_cache_total{outcome="reload"}'), 0);

      // a rerun with more data changes the committed manifest: the next query reloads the day
      await writeSmallFleetDay(db, dir.path, 5);
      await runRollup({
        store: new LocalStore(dir.path),
        config,
        configHash: hashJobConfig(config),
        date: fleetDay,
        workers: 0,
        force: true,
      });
      assert.equal((await fetch(`${s.base}/facts?cluster=lkc-real&hour=${hour}`)).status, 200);
      const after = await (await fetch(`${s.base}/metrics`)).text();
      assert.ok(sample(after, 'telemetry_rollup_serve_cube_cache_total{outcome="reload"}')! >= 1);
      assert.equal(sample(after, 'telemetry_rollup_serve_cube_cache_total{outcome="miss"}'), misses);
      assert.doesNotMatch(
        await register.metrics(),
        /telemetry_rollup_serve_/,
        'a registry of its own, not the global one',
      );
    } finally {
      await s.stop();
    }
  });

  it('logs one JSON access line per request: method, route, status, ms, bytes; query values percent-encoded', async () => {
    const s = await listen(rollups);
    try {
      const r = await fetch(`${s.base}/facts?tenant=tn%22%0A%7Bevil&hour=${hour}`);
      const body = await r.arrayBuffer();
      assert.equal(r.status, 404);
      await fetch(`${s.base}/no/such/path?k=v`);
      const lines = s.events.filter((e) => e.name === 'serve_request');
      assert.equal(lines.length, 2);
      const [facts, other] = lines;
      assert.equal(facts!.fields.method, 'GET');
      assert.equal(facts!.fields.route, '/facts');
      assert.equal(facts!.fields.status, 404);
      assert.equal(facts!.fields.bytes, body.byteLength);
      assert.equal(typeof facts!.fields.ms, 'number');
      assert.ok((facts!.fields.ms as number) >= 0);
      assert.equal(facts!.fields.query, `tenant=tn%22%0A%7Bevil&hour=${encodeURIComponent(hour)}`);
      assert.doesNotMatch(JSON.stringify(facts!.fields), /\\n|\\"\{/, 'no raw newline or quote from a value');
      assert.equal(other!.fields.route, 'other');
      assert.equal(other!.fields.status, 404);
    } finally {
      await s.stop();
    }
  });

  it('sends no CORS headers without --cors-origin, and refuses OPTIONS with 405', async () => {
    const r = await fetch(`${server.base}/health`, { headers: { origin: 'https://grafana.example' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('access-control-allow-origin'), null);
    const pre = await fetch(`${server.base}/facts`, {
      method: 'OPTIONS',
      headers: { origin: 'https://grafana.example', 'access-control-request-method': 'GET' },
    });
    assert.equal(pre.status, 405);
    assert.equal(pre.headers.get('access-control-allow-origin'), null);
  });

  it('with a CORS origin: that origin only may read answers, and its preflight is answered 204', async () => {
    const s = await listen(rollups, { corsOrigin: 'https://grafana.example' });
    try {
      const ok = await fetch(`${s.base}/facts?cluster=lkc-real&hour=${hour}`, {
        headers: { origin: 'https://grafana.example' },
      });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get('access-control-allow-origin'), 'https://grafana.example');
      assert.equal(ok.headers.get('vary'), 'Origin');
      const other = await fetch(`${s.base}/health`, { headers: { origin: 'https://evil.example' } });
      assert.equal(other.status, 200);
      assert.equal(other.headers.get('access-control-allow-origin'), null);
      const pre = await fetch(`${s.base}/trend`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://grafana.example',
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization, x-grafana-org-id',
        },
      });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('access-control-allow-origin'), 'https://grafana.example');
      assert.equal(pre.headers.get('access-control-allow-methods'), 'GET, OPTIONS');
      assert.equal(pre.headers.get('access-control-allow-headers'), 'authorization, x-grafana-org-id');
      assert.equal(await pre.text(), '');
      const evil = await fetch(`${s.base}/trend`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
      });
      assert.equal(evil.status, 405);
      assert.equal(evil.headers.get('access-control-allow-origin'), null);
    } finally {
      await s.stop();
    }
  });

  it('/facts and /diagnose answer the JSON the CLI prints, named by the hour holding the instant asked for', async () => {
    const at = `${fleetDay}T05:42:10Z`;
    for (const [route, flags] of [
      ['facts', ['--cluster', 'lkc-real', '--hour', at]],
      ['facts', ['--tenant', 'tn-real', '--cluster', 'lkc-real', '--hour', at]],
      ['diagnose', ['--cluster', 'lkc-real', '--at', at]],
    ] as const) {
      const cli = await runCli([route, '--store', dir.path, '--format', 'json', ...flags]);
      assert.equal(cli.code, 0, cli.stderr);
      const parameters = new URLSearchParams();
      for (let i = 0; i < flags.length; i += 2) parameters.set(flags[i]!.slice(2), flags[i + 1]!);
      const http = await fetch(`${server.base}/${route}?${parameters}`);
      assert.equal(http.status, 200);
      const body = (await http.json()) as Record<string, unknown>;
      assert.deepEqual(body, JSON.parse(cli.stdout), `${route} ${flags.join(' ')}`);
      assert.equal(body.hour, hour);
      assert.equal(body.cluster, 'lkc-real');
    }
  });

  it('serve --cors-origin refuses a value that is not an origin', async () => {
    const r = await runCli([
      'serve',
      '--store',
      dir.path,
      '--port',
      '0',
      '--cors-origin',
      'https://grafana.example/d/x',
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /'https:\/\/grafana\.example\/d\/x' is not an origin/);
  });
});
