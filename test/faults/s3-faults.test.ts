import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/storage/s3-client.js';
import { S3Store } from '../../src/storage/s3-store.js';
import { listAll } from '../../src/storage/object-store.js';
import { date, type RollupManifest } from '../helpers/bad-raw-day.js';
import { faultKinds, startFaultProxy, type FaultCounts, type FaultProxy } from '../helpers/fault-proxy.js';
import { startCliHost } from '../helpers/cli-host.js';
import type { TimedCliRun } from '../helpers/run-cli-timed.js';
import { startS3Server, type S3Server } from '../helpers/s3-server.js';

// The real CLI against a real s3rver, through a fault-injecting proxy on 127.0.0.1.
// Every invocation and every wait is bounded; the proxies, the server and the CLI host are closed after.
// One host process runs every CLI invocation (through main): these cases are about storage faults, not the process.

const manifestKey = `rollup/hour/dt=${date}/_manifest.json`;
const cliTimeoutMs = 180_000; // one CLI process, generous: a run of this size takes a few seconds
const retryExitWithinMs = 60_000; // how soon an always-failing store must give up with 75
const testTimeoutMs = 600_000; // per test: several CLI processes, each bounded by cliTimeoutMs

let server: S3Server;
let direct: S3Client; // talks to s3rver without the proxy, to inspect what the CLI left
const proxies: FaultProxy[] = [];
const host = startCliHost();

before(async () => {
  server = await startS3Server();
  Object.assign(process.env, server.env); // the inspecting client uses the same default credential chain as the CLI
  direct = createS3Client(3, server.env);
});
after(async () => {
  await host.stop();
  for (const p of proxies) await p.stop();
  direct.destroy();
  await server.stop();
});

/** A proxy in front of the test's s3rver, stopped after the file. */
async function proxy(options: Omit<Parameters<typeof startFaultProxy>[0], 'targetPort'>): Promise<FaultProxy> {
  const p = await startFaultProxy({ ...options, targetPort: Number(new URL(server.endpoint).port) });
  proxies.push(p);
  return p;
}

/** The CLI with AWS variables for s3rver, optionally through a proxy. */
function cli(args: readonly string[], through?: FaultProxy, timeoutMs = cliTimeoutMs): Promise<TimedCliRun> {
  return host.run(args, { ...server.env, ...(through ? { AWS_ENDPOINT_URL_S3: through.endpoint } : {}) }, timeoutMs);
}

function storeAt(prefix: string): S3Store {
  return new S3Store({ bucket: server.bucket, prefix, client: direct });
}

async function manifestOf(prefix: string): Promise<RollupManifest> {
  return JSON.parse(new TextDecoder().decode(await storeAt(prefix).get(manifestKey))) as RollupManifest;
}

/** Every file a manifest commits (base, star-tree index, star-tree records, cuboids) with its sha256. */
function committedFiles(m: RollupManifest): { key: string; sha256: string }[] {
  const trees = (m.segments?.list ?? []).flatMap((g) => (g.cube ? [g.cube.tree] : []));
  const c = m.cube;
  return [...m.outputs, ...trees, ...(c ? [...c.records, ...c.cuboidFiles] : [])].map((f) => ({
    key: f.key,
    sha256: f.sha256,
  }));
}

/** A PUT of a partition's data file or manifest (not of a lease or other coordination object). */
function isPartitionUpload(method: string, path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return (
    method === 'PUT' &&
    path.includes('/rollup/') &&
    (name === '_manifest.json' ||
      /^(part|star-tree|star-tree-records|cuboids)-(h\d{2}|d)-s\d{4}-\d+-[0-9a-f]+\.(parquet|bin)$/.test(name))
  );
}

function assertOk(r: TimedCliRun, what: string): void {
  assert.ok(!r.timedOut, `${what} timed out after ${r.ms} ms: ${r.stderr.slice(-2000)}`);
  assert.equal(r.code, 0, `${what}: ${r.stderr.slice(-4000)}`);
}

function faultSummary(c: Readonly<FaultCounts>): string {
  return `requests=${c.requests} forwarded=${c.forwarded} slowDown(503)=${c.slowDown} internalError(500)=${c.internalError} reset=${c.reset} delay=${c.delay} truncateBody=${c.truncateBody} refused=${c.refused} upstreamErrors=${c.upstreamErrors}`;
}

