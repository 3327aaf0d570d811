import { createServer, type Server } from 'node:http';
import type { Logger } from '../logger.js';
import { describeMissing, hasMissing, hourRanges, type MissingData } from '../query/missing-data.js';
import {
  parseAttributeParameters,
  parseDiagnoseParameters,
  parseFactsParameters,
  parseQueryParameters,
  parseTrendParameters,
  parseValuesParameters,
  urlParameterSource,
  type ParameterSet,
  type ParameterSource,
} from '../query/query-parameters.js';
import type { Rollups } from './open-rollups.js';

/** Bounds of the read-only HTTP endpoint. */
export interface ServeOptions {
  readonly host: string; // default loopback: 127.0.0.1
  readonly port: number; // 0: any free port
  readonly maxUrlBytes?: number; // default 4096
  readonly timeoutMs?: number; // per request, default 10 s
  readonly logger?: Pick<Logger, 'event'>; // where a 500 is reported with its cause; default: a JSON line on stderr
}

/**
 * A small read-only HTTP endpoint answering the same queries as the CLI, as JSON, for dashboards (Grafana's
 * JSON/Infinity data source): GET /query, /facts, /trend, /diagnose, /attribute with the CLI's flags as parameters
 * (`/query?metric=cpu_usage&from=2026-11-24&to=2026-11-25&group-by=broker&where=cluster=lkc-1&agg=avg`), parsed
 * by the CLI's own parser (query-parameters); unknown parameters and bad values are 400, faults 500 (logged).
 * Days and hours without data are listed in the answer's `missing` field (objects) or, for the arrays of /query and
 * /trend, in the X-Rollup-Missing-Days and X-Rollup-Missing-Hours headers; nothing matched at all is a 404 whose body
 * says what was missing.
 */
export function serveRollups(rollups: Rollups, o: ServeOptions): Promise<Server> {
  const maxUrl = o.maxUrlBytes ?? 4096;
  const server = createServer((req, res) => {
    const send = (status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void => {
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        ...headers,
      });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET')
      return send(405, { error: `method ${req.method} not allowed: this endpoint is read-only (GET)` });
    if ((req.url ?? '').length > maxUrl) return send(414, { error: `request URL longer than ${maxUrl} bytes` });
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch (cause) {
      return send(400, { error: `request URL '${req.url}' cannot be parsed: ${(cause as Error).message}` });
    }
    const params = (set: ParameterSet): ParameterSource => urlParameterSource(url.searchParams, set);
    const handle = async (): Promise<unknown> => {
      switch (url.pathname) {
        case '/healthz':
          return { ok: true };
        case '/query': {
          const q = parseQueryParameters(params('query'));
          const answer = await rollups.query(q);
          return withMissing(
            answer.rows.map((r) => ({
              time: r.time,
              ...Object.fromEntries(q.groupBy.map((d, i) => [d, r.groups[i] ?? null])),
              value: r.value,
            })),
            answer.missing,
          );
        }
        case '/facts':
          return rollups.facts(parseFactsParameters(params('facts')));
        case '/trend':
          return rollups.trend(parseTrendParameters(params('trend'), new Date()));
        case '/diagnose':
          return rollups.diagnose(parseDiagnoseParameters(params('diagnose')));
        case '/attribute':
          return rollups.attribute(parseAttributeParameters(params('attribute'), new Date()));
        case '/values':
          return rollups.values(parseValuesParameters(params('values'))).catch((e: Error) => {
            throw e.name === 'MissingPartitionError' ? new NotFound(e.message) : e;
          });
        default:
          throw new NotFound(`no route ${url.pathname}: use /query, /facts, /trend, /diagnose, /attribute or /values`);
      }
    };
    handle().then(
      (body) => {
        const missing = (body as { missing?: MissingData } | null)?.missing;
        if (missing?.nothingFound)
          return send(404, {
            error: `no data for ${url.pathname}${hasMissing(missing) ? `: ${describeMissing(missing).join('; ')}` : ''}`,
            missing,
          });
        send(200, body, missing && hasMissing(missing) ? missingHeaders(missing) : {});
      },
      (e: unknown) => {
        const status = e instanceof NotFound ? 404 : e instanceof Error && clientErrorNames.has(e.name) ? 400 : 500;
        const message = e instanceof Error ? e.message : String(e);
        if (status === 500) (o.logger ?? stderrJsonLines).event('serve_error', serverErrorFields(req.url ?? '', e));
        send(status, { error: status === 500 ? `internal error: ${message}` : message });
      },
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

/**
 * Response headers listing the days never rolled up or without data and the hours without data (ISO intervals, end
 * exclusive).
 */
function missingHeaders(m: MissingData): Record<string, string> {
  return {
    ...(m.days.length > 0 ? { 'x-rollup-missing-days': m.days.join(', ') } : {}),
    ...(m.hours.length > 0 ? { 'x-rollup-missing-hours': hourRanges(m.hours).join(', ') } : {}),
  };
}

/** Errors that describe a bad request rather than a fault of the server. */
const clientErrorNames: ReadonlySet<string> = new Set(['QueryError', 'InvalidDateError']);

/** What a 500 is logged with: the request, the message and the cause chain (with stacks), so the fault can be found. */
function serverErrorFields(url: string, error: unknown): Record<string, unknown> {
  const causes: { name: string; message: string; stack?: string }[] = [];
  for (
    let e: unknown = error, depth = 0;
    e !== undefined && depth < 5;
    e = e instanceof Error ? e.cause : undefined, depth++
  ) {
    causes.push(
      e instanceof Error
        ? { name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}) }
        : { name: typeof e, message: String(e) },
    );
  }
  return { url, status: 500, error: causes[0]?.message, causes };
}

const stderrJsonLines: Pick<Logger, 'event'> = {
  event(name, fields) {
    process.stderr.write(JSON.stringify({ time: new Date().toISOString(), event: name, ...fields }) + '\n');
  },
};
