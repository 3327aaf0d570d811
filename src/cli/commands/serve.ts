import type { Logger } from '../../logger.js';
import { openRollups } from '../../serve/open-rollups.js';
import { serveRollups } from '../../serve/serve-rollups.js';

/** Options of `telemetry-rollup serve`. */
export interface ServeOptions {
  readonly store: string;
  readonly config?: string;
  readonly host: string; // address to listen on
  readonly port: number; // 0: any free port
  readonly corsOrigin?: string; // the one browser origin allowed to read answers
  readonly cache?: number; // bytes of segments kept (LRU); default openRollups'
}

/** `serve`: answers queries over HTTP until SIGTERM or SIGINT, then closes the server. */
export async function serveCommand(o: ServeOptions, logger: Logger): Promise<void> {
  const server = await serveRollups(
    await openRollups({ ...o, ...(o.cache !== undefined ? { cacheBytes: o.cache } : {}) }),
    {
      host: o.host,
      port: o.port,
      logger,
      ...(o.corsOrigin !== undefined ? { corsOrigin: o.corsOrigin } : {}),
    },
  );
  const address = server.address();
  logger.event('serving', { host: o.host, port: typeof address === 'object' && address ? address.port : o.port });
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => server.close(() => resolve()));
    process.once('SIGINT', () => server.close(() => resolve()));
  });
}
