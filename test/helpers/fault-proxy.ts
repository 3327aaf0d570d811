import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A fault the proxy can inject instead of (or on top of) forwarding a request. `truncateBody` is opt-in: it forwards,
 * sends the upstream status and headers (Content-Length included) and half of the body, then destroys the connection.
 */
export type FaultKind = 'slowDown' | 'internalError' | 'reset' | 'delay' | 'truncateBody';

/** The default fault kinds, in the order the PRNG picks from. */
export const faultKinds: readonly Exclude<FaultKind, 'truncateBody'>[] = [
  'slowDown',
  'internalError',
  'reset',
  'delay',
];

/** The one address the proxy forwards to; anything else is refused at start. */
export const loopback = '127.0.0.1';

/** Options of a fault-injecting proxy. */
export interface FaultProxyOptions {
  readonly targetPort: number; // port of the upstream server on 127.0.0.1
  readonly targetHost?: string; // must be '127.0.0.1' (the default); any other value is refused
  readonly seed: number; // PRNG seed: the same seed gives the same fault sequence over arriving requests
  readonly faultRate: number; // fraction of eligible requests that get a fault, 0..1
  readonly kinds?: readonly FaultKind[]; // which faults, equally likely; default all four
  readonly maxDelayMs?: number; // upper bound of an injected delay, ms; default 300
  // which requests may be faulted (path percent-decoded, no query); default every one
  readonly eligible?: (method: string, path: string) => boolean;
}

/** What the proxy did so far. */
export interface FaultCounts {
  requests: number; // requests received (origin-form or absolute-form)
  forwarded: number; // requests sent upstream (delayed ones included)
  slowDown: number; // answered 503 SlowDown without forwarding
  internalError: number; // answered 500 InternalError without forwarding
  reset: number; // connection destroyed without an answer
  delay: number; // forwarded, response held back up to maxDelayMs
  truncateBody: number; // forwarded, connection destroyed halfway through the response body
  refused: number; // CONNECT / Upgrade requests refused (the proxy is not a tunnel)
  upstreamErrors: number; // upstream connection failures (client connection destroyed)
}

