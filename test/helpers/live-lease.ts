import { hostname } from 'node:os';

/**
 * The body of a run's lease as a live run on this host leaves it: `pid` (default this test's process, alive) and an
 * expiry `expiresInMs` from now (negative: expired).
 */
export function leaseBody(o: { pid?: number; expiresInMs?: number; purpose?: 'run' | 'gc' } = {}): string {
  const now = Date.now();
  return `${JSON.stringify({
    runId: '20261129T000000000Z-test0000',
    host: hostname(),
    pid: o.pid ?? process.pid,
    acquiredAt: new Date(now).toISOString(),
    expiresAt: new Date(now + (o.expiresInMs ?? 60_000)).toISOString(),
    ttlMs: 120_000,
    purpose: o.purpose ?? 'run',
  })}\n`;
}
