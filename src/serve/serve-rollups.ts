import { createServer, STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../logger.js';
import { describeMissing, hasMissing, hourRanges, type MissingData } from '../query/missing-data.js';
import { hoursRead, lastDaysRange, readsAsAsked, type TimeRange } from '../query/hours-read.js';
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
import { NotFoundError, StorageError } from '../storage/storage-error.js';
import { corsHeaders } from './cors-origin.js';
import type { Rollups } from './open-rollups.js';
import { createServeMetrics } from './serve-metrics.js';

/** Bounds of the read-only HTTP endpoint. */
export interface ServeOptions {
  readonly host: string; // default loopback: 127.0.0.1
  readonly port: number; // 0: any free port
  readonly maxUrlBytes?: number; // default 4096
  readonly timeoutMs?: number; // to receive a request (not to answer it), default 10 s
  readonly logger?: Pick<Logger, 'event'>; // access log and 500s with their cause; default: JSON lines on stderr
  readonly corsOrigin?: string; // the one browser origin allowed to read answers (CORS); none: no CORS headers
}

/**
 * A small read-only HTTP endpoint answering the same queries as the CLI, as JSON, for dashboards (Grafana's
 * JSON/Infinity data source): GET /query, /facts, /trend, /diagnose, /attribute with the CLI's flags as parameters
 * (`/query?metric=cpu_usage&from=2026-11-24&to=2026-11-25&group-by=broker&where=cluster=lkc-1&agg=avg`), parsed
 * by the CLI's own parser (query-parameters); unknown parameters and bad values are 400, faults 500 (logged).
 * Days and hours without data are listed in the answer's `missing` field (objects) or, for the arrays of /query and
 * /trend, in the X-Rollup-Missing-Days and X-Rollup-Missing-Hours headers (and the whole hours read, when a /query
 * range's ends or a /trend or /attribute `end` are not on an hour, in X-Rollup-Hours-Read); nothing matched at all is
 * a 404 whose body
 * says what was missing. /health (alias /healthz) is liveness, /ready lists the store (503 when unreachable), /metrics
 * is Prometheus text; every request is logged as one JSON line (`serve_request`). With `corsOrigin`, that one origin
 * may read answers from a browser (preflight: 204).
 */
export function serveRollups(rollups: Rollups, o: ServeOptions): Promise<Server> {
  const maxUrl = o.maxUrlBytes ?? 4096;
  const logger = o.logger ?? stderrJsonLines;
  const metrics = createServeMetrics(rollups.cacheCounts);
  // URLs up to 64 KiB reach the handler, which answers those over maxUrl with its own 414 (Node's default limit of
  // 16 KiB on the request head answered a bare 431, unlogged); a longer head gets a 431 of ours (`answerUnparsed`)
  const server = createServer({ maxHeaderSize: maxHeadBytes }, (req, res) => {
    const started = performance.now();
    const route = routeOf(req.url ?? '/');
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    let query = '';
    const finish = (status: number, body: string, contentType: string, headers: Readonly<Record<string, string>>) => {
      res.writeHead(status, {
        ...(body.length > 0 ? { 'content-type': contentType } : {}),
        'cache-control': 'no-store',
        ...corsHeaders(o.corsOrigin, origin),
        ...headers,
      });
      res.end(body);
      const ms = performance.now() - started;
      metrics.observe(route, status, ms / 1000);
      const bytes = Buffer.byteLength(body);
      // the query string percent-encoded (as URLSearchParams writes it), never its raw values
      logger.event('serve_request', { method: req.method, route, status, ms: Math.round(ms * 10) / 10, bytes, query });
    };
    const send = (status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void =>
      finish(status, JSON.stringify(body), 'application/json; charset=utf-8', headers);
    if (req.method === 'OPTIONS' && o.corsOrigin !== undefined && origin === o.corsOrigin)
      return finish(204, '', '', preflightHeaders(req.headers['access-control-request-headers']));
    if (req.method !== 'GET')
      return send(
        405,
        { error: `method ${req.method} not allowed: this endpoint is read-only (GET)` },
        { allow: 'GET' },
      );
    if ((req.url ?? '').length > maxUrl) return send(414, { error: `request URL longer than ${maxUrl} bytes` });
    let url: URL;
    try {
      url = requestUrlOf(req.url ?? '/');
    } catch (cause) {
      return send(400, { error: `request URL '${req.url}' cannot be parsed: ${(cause as Error).message}` });
    }
    query = url.searchParams.toString();
    const undecodable = undecodableParameter(url.search);
    if (undecodable !== undefined)
      return send(400, {
        error: `parameter ${undecodable} is not valid percent-encoding of UTF-8 text`,
      });
    const params = (set: ParameterSet): ParameterSource => urlParameterSource(url.searchParams, set);
    const handle = async (): Promise<unknown> => {
      switch (url.pathname) {
        case '/health':
        case '/healthz':
          return { ok: true };
        case '/ready':
          await rollups.ready().catch((e: unknown) => {
            throw new NotReady(`store not reachable: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
          });
          return { ready: true };
        case '/metrics':
          return new TextBody(await metrics.expose());
        case '/query': {
          const q = parseQueryParameters(params('query'));
          const answer = await rollups.query(q);
          const rows = withMissing(
            answer.rows.map((r) => ({
              time: r.time,
              ...Object.fromEntries(q.groupBy.map((d, i) => [d, r.groups[i] ?? null])),
              value: r.value,
            })),
            answer.missing,
          );
          return withHoursRead(rows, true, q);
        }
        case '/facts':
          return rollups.facts(parseFactsParameters(params('facts')));
        case '/trend': {
          const p = parseTrendParameters(params('trend'), new Date());
          return withHoursRead(await rollups.trend(p), url.searchParams.has('end'), lastDaysRange(p.end, p.days));
        }
        case '/diagnose':
          return rollups.diagnose(parseDiagnoseParameters(params('diagnose')));
        case '/attribute': {
          const p = parseAttributeParameters(params('attribute'), new Date());
          return withHoursRead(await rollups.attribute(p), url.searchParams.has('end'), lastDaysRange(p.end, p.days));
        }
        case '/values':
          return rollups.values(parseValuesParameters(params('values'))).catch((e: Error) => {
            throw e.name === 'MissingPartitionError' ? new NotFound(e.message) : e;
          });
        default:
          throw new NotFound(`no route ${url.pathname}: use ${[...routes].join(', ')}`);
      }
    };
    // a file a committed manifest listed, gone by the time it was read: the partition was deleted (retention) or
    // replaced meanwhile, so answer again from what is committed now (real damage fails the second time too)
    handle()
      .catch((e: unknown) => (isVanishedFile(e) ? handle() : Promise.reject(e)))
      .then(
        (body) => {
          if (body instanceof TextBody) return finish(200, body.text, body.contentType, {});
          const missing = (body as { missing?: MissingData } | null)?.missing;
          const read = (body as { hoursRead?: TimeRange } | null)?.hoursRead;
          // the hours read, on a 404 too: a range off the hour that holds no hour start reads nothing
          const readHeader: Record<string, string> = read
            ? { 'x-rollup-hours-read': `${isoOf(read.fromMs)}/${isoOf(read.toMs)}` }
            : {};
          if (missing?.nothingFound)
            return send(
              404,
              {
                error:
                  `no data for ${url.pathname}` +
                  `${hasMissing(missing) ? `: ${describeMissing(missing).join('; ')}` : ''}`,
                missing,
              },
              readHeader,
            );
          send(200, body, { ...(missing && hasMissing(missing) ? missingHeaders(missing) : {}), ...readHeader });
        },
        (e: unknown) => {
          // a transient storage state (a partition being rewritten, a store throttling): retry, 503
          const transient = e instanceof StorageError && e.transient;
          const status =
            e instanceof NotFound
              ? 404
              : e instanceof NotReady || transient
                ? 503
                : e instanceof Error && clientErrorNames.has(e.name)
                  ? 400
                  : e instanceof Error && e.name === 'ConfigError'
                    ? 501 // the server's job config cannot answer this route (no "patterns" section): not the client's
                    : 500;
          const message = e instanceof Error ? e.message : String(e);
          if (status === 500) logger.event('serve_error', serverErrorFields(req.url ?? '', e));
          send(
            status,
            e instanceof NotReady
              ? { ready: false, error: message }
              : { error: status === 500 ? `internal error: ${message}` : message },
            transient ? { 'retry-after': '5' } : {},
          );
        },
      );
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    const status = answerUnparsed(error, socket);
    if (status === undefined) return;
    metrics.observe('other', status, 0);
    logger.event('serve_request', { method: undefined, route: 'other', status, ms: 0, bytes: 0, query: '' });
  });
  server.requestTimeout = o.timeoutMs ?? 10_000;
  server.headersTimeout = Math.min(server.requestTimeout, 10_000);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve(server));
  });
}

class NotFound extends Error {}
class NotReady extends Error {}

/** A non-JSON answer (the Prometheus text of /metrics). */
class TextBody {
  readonly text: string;
  readonly contentType: string;
  constructor(o: { readonly text: string; readonly contentType: string }) {
    this.text = o.text;
    this.contentType = o.contentType;
  }
}

/** The routes the endpoint answers; anything else is counted and logged as `other` (never the raw path). */
/**
 * The answer, carrying (as a non-enumerable `hoursRead`, sent as the X-Rollup-Hours-Read header) the whole hours it
 * read when the range asked for (`asked`, its end given by the request when `endGiven`) is not on the hour.
 */
function withHoursRead<T extends object>(answer: T, endGiven: boolean, asked: TimeRange): T {
  return endGiven && !readsAsAsked(asked)
    ? Object.defineProperty(answer, 'hoursRead', { value: hoursRead(asked) })
    : answer;
}

const routes: ReadonlySet<string> = new Set([
  '/query',
  '/facts',
  '/trend',
  '/diagnose',
  '/attribute',
  '/values',
  '/health',
  '/healthz',
  '/ready',
  '/metrics',
]);

/** The route of a request URL for metrics and the access log: a known path, or `other`. */
/** The route of a request as the handler dispatches it (the parsed URL's path), else `other`. */
function routeOf(requestUrl: string): string {
  let path: string;
  try {
    path = requestUrlOf(requestUrl).pathname;
  } catch {
    return 'other';
  }
  return routes.has(path) ? path : 'other';
}

/** A request target as a URL: a path is the path as sent (`//query` is that path, not a host named query). */
function requestUrlOf(target: string): URL {
  return target.startsWith('/') ? new URL(`http://localhost${target}`) : new URL(target, 'http://localhost');
}

/** The most bytes of a request head (request line and headers) the server reads. */
const maxHeadBytes = 64 * 1024;

/**
 * Answers a request Node's parser refused before any handler ran, as JSON like every other answer: 431 for a head
 * over maxHeadBytes, 408 for a head not received in time, 400 for anything else. Returns the status, or undefined when
 * the connection cannot be answered (reset, or no longer writable).
 */
function answerUnparsed(error: NodeJS.ErrnoException, socket: Duplex): number | undefined {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return undefined;
  }
  const [status, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, `request head (URL and headers) longer than ${maxHeadBytes} bytes`]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request head not received in time']
        : [400, `request cannot be parsed as HTTP/1.1 (${error.code ?? error.message})`];
  const body = JSON.stringify({ error: message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`,
  );
  return status;
}

/**
 * The first `name 'value'` of a query string whose percent-encoding does not decode to UTF-8 text (`%E0%A4`, a lone
 * `%`): URLSearchParams would replace it with U+FFFD or keep it as it is, and the answer be "no data" for a value
 * nobody sent. Undefined when every one decodes.
 */
function undecodableParameter(search: string): string | undefined {
  for (const pair of search.replace(/^\?/, '').split('&')) {
    const [name = '', value = ''] = pair.split(/=(.*)/s);
    for (const part of [name, value]) {
      try {
        decodeURIComponent(part.replace(/\+/g, ' '));
      } catch {
        return `'${name}' value '${value}'`;
      }
    }
  }
  return undefined;
}

/**
 * The answer to a CORS preflight from the allowed origin: GET only, the request headers it asked for if plain names.
 */
function preflightHeaders(requested: string | undefined): Record<string, string> {
  return {
    'access-control-allow-methods': 'GET, OPTIONS',
    ...(requested && /^[A-Za-z0-9-]+(\s*,\s*[A-Za-z0-9-]+)*$/.test(requested)
      ? { 'access-control-allow-headers': requested }
      : {}),
    'access-control-max-age': '600',
  };
}

/** An array answer carrying what was missing as a non-enumerable property: its JSON stays the array. */
function withMissing<T>(rows: T[], missing: MissingData): T[] {
  return Object.defineProperty(rows, 'missing', { value: missing, enumerable: false });
}

/**
 * Response headers listing the days never rolled up or without data, the hours without data and the hours of a
 * partial day not built yet (ISO intervals, end exclusive).
 */
function missingHeaders(m: MissingData): Record<string, string> {
  return {
    ...(m.days.length > 0 ? { 'x-rollup-missing-days': m.days.join(', ') } : {}),
    ...(m.hours.length > 0 ? { 'x-rollup-missing-hours': hourRanges(m.hours).join(', ') } : {}),
    ...((m.notBuilt?.length ?? 0) > 0 ? { 'x-rollup-not-built-hours': hourRanges(m.notBuilt ?? []).join(', ') } : {}),
  };
}

const isoOf = (ms: number): string => new Date(ms).toISOString();

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

/** A file a manifest listed, missing when read (the error itself, or a query's error about it). */
function isVanishedFile(e: unknown): boolean {
  return (
    e instanceof NotFoundError ||
    (e instanceof Error && e.name === 'MissingPartitionError' && e.cause instanceof NotFoundError)
  );
}
