import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { hashJobConfig, loadJobConfig } from '../../src/config/load-job-config.js';
import { parameterNames, type ParameterSet } from '../../src/query/query-parameters.js';
import { runRollup } from '../../src/rollup/run-rollup.js';
import { openRollups } from '../../src/serve/open-rollups.js';
import { serveRollups } from '../../src/serve/serve-rollups.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { openOracle } from '../helpers/duckdb.js';
import { fleetDay, writeSmallFleetDay } from '../helpers/small-fleet-day.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// The Grafana dashboard in jobs/grafana reads the endpoint through the Infinity data source. Every panel and template
// variable names a route and parameters the endpoint accepts, and, called against a real server over a rolled-up day
// with the variables substituted, answers 200 JSON with the rows and fields the panel's root_selector and columns read.

const dashboardFile = fileURLToPath(new URL('../../../jobs/grafana/telemetry-rollup-dashboard.json', import.meta.url));
const infinity = 'yesoreyeram-infinity-datasource';

interface InfinityQuery {
  readonly refId: string;
  readonly type: string;
  readonly source: string;
  readonly url: string;
  readonly url_options: { readonly method: string; readonly params: readonly { key: string; value: string }[] };
  readonly root_selector: string;
  readonly columns: readonly { selector: string; text: string; type: 'string' | 'number' | 'timestamp' }[];
}
interface Variable {
  readonly name: string;
  readonly type: string;
  readonly query?: string | { readonly infinityQuery?: InfinityQuery };
  readonly current?: { readonly value?: string };
}
interface Dashboard {
  readonly templating: { readonly list: readonly Variable[] };
  readonly panels: readonly {
    readonly title: string;
    readonly datasource: { readonly type: string };
    readonly targets: readonly InfinityQuery[];
  }[];
}

/**
 * The rows a root selector picks, as the Infinity backend parser (JSONata) reads these simple forms: '' is the whole
 * answer, a dotted path maps over arrays and flattens, and a leading `$[field="value"]` keeps the array's matches.
 */
function selectRows(answer: unknown, selector: string): unknown[] {
  let current: unknown = answer;
  let rest = selector;
  const filter = /^\$\[(\w+)="([^"]*)"\]\.?/.exec(rest);
  if (filter) {
    assert.ok(Array.isArray(current), `selector ${selector} filters an array`);
    current = current.filter((x) => (x as Record<string, unknown>)[filter[1]!] === filter[2]);
    rest = rest.slice(filter[0].length);
  }
  for (const step of rest === '' ? [] : rest.split('.')) {
    const pick = (x: unknown): unknown =>
      x !== null && typeof x === 'object' && Object.hasOwn(x, step) ? (x as Record<string, unknown>)[step] : undefined;
    current = Array.isArray(current) ? current.flatMap((x) => pick(x) ?? []) : pick(current);
    assert.notEqual(current, undefined, `selector ${selector}: no field '${step}'`);
  }
  return Array.isArray(current) ? current : [current];
}

/** Substitutes `${name}`, `${name:format}` and `$name` from `values`; anything left unresolved fails. */
function substitute(text: string, values: ReadonlyMap<string, string>): string {
  const out = text.replace(
    /\$\{([\w]+)(?::[^}]*)?\}|\$(\w+)/g,
    (whole, braced: string | undefined, bare: string | undefined) => {
      const key = braced !== undefined && whole.includes(':') ? whole.slice(2, -1) : (braced ?? bare)!;
      const v = values.get(key);
      assert.notEqual(v, undefined, `no value for template variable ${whole} in '${text}'`);
      return v!;
    },
  );
  return out;
}

/** The route of a query's URL (after `${endpoint}`), checked to be one the endpoint parses parameters for. */
function routeOf(q: InfinityQuery): ParameterSet {
  const m = /^\$\{endpoint\}\/(\w+)$/.exec(q.url);
  assert.ok(m, `url ${q.url} is \${endpoint}/<route>`);
  assert.ok(Object.hasOwn(parameterNames, m[1]!), `route /${m[1]} is one the endpoint answers`);
  return m[1] as ParameterSet;
}

