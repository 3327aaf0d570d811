import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { builtWithConfig } from '../../../src/config/config-hashes.js';
import {
  ConfigError,
  canonicalJson,
  configHashesOf,
  defaultJobConfigPath,
  hashJobConfig,
  loadJobConfig,
  parseJobConfig,
} from '../../../src/config/load-job-config.js';

const base = JSON.parse(await readFile(defaultJobConfigPath, 'utf8')) as Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: test-only deep patching of a JSON document
const withChange = (patch: (c: Record<string, any>) => void): unknown => {
  // biome-ignore lint/suspicious/noExplicitAny: test-only deep patching of a JSON document
  const copy = structuredClone(base) as Record<string, any>;
  patch(copy);
  return copy;
};

describe('job config', () => {
  it('loads the default job with its ten catalog metrics and six dimensions', async () => {
    const config = await loadJobConfig();
    assert.deepEqual(config.raw.dimensions, ['region', 'tenant', 'cluster', 'broker', 'topic', 'partition']);
    assert.equal(Object.keys(config.metrics).length, 10);
    assert.equal(config.metrics.bytes_in_total?.kind, 'cumulative');
    assert.deepEqual(config.metrics.partition_online?.distinctOf, ['topic', 'partition']);
    assert.equal(config.metrics.cpu_usage?.kind, 'gauge');
    assert.equal(config.output.targetFileBytes, 268435456);
  });

  it('refuses bad entries naming the file and the field path', () => {
    const cases: [unknown, RegExp][] = [
      [
        withChange((c) => (c.raw.dimensions = ['region', 'region'])),
        /raw\.dimensions\.1: duplicate dimension 'region'/,
      ],
      [withChange((c) => (c.metrics.cpu_usage.kind = 'average')), /metrics\.cpu_usage\.kind/],
      [withChange((c) => (c.raw.prefix = '../raw')), /raw\.prefix: must be one path segment/],
      [
        withChange((c) => (c.output.tiers = [{ grain: 'day', dropDimensions: ['shard'] }])),
        /output\.tiers\.0\.dropDimensions\.0: unknown dimension 'shard'/,
      ],
      [
        withChange((c) => (c.raw.columns.metric = 'tenant')),
        /raw\.columns\.metric: column 'tenant' is also a dimension/,
      ],
      [withChange((c) => (c.extra = 1)), /\(root\): Unrecognized key/],
      [
        withChange((c) => (c.patterns.load = 'fetch_requests')),
        /patterns\.load: 'fetch_requests' is delta; load needs gauge/,
      ],
      [
        withChange((c) => (c.patterns.networkBytes = ['received_bytes', 'bytes_out'])),
        /patterns\.networkBytes\.1: metric 'bytes_out' is not in the catalog/,
      ],
      [
        withChange((c) => (c.patterns.storage = 'toString')),
        /patterns\.storage: metric 'toString' is not in the catalog/,
      ],
    ];
    for (const [raw, message] of cases) {
      assert.throws(
        () => parseJobConfig(raw, 'jobs/x.json'),
        (e: unknown) =>
          e instanceof ConfigError && /^config jobs\/x\.json is invalid: /.test(e.message) && message.test(e.message),
      );
    }
  });

  it('accepts raw kept as long as the hour tier, shorter, longer (retention says what it keeps), or with the hour tier kept forever', () => {
    for (const [rawDays, hourDays] of [
      [30, 30],
      [7, 30],
      [30, 14],
      [90, undefined],
    ] as const) {
      const config = parseJobConfig(
        withChange((c) => {
          c.raw.retentionDays = rawDays;
          if (hourDays !== undefined) c.output.tiers[0].retentionDays = hourDays;
        }),
        'jobs/x.json',
      );
      assert.equal(config.raw.retentionDays, rawDays);
    }
  });

  it('names a missing or malformed file', async () => {
    await assert.rejects(loadJobConfig('/nonexistent/job.json'), /config \/nonexistent\/job\.json cannot be read/);
  });

  it('refuses a file that declares a key twice (JSON.parse would keep the last without a word)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'job-'));
    try {
      const text = await readFile(defaultJobConfigPath, 'utf8');
      const twice = text.replace(
        '"metrics": {',
        '"metrics": {\n    "cpu_usage": {"kind": "delta", "unit": "x", "description": "x"},',
      );
      assert.notEqual(twice, text);
      await writeFile(path.join(dir, 'job.json'), twice);
      await assert.rejects(
        loadJobConfig(path.join(dir, 'job.json')),
        (e: Error) =>
          e.name === 'ConfigError' &&
          e.message.includes("is invalid: metrics: key 'cpu_usage' appears twice (JSON keeps"),
      );
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('hashes configs by value, not by key order', () => {
    const a = parseJobConfig(base, 'a');
    const reordered = parseJobConfig(JSON.parse(canonicalJson(base)), 'b');
    assert.equal(hashJobConfig(a), hashJobConfig(reordered));
    assert.notEqual(
      hashJobConfig(a),
      hashJobConfig(
        parseJobConfig(
          withChange((c) => (c.output.rowGroupRows = 1000)),
          'c',
        ),
      ),
    );
    assert.match(hashJobConfig(a), /^sha256:[0-9a-f]{64}$/);
  });

  it('leaves the query-only patterns section out of the hash, so changing a role rebuilds nothing', () => {
    const a = parseJobConfig(base, 'a');
    const b = parseJobConfig(
      withChange((c) => (c.patterns.requests = 'produce_requests')),
      'b',
    );
    const c = parseJobConfig(
      withChange((c) => delete c.patterns),
      'c',
    );
    assert.equal(b.patterns?.requests, 'produce_requests');
    assert.equal(hashJobConfig(a), hashJobConfig(b));
    assert.equal(hashJobConfig(a), hashJobConfig(c));
  });

  it("leaves the job's name, the metrics' unit and description and the limits out of the hash: editing them rebuilds nothing", () => {
    const a = parseJobConfig(base, 'a');
    const edited = parseJobConfig(
      withChange((c) => {
        c.name = 'fleet-renamed';
        c.metrics.cpu_usage.description = 'Broker CPU, percent of all cores';
        c.metrics.retained_bytes.unit = 'B';
        c.output.limits = { distinctValues: 3_000_000, groups: 9_000_000 }; // what a limit's halt says to raise
      }),
      'edited',
    );
    assert.equal(hashJobConfig(edited), hashJobConfig(a));
    const kind = parseJobConfig(
      withChange((c) => (c.metrics.active_connections.kind = 'delta')),
      'kind',
    );
    assert.notEqual(hashJobConfig(kind), hashJobConfig(a));
  });

  it('counts a partition committed with the hash versions before 2026-11-28 wrote as built with the same config', () => {
    const job = {
      name: 'mini',
      raw: {
        prefix: 'raw',
        columns: { timestamp: 'ts', metric: 'metric', value: 'value' },
        dimensions: ['cluster'],
        lateArrivalHours: 1,
      },
      metrics: { cpu: { kind: 'gauge', unit: 'percent', description: 'CPU' } },
      unknownMetricPolicy: 'fail',
      output: { prefix: 'rollup', tiers: [{ grain: 'hour' }], targetFileBytes: 1048576, rowGroupRows: 1024 },
    };
    // what hashJobConfig of version 5c3f435 (unit and description hashed) gave for this job
    const before = 'sha256:50ea90fd8fe269576acbbe64031059a6f76eea3775a899eb60225bed952ccd3d';
    const hashes = configHashesOf(parseJobConfig(job, 'mini'));
    assert.equal(hashes.current, hashJobConfig(parseJobConfig(job, 'mini')));
    assert.notEqual(hashes.current, before);
    assert.ok(builtWithConfig(before, hashes));
    assert.ok(builtWithConfig(hashes.current, hashes));
    const renamed = { ...job, metrics: { cpu: { ...job.metrics.cpu, description: 'CPU of the broker' } } };
    assert.equal(configHashesOf(parseJobConfig(renamed, 'renamed')).current, hashes.current);
    assert.ok(!builtWithConfig(before, configHashesOf(parseJobConfig(renamed, 'renamed'))), 'an edit since is new');
    const other = { ...job, metrics: { cpu: { ...job.metrics.cpu, kind: 'delta' } } };
    assert.ok(!builtWithConfig(before, configHashesOf(parseJobConfig(other, 'other'))));
  });
});
