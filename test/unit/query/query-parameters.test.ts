import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  cliParameterSource,
  parseDiagnoseParameters,
  parseFactsParameters,
  parseInstant,
  parseQueryParameters,
  parseTrendParameters,
  parseValuesParameters,
  urlParameterSource,
} from '../../../src/query/query-parameters.js';

// The one parser of query parameters, fed from a command line (as commander leaves it) and from a URL.

const cli = (o: Record<string, unknown>) =>
  parseQueryParameters(
    cliParameterSource('query', {
      metric: 'cpu_usage',
      from: '2026-11-24',
      to: '2026-11-25',
      where: [],
      whereNot: [],
      ...o,
    }),
  );
const url = (q: string) =>
  parseQueryParameters(
    urlParameterSource(new URLSearchParams(`metric=cpu_usage&from=2026-11-24&to=2026-11-25&${q}`), 'query'),
  );

describe('query parameters', () => {
  it('merges repeated --where conditions by dimension, the same from the CLI and from a URL, with any dimension name as a key', () => {
    const fromCli = cli({
      where: ['cluster=a,b', 'broker=x', 'cluster=c', '__proto__=p', 'constructor=q'],
      whereNot: ['toString=t'],
    });
    const fromUrl = url(
      'where=cluster=a,b&where=broker=x&where=cluster=c&where=__proto__=p&where=constructor=q&where-not=toString=t',
    );
    for (const q of [fromCli, fromUrl]) {
      assert.deepEqual(Object.entries(q.where), [
        ['cluster', ['a', 'b', 'c']],
        ['broker', ['x']],
        ['__proto__', ['p']],
        ['constructor', ['q']],
      ]);
      assert.deepEqual(Object.entries(q.whereNot), [['toString', ['t']]]);
    }
    assert.deepEqual(fromCli, fromUrl);
  });

  it('reads a comma escaped by a backslash as part of a value, and \\\\ as a backslash', () => {
    assert.deepEqual(cli({ where: ['tenant=Acme\\, Inc,Initech'] }).where.tenant, ['Acme, Inc', 'Initech']);
    assert.deepEqual(url(`where=${encodeURIComponent('tenant=Acme\\, Inc')}`).where.tenant, ['Acme, Inc']);
    assert.deepEqual(cli({ whereNot: ['topic=a\\\\,b'] }).whereNot.topic, ['a\\', 'b']);
    assert.deepEqual(cli({ where: ['topic=C:\\dir,\\'] }).where.topic, ['C:\\dir', '\\']); // other backslashes stay
    assert.deepEqual(cli({ where: ['topic=,'] }).where.topic, ['', '']);
    // any values: escaped and joined, they read back as they were
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: fc.constantFrom('a', ',', '\\', '=', 'é') }), { minLength: 1 }),
        (values) => {
          const list = values.map((v) => v.replace(/[\\,]/g, '\\$&')).join(',');
          assert.deepEqual(cli({ where: [`topic=${list}`] }).where.topic, values);
        },
      ),
    );
  });

  it('reads group-by, grain and agg, with defaults when absent', () => {
    assert.deepEqual(url('group-by=broker,topic&grain=day&agg=max'), {
      ...url(''),
      groupBy: ['broker', 'topic'],
      grain: 'day',
      agg: 'max',
    });
    assert.deepEqual(
      { grain: url('').grain, groupBy: url('').groupBy, agg: url('').agg },
      { grain: 'hour', groupBy: [], agg: undefined },
    );
    assert.deepEqual(url('group-by=').groupBy, []);
  });

  it('reads an instant as the same UTC time whichever zone it is written in', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2100, 0, 1) }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        (ms, offset) => {
          const t = new Date(ms);
          assert.equal(parseInstant(t.toISOString(), 'x').getTime(), ms);
          const local = new Date(ms + offset * 60_000).toISOString().slice(0, 23);
          const zone = `${offset < 0 ? '-' : '+'}${String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0')}:${String(Math.abs(offset) % 60).padStart(2, '0')}`;
          assert.equal(parseInstant(`${local}${zone}`, 'x').getTime(), ms);
        },
      ),
    );
    assert.equal(parseInstant('2026-11-24', 'x').toISOString(), '2026-11-24T00:00:00.000Z');
    assert.equal(parseInstant('2024-02-29T23:59Z', 'x').toISOString(), '2024-02-29T23:59:00.000Z');
    for (const bad of [
      '2025-02-29',
      '2026-13-01',
      '2026-11-24T13:60Z',
      '2026-11-24T13:00+24:00',
      '2026-11-24T13:00:00',
      ' 2026-11-24',
      '',
    ]) {
      assert.throws(
        () => parseInstant(bad, `query --at '${bad}'`),
        (e: Error) => e.message.startsWith(`query --at '${bad}' is not an instant in a form read here`),
        bad,
      );
    }
  });

  it('reads whole milliseconds, trailing zeros too, and refuses a finer fraction (it would read the wrong hours)', () => {
    assert.equal(parseInstant('2026-11-24T12:00:00.000000Z', 'x').toISOString(), '2026-11-24T12:00:00.000Z');
    assert.equal(parseInstant('2026-11-24T12:00:00.123000000Z', 'x').toISOString(), '2026-11-24T12:00:00.123Z');
    for (const bad of ['2026-11-24T12:00:00.0001Z', '2026-11-24T12:59:59.999999999Z', '2026-11-24T12:00:00.000000001Z'])
      assert.throws(
        () => parseInstant(bad, `query --from '${bad}'`),
        new RegExp(`^QueryError: query --from '${bad.replace(/\./g, '\\.')}' is finer than a millisecond`),
      );
  });

  it('reads values dates as days, naming the parameter of one that is not a day, and refuses a reversed range', () => {
    const values = (q: string) =>
      parseValuesParameters(urlParameterSource(new URLSearchParams(`dim=tenant&${q}`), 'values'));
    assert.deepEqual(values('from=2026-11-20&to=2026-11-24').range, { from: '2026-11-20', to: '2026-11-24' });
    assert.deepEqual(values('from=2026-11-24&to=2026-11-24').range, { from: '2026-11-24', to: '2026-11-24' });
    for (const [q, message] of [
      [
        'from=2026-02-30',
        "values parameter 'from' value '2026-02-30' is not a day: date '2026-02-30' is not a calendar",
      ],
      ['to=2026-11-24T00:00Z', "values parameter 'to' value '2026-11-24T00:00Z' is not a day: date"],
      ['from=', "values parameter 'from' value '' is empty"],
      [
        'from=2026-11-25&to=2026-11-24',
        "values parameter 'from' value '2026-11-25' is after values parameter 'to' value '2026-11-24': the range is empty",
      ],
    ] as const)
      assert.throws(
        () => values(q),
        (e: Error) => e.name === 'QueryError' && e.message.startsWith(message),
        q,
      );
  });

  it("takes '' as a tenant, cluster or topic (a value raw data may hold, as --where cluster= reads it), never as absent", () => {
    const source = (q: string, command: string) => urlParameterSource(new URLSearchParams(q), command as 'facts');
    assert.equal(parseFactsParameters(source('cluster=&hour=2026-11-24T05:00Z', 'facts')).cluster, '');
    assert.equal(parseFactsParameters(source('tenant=&hour=2026-11-24T05:00Z', 'facts')).tenant, '');
    assert.equal(parseTrendParameters(source('cluster=&days=3', 'trend'), new Date(0)).cluster, '');
    assert.equal(parseDiagnoseParameters(source('topic=&at=2026-11-24T05:00Z', 'diagnose')).topic, '');
    assert.equal('cluster' in parseFactsParameters(source('hour=2026-11-24T05:00Z', 'facts')), false);
  });

  it("refuses a value spelled with the marker of a value's hex form, which no raw value is read as, naming the right one", () => {
    const source = (q: string, command: string) => urlParameterSource(new URLSearchParams(q), command as 'facts');
    assert.throws(
      () => cli({ where: ['topic=a,hex:41'] }),
      new RegExp(
        "--where 'topic=a,hex:41': no raw value is ever read as 'hex:41': it starts with 'hex:', which marks the hex " +
          "digits of a value's bytes: a raw value spelled 'hex:41' is read as 'hex:6865783a3431'",
      ),
    );
    assert.throws(() => url('where-not=cluster=hex:'), /read as 'hex:6865783a'/);
    assert.throws(
      () => parseFactsParameters(source('cluster=hex:41&hour=2026-11-24T05:00Z', 'facts')),
      /hex:6865783a3431/,
    );
    assert.throws(
      () => parseTrendParameters(source('cluster=hex:zz&days=3', 'trend'), new Date(0)),
      /hex:6865783a7a7a/,
    );
    // the hex form of bytes that need it is what such a value is stored as: asked for as it is
    assert.deepEqual(cli({ where: ['topic=hex:6865783a3431,hex:ff41'] }).where.topic, ['hex:6865783a3431', 'hex:ff41']);
    assert.deepEqual(
      parseValuesParameters(cliParameterSource('values', { dim: 'topic', where: ['cluster=hex:ff'] })).where.cluster,
      ['hex:ff'],
    );
  });
});