describe('Grafana dashboard over the endpoint', { timeout: 300_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: Server;
  let base: string;
  let dashboard: Dashboard;
  const values = new Map<string, string>([
    ['__from:date:iso', `${fleetDay}T05:00:00.000Z`],
    ['__to:date:iso', '2026-11-25T00:00:00.000Z'],
  ]);
  before(async () => {
    dashboard = JSON.parse(await readFile(dashboardFile, 'utf8')) as Dashboard;
    dir = await makeTempDir('grafana-dashboard');
    const db = await openOracle();
    try {
      await db.run(`SET TimeZone = 'UTC'`);
      await writeSmallFleetDay(db, dir.path);
    } finally {
      db.close();
    }
    const config = await loadJobConfig();
    await runRollup({
      store: new LocalStore(dir.path),
      config,
      configHash: hashJobConfig(config),
      date: fleetDay,
      workers: 0,
    });
    server = await serveRollups(await openRollups({ store: dir.path, config }), { host: '127.0.0.1', port: 0 });
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    values.set('endpoint', base);
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await dir.remove();
  });

  /** Calls a query's URL with its parameters substituted; checks route, parameter names, status and content type. */
  const call = async (q: InfinityQuery): Promise<unknown> => {
    const route = routeOf(q);
    assert.equal(q.type, 'json');
    assert.equal(q.source, 'url');
    assert.equal(q.url_options.method, 'GET');
    const params = new URLSearchParams();
    for (const { key, value } of q.url_options.params) {
      assert.ok(
        (parameterNames[route] as readonly string[]).includes(key),
        `/${route} takes parameter '${key}' (valid: ${parameterNames[route].join(', ')})`,
      );
      params.append(key, substitute(value, values));
    }
    const url = `${substitute(q.url, values)}?${params}`;
    const r = await fetch(url);
    const body = await r.text();
    assert.equal(r.status, 200, `${url}: ${body}`);
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
    return JSON.parse(body) as unknown;
  };

  const numbers = new Set<string>(); // the panel columns seen holding a real number

  /** Checks the rows a query's root selector picks: at least one, each with the declared columns of their type. */
  const checkRows = (q: InfinityQuery, answer: unknown, where: string): unknown[] => {
    const rows = selectRows(answer, substitute(q.root_selector, values)); // Infinity interpolates variables here too
    assert.ok(rows.length > 0, `${where}: root_selector '${q.root_selector}' picks at least one row`);
    for (const row of rows)
      for (const c of q.columns) {
        assert.ok(row !== null && typeof row === 'object' && Object.hasOwn(row, c.selector), `${where}: ${c.selector}`);
        const v = (row as Record<string, unknown>)[c.selector];
        // null is a declared answer (no data, or a correlation over too few hours); Grafana shows it as no value
        if (c.type === 'number') assert.ok(v === null || typeof v === 'number', `${where}: ${c.selector} is a number`);
        if (c.type === 'number' && typeof v === 'number') numbers.add(`${where} ${c.selector}`);
        if (c.type === 'string') assert.ok(v === null || typeof v === 'string', `${where}: ${c.selector} is a string`);
        if (c.type === 'timestamp')
          assert.ok(typeof v === 'string' && Number.isFinite(Date.parse(v)), `${where}: ${c.selector} is a time`);
      }
    return rows;
  };

  it('template variables are fed by /values and resolve to the day’s real clusters, tenants and brokers', async () => {
    const fed = new Map<string, readonly unknown[]>();
    for (const v of dashboard.templating.list) {
      if (v.type === 'textbox' || v.type === 'datasource') continue;
      if (v.type === 'custom') {
        assert.ok(v.current?.value, `variable ${v.name} has a current value`);
        values.set(v.name, v.current.value);
        continue;
      }
      assert.equal(v.type, 'query');
      const q = (v.query as { infinityQuery: InfinityQuery }).infinityQuery;
      assert.equal(routeOf(q), 'values');
      const rows = checkRows(q, await call(q), `variable ${v.name}`);
      assert.ok(
        rows.every((x) => typeof x === 'string'),
        `variable ${v.name}: values are strings`,
      );
      fed.set(v.name, rows);
      values.set(v.name, rows[0] as string);
    }
    assert.deepEqual(fed.get('cluster'), ['lkc-real', 'lkc-zero']);
    assert.deepEqual(fed.get('tenant'), ['tn-real', 'tn-zero']);
    assert.deepEqual(fed.get('broker'), ['broker-0', 'broker-1']);
  });

  it('every panel calls a route with parameters the endpoint accepts, and reads fields its answer has', async () => {
    const routes = new Set<string>();
    assert.ok(dashboard.panels.length >= 4);
    for (const panel of dashboard.panels) {
      assert.equal(panel.datasource.type, infinity, panel.title);
      assert.ok(panel.targets.length > 0, panel.title);
      for (const q of panel.targets) {
        routes.add(routeOf(q));
        checkRows(q, await call(q), `${panel.title} ${q.refId}`);
      }
    }
    assert.deepEqual([...routes].sort(), ['attribute', 'diagnose', 'facts', 'trend']);
    assert.deepEqual(
      [...numbers].filter((n) => !n.startsWith('variable')).length,
      5,
      `every number column but the correlation over two hours holds a number: ${[...numbers].join('; ')}`,
    );
  });
});