/** A running proxy on 127.0.0.1. */
export interface FaultProxy {
  readonly endpoint: string; // http://127.0.0.1:PORT
  readonly port: number;
  readonly counts: Readonly<FaultCounts>; // live counters
  readonly decisions: readonly (FaultKind | 'none')[]; // per request, in arrival order
  readonly upstreamAddresses: ReadonlySet<string>; // remote address of every upstream connection actually made
  /** Closes the listener, every client and upstream connection and pending delay; bounded by `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

/** A 32-bit seeded PRNG (mulberry32): deterministic, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An S3 XML error body, as AWS sends it. */
export function s3ErrorXml(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId><HostId>fault-proxy</HostId></Error>`;
}

/**
 * The path and query a request line names: origin-form ('/bucket/key?x') verbatim, and only the path and query of an
 * absolute-form target ('GET http://host/...'), whose host is never followed.
 */
export function originForm(url: string | undefined): string {
  if (url === undefined || url === '') return '/';
  if (url.startsWith('/')) return url;
  try {
    const parsed = new URL(url);
    return `${parsed.pathname}${parsed.search}`;
  } catch {
    return `/${url}`;
  }
}

/** The percent-decoded path of an origin-form target, without the query ('/b/raw/dt%3D2026' -> '/b/raw/dt=2026'). */
function decodedPath(target: string): string {
  const path = target.replace(/\?.*$/s, '');
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'upgrade',
  'expect',
]);

/**
 * Starts an HTTP proxy on 127.0.0.1 (random port) in front of a server on 127.0.0.1:`targetPort`.
 * Per request it draws from a seeded PRNG: with probability `faultRate` it answers 503 SlowDown or 500 InternalError
 * (S3 XML bodies), destroys the connection, or forwards and holds the response back up to `maxDelayMs`.
 * It forwards only to 127.0.0.1:`targetPort`, whatever the request line or Host header says, and refuses CONNECT.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const targetHost = options.targetHost ?? loopback;
  if (targetHost !== loopback)
    throw new Error(`fault-proxy target host '${targetHost}' refused: only ${loopback} is allowed`);
  if (!Number.isInteger(options.targetPort) || options.targetPort < 1 || options.targetPort > 65535) {
    throw new Error(`fault-proxy target port ${options.targetPort} is not in 1..65535`);
  }
  if (!(options.faultRate >= 0 && options.faultRate <= 1))
    throw new Error(`fault-proxy fault rate ${options.faultRate} is not in 0..1`);
  const kinds = options.kinds ?? faultKinds;
  if (kinds.length === 0) throw new Error('fault-proxy needs at least one fault kind');
  const maxDelayMs = options.maxDelayMs ?? 300;
  const random = seededRandom(options.seed);
  const counts: FaultCounts = {
    requests: 0,
    forwarded: 0,
    slowDown: 0,
    internalError: 0,
    reset: 0,
    delay: 0,
    truncateBody: 0,
    refused: 0,
    upstreamErrors: 0,
  };
  const decisions: (FaultKind | 'none')[] = [];
  const upstreamAddresses = new Set<string>();
  const clientSockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });

  /**
   * Draws the fault of the next request: always three draws, so the sequence does not depend on which requests are
   * eligible.
   */
  const decide = (eligible: boolean): { kind: FaultKind | 'none'; delayMs: number } => {
    const [r, k, d] = [random(), random(), random()];
    if (!eligible || r >= options.faultRate) return { kind: 'none', delayMs: 0 };
    return {
      kind: kinds[Math.min(kinds.length - 1, Math.floor(k * kinds.length))]!,
      delayMs: Math.floor(d * (maxDelayMs + 1)),
    };
  };

  const answerError = (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    code: string,
    message: string,
  ): void => {
    const requestId = `FAULT${String(counts.requests).padStart(8, '0')}`;
    const body = s3ErrorXml(code, message, requestId);
    const send = (): void => {
      res.writeHead(status, {
        'content-type': 'application/xml',
        'content-length': Buffer.byteLength(body),
        'x-amz-request-id': requestId,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    // Read the request body first so the client is never writing into a closed socket.
    if (req.readableEnded) send();
    else req.on('end', send).resume();
  };

  const forward = (req: IncomingMessage, res: ServerResponse, delayMs: number, truncate = false): void => {
    counts.forwarded++;
    const headers: IncomingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) if (!hopByHop.has(name)) headers[name] = value;
    const upstream = httpRequest({
      host: loopback,
      port: options.targetPort,
      method: req.method,
      path: originForm(req.url),
      headers,
      agent,
    });
    const record = (socket: Socket): void => {
      const note = (): void => void (socket.remoteAddress !== undefined && upstreamAddresses.add(socket.remoteAddress));
      if (socket.connecting) socket.once('connect', note);
      else note();
    };
    upstream.on('socket', record);
    upstream.on('error', () => {
      counts.upstreamErrors++;
      req.socket.destroy();
    });
    upstream.on('response', (upRes) => {
      const relay = (): void => {
        if (res.destroyed) {
          upRes.destroy();
          return;
        }
        const out: IncomingHttpHeaders = {};
        for (const [name, value] of Object.entries(upRes.headers)) if (!hopByHop.has(name)) out[name] = value;
        res.writeHead(upRes.statusCode ?? 502, out);
        if (!truncate) {
          upRes.pipe(res);
          return;
        }
        const length = Number(upRes.headers['content-length'] ?? 0);
        let sent = 0;
        const cut = (): void => {
          upRes.destroy();
          res.socket?.destroy();
        };
        if (req.method === 'HEAD' || length < 2) {
          res.flushHeaders();
          cut();
          return;
        }
        upRes.on('data', (chunk: Buffer) => {
          const room = Math.floor(length / 2) - sent;
          if (room <= 0) return;
          const part = chunk.subarray(0, room);
          sent += part.length;
          res.write(part);
          if (sent >= Math.floor(length / 2)) setImmediate(cut);
        });
      };
      if (delayMs > 0) {
        upRes.pause();
        const timer = setTimeout(() => {
          timers.delete(timer);
          relay();
        }, delayMs);
        timers.add(timer);
      } else relay();
    });
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };

  const server = createServer((req, res) => {
    counts.requests++;
    const path = decodedPath(originForm(req.url));
    const { kind, delayMs } = decide(options.eligible?.(req.method ?? '', path) ?? true);
    decisions.push(kind);
    switch (kind) {
      case 'slowDown':
        counts.slowDown++;
        return answerError(req, res, 503, 'SlowDown', 'Please reduce your request rate.');
      case 'internalError':
        counts.internalError++;
        return answerError(req, res, 500, 'InternalError', 'We encountered an internal error. Please try again.');
      case 'reset':
        counts.reset++;
        req.socket.destroy();
        return;
      case 'delay':
        counts.delay++;
        return forward(req, res, delayMs);
      case 'truncateBody':
        counts.truncateBody++;
        return forward(req, res, 0, true);
      case 'none':
        return forward(req, res, 0);
    }
  });
  // idle client connections stay open through the client's retry back-off, as S3's do: Node's default of 5 s closed a
  // connection the client was reusing at that moment, and its last attempt failed with ECONNRESET instead of the fault
  server.keepAliveTimeout = 120_000;
  server.on('connection', (socket: Socket) => {
    clientSockets.add(socket);
    socket.on('close', () => clientSockets.delete(socket));
  });
  const refuse = (_req: IncomingMessage, socket: Socket): void => {
    counts.refused++;
    socket.end('HTTP/1.1 405 Method Not Allowed\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  };
  server.on('connect', refuse);
  server.on('upgrade', refuse);
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, loopback, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  let stopped: Promise<void> | undefined;
  const stop = (timeoutMs = 5_000): Promise<void> =>
    (stopped ??= new Promise<void>((resolve, reject) => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const guard = setTimeout(() => reject(new Error(`fault-proxy did not close within ${timeoutMs} ms`)), timeoutMs);
      server.close(() => {
        clearTimeout(guard);
        resolve();
      });
      for (const s of clientSockets) s.destroy();
      agent.destroy();
    }));

  return { endpoint: `http://${loopback}:${port}`, port, counts, decisions, upstreamAddresses, stop };
}
