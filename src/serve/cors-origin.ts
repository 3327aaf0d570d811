import { InvalidArgumentError } from 'commander';

/**
 * A CORS origin as `serve --cors-origin` takes it: a scheme, host and optional port with nothing else
 * (`https://grafana.example`, `http://localhost:3000`); the browser's Origin header is compared with it exactly.
 */
export function parseCorsOrigin(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.origin !== value.replace(/\/$/, ''))
    throw new InvalidArgumentError(
      `'${value}' is not an origin: give a scheme, host and optional port only (https://grafana.example)`,
    );
  return url.origin;
}

/** The CORS response headers for a request from `requestOrigin` when `allowed` is configured (none otherwise). */
export function corsHeaders(allowed: string | undefined, requestOrigin: string | undefined): Record<string, string> {
  if (allowed === undefined) return {};
  return requestOrigin === allowed
    ? {
        'access-control-allow-origin': allowed,
        'access-control-expose-headers':
          'x-rollup-missing-days, x-rollup-missing-hours, x-rollup-not-built-hours, x-rollup-hours-read',
        vary: 'Origin',
      }
    : { vary: 'Origin' };
}