describe('fault proxy', () => {
  let target: Server;
  let seen: { method: string; url: string; host: string | undefined }[] = [];
  before(async () => {
    target = createServer((req, res) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', host: req.headers.host });
      req.resume().on('end', () => res.end('ok'));
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    target.closeAllConnections();
    await new Promise((resolve) => target.close(resolve));
  });
  const targetPort = (): number => (target.address() as AddressInfo).port;

  /** One request with a fresh connection: the status, or the error code of a reset. */
  const get = (endpoint: string, path: string): Promise<number | string> =>
    new Promise((resolve) => {
      const req = httpRequest(`${endpoint}${path}`, { agent: false, timeout: 10_000 }, (res) => {
        res.resume().on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      req.end();
    });

  it('never forwards to anything but 127.0.0.1', { timeout: 30_000 }, async () => {
    for (const host of ['localhost', '10.0.0.1', '::1', '127.0.0.2', 'example.com', '0.0.0.0']) {
      await assert.rejects(
        startFaultProxy({ targetHost: host, targetPort: targetPort(), seed: 1, faultRate: 0 }),
        /only 127\.0\.0\.1 is allowed/,
        host,
      );
    }
    const p = await startFaultProxy({ targetPort: targetPort(), seed: 1, faultRate: 0 });
    try {
      assert.match(p.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
      seen = [];
      // Absolute-form request lines and foreign Host headers are served by the fixed target, never followed.
      const raw = (text: string): Promise<string> =>
        new Promise((resolve, reject) => {
          const socket = connect(p.port, '127.0.0.1');
          let got = '';
          socket.setTimeout(10_000, () => socket.destroy(new Error('raw request timed out')));
          socket.on('data', (d) => (got += d.toString('latin1')));
          socket.on('error', reject);
          socket.on('close', () => resolve(got));
          socket.write(text); // no half-close: the proxy answers, then closes (Connection: close)
        });
      const absolute = await raw(
        'GET http://evil.example/steal?x=1 HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n',
      );
      assert.match(absolute, /^HTTP\/1\.1 200/);
      const doubleSlash = await raw(
        'GET //evil.example/x HTTP/1.1\r\nHost: evil.example:80\r\nConnection: close\r\n\r\n',
      );
      assert.match(doubleSlash, /^HTTP\/1\.1 200/);
      const tunnel = await raw('CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n');
      assert.match(tunnel, /^HTTP\/1\.1 405/);
      assert.deepEqual(
        seen.map((s) => s.url),
        ['/steal?x=1', '//evil.example/x'],
        'both reached the local target, CONNECT did not',
      );
      assert.equal(p.counts.refused, 1);
      assert.deepEqual([...p.upstreamAddresses], ['127.0.0.1']);
    } finally {
      await p.stop();
    }
  });

  it('draws the same faults from the same seed, on about the asked share of requests, and closes cleanly', {
    timeout: 60_000,
  }, async () => {
    const runOnce = async (
      seed: number,
    ): Promise<{ outcomes: (number | string)[]; decisions: readonly string[]; counts: FaultCounts }> => {
      const p = await startFaultProxy({ targetPort: targetPort(), seed, faultRate: 0.1, maxDelayMs: 20 });
      const outcomes: (number | string)[] = [];
      for (let i = 0; i < 400; i++) outcomes.push(await get(p.endpoint, `/k${i}`));
      const started = Date.now();
      await p.stop(2_000);
      assert.ok(Date.now() - started < 2_000, 'stop is prompt');
      return { outcomes, decisions: [...p.decisions], counts: { ...p.counts } };
    };
    const a = await runOnce(42);
    const b = await runOnce(42);
    const c = await runOnce(43);
    assert.deepEqual(a.decisions, b.decisions);
    assert.deepEqual(a.outcomes, b.outcomes);
    assert.notDeepEqual(a.decisions, c.decisions);
    const faults = a.decisions.filter((d) => d !== 'none').length;
    assert.ok(faults >= 20 && faults <= 65, `${faults} faults in 400 requests at 10%`);
    for (const kind of faultKinds) assert.ok(a.counts[kind] > 0, `${kind} was drawn`);
    // What the client sees for each decision.
    a.decisions.forEach((d, i) => {
      const expected = d === 'slowDown' ? 503 : d === 'internalError' ? 500 : d === 'reset' ? 'ECONNRESET' : 200;
      assert.equal(a.outcomes[i], expected, `request ${i} (${d})`);
    });
  });
});

describe('the CLI through the fault proxy (real s3rver)', () => {
  it('a 20,000-row day through ~10% faults commits the same outputs as a fault-free run', {
    timeout: testTimeoutMs,
  }, async (t) => {
    const clean = `s3://${server.bucket}/clean`;
    const faulty = `s3://${server.bucket}/faulty`;
    assertOk(
      await cli(['generate', '--date', date, '--rows', '20000', '--seed', '5', '--store', clean]),
      'fault-free generate',
    );
    assertOk(await cli(['run', '--date', date, '--store', clean]), 'fault-free run');
    const p = await proxy({ seed: 20261124, faultRate: 0.1 });
    const gen = await cli(['generate', '--date', date, '--rows', '20000', '--seed', '5', '--store', faulty], p);
    t.diagnostic(`generate through the proxy: exit ${gen.code} in ${gen.ms} ms; ${faultSummary(p.counts)}`);
    assertOk(gen, 'generate through the proxy');
    const run = await cli(['run', '--date', date, '--store', faulty], p);
    t.diagnostic(`generate + run through the proxy: exit ${run.code} in ${run.ms} ms; ${faultSummary(p.counts)}`);
    assertOk(run, 'run through the proxy');
    for (const kind of faultKinds)
      assert.ok(p.counts[kind] > 0, `${kind} faults were injected: ${faultSummary(p.counts)}`);
    assert.deepEqual([...p.upstreamAddresses], ['127.0.0.1']);

    const [a, b] = [await manifestOf('clean'), await manifestOf('faulty')];
    assert.deepEqual(committedFiles(b), committedFiles(a));
    assert.deepEqual(b.outputs, a.outputs);
    assert.deepEqual(b.rows, a.rows);
    assert.deepEqual(
      b.inputs.map((i) => [i.key, i.size, i.etag]),
      a.inputs.map((i) => [i.key, i.size, i.etag]),
    );
    const store = storeAt('faulty');
    for (const f of committedFiles(b)) {
      const sha = createHash('sha256')
        .update(await store.get(f.key))
        .digest('hex');
      assert.equal(sha, f.sha256, `${f.key} landed whole`);
    }
  });

  it('exits 75 within bounds and commits nothing when every request gets 503 SlowDown', {
    timeout: testTimeoutMs,
  }, async (t) => {
    assertOk(
      await cli([
        'generate',
        '--date',
        date,
        '--rows',
        '3000',
        '--seed',
        '6',
        '--store',
        `s3://${server.bucket}/always503`,
      ]),
      'generate',
    );
    const p = await proxy({ seed: 1, faultRate: 1, kinds: ['slowDown'] });
    const r = await cli(['run', '--date', date, '--store', `s3://${server.bucket}/always503`], p, retryExitWithinMs);
    t.diagnostic(`always 503: exit ${r.code} in ${r.ms} ms; ${faultSummary(p.counts)}`);
    assert.ok(!r.timedOut, `did not give up within ${retryExitWithinMs} ms`);
    assert.equal(r.code, 75, r.stderr);
    assert.match(r.stderr, /503 SlowDown/);
    assert.match(r.stderr, /retry later \(exit 75\)/);
    assert.doesNotMatch(r.stderr, /S3RVER/, 'no credentials in errors');
    assert.equal(p.counts.forwarded, 0);
    assert.equal(p.counts.requests, p.counts.slowDown);
    assert.equal(await storeAt('always503').head(manifestKey), undefined);
    assert.deepEqual(await listAll(storeAt('always503'), 'rollup/'), []);
  });

  for (const kind of ['internalError', 'reset'] as const) {
    it(`exits 75 within bounds and commits nothing when every request gets ${kind}`, {
      timeout: testTimeoutMs,
    }, async (t) => {
      const prefix = `always-${kind}`;
      assertOk(
        await cli([
          'generate',
          '--date',
          date,
          '--rows',
          '3000',
          '--seed',
          '6',
          '--store',
          `s3://${server.bucket}/${prefix}`,
        ]),
        'generate',
      );
      const p = await proxy({ seed: 2, faultRate: 1, kinds: [kind] });
      const r = await cli(['run', '--date', date, '--store', `s3://${server.bucket}/${prefix}`], p, retryExitWithinMs);
      t.diagnostic(`always ${kind}: exit ${r.code} in ${r.ms} ms; ${faultSummary(p.counts)}`);
      assert.ok(!r.timedOut, `did not give up within ${retryExitWithinMs} ms`);
      assert.equal(r.code, 75, r.stderr);
      assert.equal(await storeAt(prefix).head(manifestKey), undefined);
    });
  }

  it('a raw object whose response body is cut midway exits 75 (transient), never 1, and commits nothing', {
    timeout: testTimeoutMs,
  }, async (t) => {
    const prefix = 'truncated-body';
    const store = `s3://${server.bucket}/${prefix}`;
    assertOk(await cli(['generate', '--date', date, '--rows', '3000', '--seed', '6', '--store', store]), 'generate');
    const p = await proxy({
      seed: 6,
      faultRate: 1,
      kinds: ['truncateBody'],
      eligible: (method, path) => method === 'GET' && path.includes('/raw/dt='),
    });
    const r = await cli(['run', '--date', date, '--store', store], p, retryExitWithinMs);
    t.diagnostic(`every raw GET body cut in half: exit ${r.code} in ${r.ms} ms; ${faultSummary(p.counts)}`);
    assert.ok(!r.timedOut);
    assert.equal(
      r.code,
      75,
      `a connection reset mid-body is transient storage trouble, not bad input: ${r.stderr.slice(-2000)}`,
    );
    assert.equal(await storeAt(prefix).head(manifestKey), undefined);
  });

  it('exits 75 and leaves no manifest when every upload fails after all reads succeeded', {
    timeout: testTimeoutMs,
  }, async (t) => {
    const prefix = 'puts-fail';
    assertOk(
      await cli([
        'generate',
        '--date',
        date,
        '--rows',
        '3000',
        '--seed',
        '6',
        '--store',
        `s3://${server.bucket}/${prefix}`,
      ]),
      'generate',
    );
    const p = await proxy({ seed: 3, faultRate: 1, kinds: ['slowDown'], eligible: isPartitionUpload });
    const r = await cli(['run', '--date', date, '--store', `s3://${server.bucket}/${prefix}`], p, retryExitWithinMs);
    t.diagnostic(`every PUT 503: exit ${r.code} in ${r.ms} ms; ${faultSummary(p.counts)}`);
    assert.ok(!r.timedOut);
    assert.equal(r.code, 75, r.stderr);
    // segments upload as they are built: every read succeeded before the first upload failed
    assert.match(r.stderr, /"event":"inputs_aggregated"/, `the reads succeeded first: ${r.stderr}`);
    assert.equal(await storeAt(prefix).head(manifestKey), undefined);
    assert.deepEqual(await listAll(storeAt(prefix), 'rollup/'), []);
  });

  it('a failed manifest upload leaves no manifest; a fault-free rerun then commits', {
    timeout: testTimeoutMs,
  }, async (t) => {
    const prefix = 'manifest-put-fails';
    const store = `s3://${server.bucket}/${prefix}`;
    assertOk(await cli(['generate', '--date', date, '--rows', '3000', '--seed', '6', '--store', store]), 'generate');
    const p = await proxy({
      seed: 4,
      faultRate: 1,
      kinds: ['reset'],
      eligible: (method, path) => method === 'PUT' && path.endsWith('/_manifest.json'),
    });
    const r = await cli(['run', '--date', date, '--store', store], p, retryExitWithinMs);
    t.diagnostic(`manifest PUT reset: exit ${r.code} in ${r.ms} ms; ${faultSummary(p.counts)}`);
    assert.equal(r.code, 75, r.stderr);
    assert.equal(await storeAt(prefix).head(manifestKey), undefined, 'no manifest: the partition is not visible');
    const rerun = await cli(['run', '--date', date, '--store', store]);
    assertOk(rerun, 'fault-free rerun');
    const m = await manifestOf(prefix);
    const store2 = storeAt(prefix);
    for (const f of committedFiles(m)) {
      assert.equal(
        createHash('sha256')
          .update(await store2.get(f.key))
          .digest('hex'),
        f.sha256,
        f.key,
      );
    }
  });

  it('a committed partition keeps its exact manifest when a --force rerun cannot upload', {
    timeout: testTimeoutMs,
  }, async (t) => {
    const prefix = 'keep-committed';
    const store = `s3://${server.bucket}/${prefix}`;
    assertOk(await cli(['generate', '--date', date, '--rows', '3000', '--seed', '8', '--store', store]), 'generate');
    assertOk(await cli(['run', '--date', date, '--store', store]), 'first run');
    const before = Buffer.from(await storeAt(prefix).get(manifestKey));
    const p = await proxy({ seed: 5, faultRate: 1, kinds: ['internalError'], eligible: isPartitionUpload });
    const r = await cli(['run', '--date', date, '--store', store, '--force'], p, retryExitWithinMs);
    t.diagnostic(`--force rerun with every PUT 500: exit ${r.code} in ${r.ms} ms; ${faultSummary(p.counts)}`);
    assert.equal(r.code, 75, r.stderr);
    assert.ok(Buffer.from(await storeAt(prefix).get(manifestKey)).equals(before), 'the committed manifest changed');
  });
});
