import { randomBytes } from 'node:crypto';

/** A run's id, as manifests and leases record it: its start time (compact ISO-8601) and a random suffix. */
export function newRunId(start: Date, prefix = ''): string {
  return `${prefix}${start.toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`;
}
