/**
 * A run's id, as manifests and leases record it: its start time (compact ISO-8601) and 32 random bits. The bits come
 * from Math.random, which V8 seeds in each process from Node's CSPRNG: every command makes a run id, and loading
 * node:crypto for 4 bytes cost each of them ~8 ms of start-up.
 */
export function newRunId(start: Date, prefix = ''): string {
  const suffix = Math.floor(Math.random() * 0x1_0000_0000)
    .toString(16)
    .padStart(8, '0');
  return `${prefix}${start.toISOString().replace(/[-:.]/g, '')}-${suffix}`;
}
