import { createServer, type Server } from 'node:http';
import { describeMissing, hasMissing, hourRanges, type MissingData } from '../query/missing-data.js';
import type { Rollups } from './open-rollups.js';
import { QueryError, queryAggregates, type QueryAggregate } from '../query/run-query.js';
import { parsePartitionDate } from '../storage/partition-path.js';

/** Bounds of the read-only HTTP endpoint. */
export interface ServeOptions {
  readonly host: string; // default loopback: 127.0.0.1
  readonly port: number; // 0: any free port
  readonly maxUrlBytes?: number; // default 4096
  readonly timeoutMs?: number; // per request, default 10 s
}

/**
 * A small read-only HTTP endpoint answering the same queries as the CLI, as JSON, for dashboards (Grafana's
 * JSON/Infinity data source): GET /query, /facts, /trend, /diagnose, /attribute with the CLI's flags as parameters
 * (`/query?metric=cpu_usage&from=2026-11-24&to=2026-11-25&group-by=broker&where=cluster=lkc-1&agg=avg`).
 * Days and hours without data are listed in the answer's `missing` field (objects) or, for the arrays of /query and
 * /trend, in the X-Rollup-Missing-Days and X-Rollup-Missing-Hours headers; nothing matched at all is a 404 whose body
 * says what was missing.
 */
export function serveRollups(rollups: Rollups, o: ServeOptions): Promise<Server> {
  const maxUrl = o.maxUrlBytes ?? 4096;
  const server = createServer((req, res) => {
    const send = (status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET') return send(405, { error: `method ${req.method} not allowed: this endpoint is read-only (GET)` });
    if ((req.url ?? '').length > maxUrl) return send(414, { error: `request URL longer than ${maxUrl} bytes` });
    const url = new URL(req.url ?? '/', 'http://localhost');
    const p = url.searchParams;
    const need = (name: string): string => {
      const v = p.get(name);
      if (v === null || v === '') throw new QueryError(`query parameter '${name}' is required`);
      return v;
    };
    const instant = (name: string, value: string): Date => {
      const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
      if (!Number.isFinite(ms)) throw new QueryError(`query parameter '${name}' value '${value}' is not an ISO-8601 instant`);
      return new Date(ms);
    };
    const conditions = (name: string): Record<string, string[]> =>
      Object.fromEntries(p.getAll(name).map((c) => {
        const eq = c.indexOf('=');
        if (eq <= 0) throw new QueryError(`query parameter '${name}' value '${c}' is not dimension=value[,value...]`);
        return [c.slice(0, eq), c.slice(eq + 1).split(',')];
      }));
    const optional = (name: string): string | undefined => p.get(name) ?? undefined;
    const handle = async (): Promise<unknown> => {
      switch (url.pathname) {
        case '/healthz':
          return { ok: true };
        case '/query': {
          const agg = optional('agg');
          if (agg !== undefined && !queryAggregates.includes(agg as QueryAggregate)) throw new QueryError(`query parameter 'agg' must be one of ${queryAggregates.join(', ')}`);
          const grain = optional('grain') ?? 'hour';
          if (grain !== 'hour' && grain !== 'day') throw new QueryError("query parameter 'grain' must be hour or day");
          const groupBy = (optional('group-by') ?? '').split(',').filter((d) => d.length > 0);
          const answer = await rollups.query({ metric: need('metric'), fromMs: instant('from', need('from')).getTime(), toMs: instant('to', need('to')).getTime(), grain, groupBy, where: conditions('where'), whereNot: conditions('where-not'), ...(agg ? { agg: agg as QueryAggregate } : {}) });
          return withMissing(answer.rows.map((r) => ({ time: r.time, ...Object.fromEntries(groupBy.map((d, i) => [d, r.groups[i] ?? null])), value: r.value })), answer.missing);
        }
        case '/facts':
          return rollups.facts({ ...(p.has('tenant') ? { tenant: need('tenant') } : {}), ...(p.has('cluster') ? { cluster: need('cluster') } : {}), hour: instant('hour', need('hour')) });
        case '/trend':
          return rollups.trend({ cluster: need('cluster'), end: instant('end', need('end')), days: Number(optional('days') ?? 7), ...(p.has('metric') ? { metric: need('metric') } : {}) });
        case '/diagnose':
          return rollups.diagnose({ ...(p.has('cluster') ? { cluster: need('cluster') } : {}), ...(p.has('topic') ? { topic: need('topic') } : {}), at: instant('at', need('at')) });
        case '/attribute':
          return rollups.attribute({ cluster: need('cluster'), end: instant('end', need('end')), days: Number(optional('days') ?? 7) });
        case '/values': {
          const grain = optional('tier') ?? 'hour';
          if (grain !== 'hour' && grain !== 'day') throw new QueryError("query parameter 'tier' must be hour or day");
          const from = optional('from');
          const to = optional('to');
          const range = { ...(from ? { from: parsePartitionDate(from) } : {}), ...(to ? { to: parsePartitionDate(to) } : {}) };
          return rollups.values({ dim: need('dim'), where: conditions('where'), range, grain }).catch((e: Error) => {
            throw e.name === 'MissingPartitionError' ? new NotFound(e.message) : e;
          });
        }
        default:
          throw new NotFound(`no route ${url.pathname}: use /query, /facts, /trend, /diagnose, /attribute or /values`);
      }
    };
    handle().then(
      (body) => {
        const missing = (body as { missing?: MissingData } | null)?.missing;
        if (missing?.nothingFound) return send(404, { error: `no data for ${url.pathname}${hasMissing(missing) ? `: ${describeMissing(missing).join('; ')}` : ''}`, missing });
        send(200, body, missing && hasMissing(missing) ? missingHeaders(missing) : {});
      },
      (e: Error) => send(e instanceof NotFound ? 404 : e.name === 'QueryError' || e.name === 'InvalidDateError' ? 400 : 500, { error: e.message }),
    );
  });
  server.requestTimeout = o.timeoutMs ?? 10_000;
  server.headersTimeout = Math.min(server.requestTimeout, 10_000);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve(server));
  });
}

class NotFound extends Error {}

/** An array answer carrying what was missing as a non-enumerable property: its JSON stays the array. */
function withMissing<T>(rows: T[], missing: MissingData): T[] {
  return Object.defineProperty(rows, 'missing', { value: missing, enumerable: false });
}

/** Response headers listing the days never rolled up or without data and the hours without data (ISO intervals, end exclusive). */
function missingHeaders(m: MissingData): Record<string, string> {
  return { ...(m.days.length > 0 ? { 'x-rollup-missing-days': m.days.join(', ') } : {}), ...(m.hours.length > 0 ? { 'x-rollup-missing-hours': hourRanges(m.hours).join(', ') } : {}) };
}
