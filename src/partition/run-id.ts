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

/** The start time a run id records (epoch ms); undefined for an id of another form. */
export function runStartMs(runId: string): number | undefined {
  const m = /(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-[0-9a-f]{8}$/.exec(runId);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}
