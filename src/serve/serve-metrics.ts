import { Counter, Histogram, Registry } from 'prom-client';
import type { CubeCacheCounts } from '../query/cube-cache.js';

/** The endpoint's own Prometheus metrics (a registry of its own, not prom-client's global one). */
export interface ServeMetrics {
  /** Counts one answered request and its latency, by route (never the raw URL) and status. */
  observe(route: string, status: number, seconds: number): void;
  /** The Prometheus text exposition of every metric, and its content type. */
  expose(): Promise<{ readonly text: string; readonly contentType: string }>;
}

/** Creates the endpoint's metrics; `cacheCounts` (when given) is read at every scrape into the cube-cache counters. */
export function createServeMetrics(cacheCounts?: () => Readonly<CubeCacheCounts>): ServeMetrics {
  const registry = new Registry();
  const requests = new Counter({
    name: 'telemetry_rollup_serve_requests_total',
    help: 'HTTP requests answered, by route and status',
    labelNames: ['route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'telemetry_rollup_serve_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route',
    labelNames: ['route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  if (cacheCounts) {
    new Counter({
      name: 'telemetry_rollup_serve_cube_cache_total',
      help: 'Day-cube cache lookups: hit (from memory), miss (first load), reload (the committed manifest changed)',
      labelNames: ['outcome'] as const,
      registers: [registry],
      collect() {
        const c = cacheCounts();
        this.reset();
        this.inc({ outcome: 'hit' }, c.hits);
        this.inc({ outcome: 'miss' }, c.misses);
        this.inc({ outcome: 'reload' }, c.reloads);
      },
    });
  }
  return {
    observe(route, status, seconds) {
      requests.inc({ route, status: String(status) });
      latency.observe({ route }, seconds);
    },
    async expose() {
      return { text: await registry.metrics(), contentType: registry.contentType };
    },
  };
}
