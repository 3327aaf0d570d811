import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import {
  ConfigError,
  defaultJobConfigPath,
  hashJobConfig,
  parseJobConfig,
} from '../../../src/config/load-job-config.js';
import { metricCatalog } from '../../../src/config/metric-catalog.js';
import { ancestorsOf, descendantsOf } from '../../../src/cube/cube-spec.js';
import { rejectReasons } from '../../../src/ingest/reject-reason.js';
import { parseManifest } from '../../../src/partition/manifest.js';

// Config names (metrics, dimensions) that plain objects already have, or that zod's record would turn into a prototype.

const defaultText = await readFile(defaultJobConfigPath, 'utf8');

/** The default job's JSON text with `metrics` (JSON text of more entries) added to its catalog. */
function withMetrics(entries: string): unknown {
  return JSON.parse(defaultText.replace('"metrics": {', `"metrics": {${entries},`));
}

const delta = (name: string): string => `"${name}": {"kind": "delta", "unit": "bytes", "description": "${name}"}`;

describe('config names that are properties of JavaScript objects', () => {
  it('keeps a metric named __proto__ as a catalog entry (zod records made it the prototype) and knows nothing it was not given', () => {
    const config = parseJobConfig(withMetrics(`${delta('__proto__')}, ${delta('constructor')}`), 'job.json');
    const catalog = metricCatalog(config);
    assert.equal(catalog.size, 12);
    assert.equal(catalog.get('__proto__')?.kind, 'delta');
    assert.equal(catalog.get('constructor')?.description, 'constructor');
    for (const name of ['toString', 'hasOwnProperty', 'valueOf', 'kind', 'unit', 'isPrototypeOf']) {
      assert.equal(catalog.has(name), false, name);
      assert.equal(name in config.metrics, false, `${name} must not be "in" the parsed catalog`);
    }
    assert.ok(Object.keys(config.metrics).includes('__proto__'));
    assert.notEqual(
      hashJobConfig(config),
      hashJobConfig(parseJobConfig(withMetrics(delta('constructor')), 'job.json')),
      'the __proto__ metric is part of the config hash',
    );
  });

  it('names a bad entry of a metric named __proto__ by its path', () => {
    const bad = withMetrics(`"__proto__": {"kind": "average", "unit": "x", "description": "x"}`);
    assert.throws(
      () => parseJobConfig(bad, 'job.json'),
      (e: unknown) => e instanceof ConfigError && /metrics\.__proto__\.kind/.test(e.message),
    );
    assert.throws(
      () => parseJobConfig(JSON.parse(defaultText.replace(/"metrics": \{/, '"metrics": [], "unused": {')), 'job.json'),
      ConfigError,
    );
  });

  it('reads a hierarchy over dimensions named constructor and __proto__', () => {
    const text = defaultText.replaceAll('"topic"', '"constructor"').replaceAll('"partition"', '"__proto__"');
    const config = parseJobConfig(JSON.parse(text), 'job.json');
    const hierarchy = config.cube!.hierarchy;
    assert.deepEqual(ancestorsOf('__proto__', hierarchy), ['constructor', 'cluster', 'tenant']);
    assert.deepEqual(descendantsOf('cluster', hierarchy).sort(), ['__proto__', 'broker', 'constructor']);
    assert.deepEqual(ancestorsOf('toString', hierarchy), []);
    assert.deepEqual(
      ancestorsOf('toString', { cluster: 'tenant' }),
      [],
      'also for a plain object a library caller built',
    );
  });

  it('refuses a dimension named like an output column or query field, which would overwrite it', () => {
    for (const name of ['count', 'hour', 'time', 'sum']) {
      const text = defaultText.replaceAll('"partition"', JSON.stringify(name));
      assert.throws(
        () => parseJobConfig(JSON.parse(text), 'job.json'),
        (e: unknown) =>
          e instanceof ConfigError &&
          e.message.includes(`raw.dimensions.5: dimension '${name}' has the name of an output column or query field`),
        name,
      );
    }
  });

  it('reads a manifest listing unknown metrics named __proto__ and constructor', () => {
    const manifest = {
      formatVersion: 1,
      tool: { name: 't', version: '0' },
      grain: 'hour',
      date: '2026-11-24',
      runId: 'r',
      createdAt: '2026-11-24T00:00:00Z',
      configHash: 'h',
      dimensions: [],
      sortOrder: [],
      inputs: [],
      outputs: [],
      rows: {
        in: 3,
        accepted: 0,
        out: 0,
        rejected: { ...Object.fromEntries(rejectReasons.map((r) => [r, 0])), unknown_metric: 3 },
      },
      missingDimensions: [],
    };
    const text = JSON.stringify(manifest).replace(/}$/, ', "unknownMetrics": {"__proto__": 1, "constructor": 2}}');
    const parsed = parseManifest(new TextEncoder().encode(text), 'm.json');
    assert.deepEqual(Object.entries(parsed.unknownMetrics), [
      ['__proto__', 1],
      ['constructor', 2],
    ]);
  });
});
