import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** What our full hour-tier run reports about itself; undefined where the run or its manifest does not say. */
export interface RunFacts {
  readonly baseRecords: number | undefined;
  readonly cubeRecords: number | undefined; // star-tree records, the base records included
  readonly cuboidRows: number | undefined;
  readonly cubeMs: number | undefined; // the cube phase, summed over partition_encoded events (one per segment)
  readonly cubeCpuMs: number | undefined; // its CPU time, every thread of the process (partition_encoded cubeCpuMs)
  // the build threads' time per base record (segment_built events): every segment, and the steady state (each
  // thread's first `warmUpSegments` left out: its code is still being compiled)
  readonly buildNsPerRecord: number | undefined;
  readonly steadyNsPerRecord: number | undefined;
  readonly segments: number | undefined;
  readonly shards: number | undefined;
  readonly spillBytes: number | undefined;
}

/** The facts of a run that failed: none. */
export const noFacts: RunFacts = {
  baseRecords: undefined,
  cubeRecords: undefined,
  cuboidRows: undefined,
  cubeMs: undefined,
  cubeCpuMs: undefined,
  buildNsPerRecord: undefined,
  steadyNsPerRecord: undefined,
  segments: undefined,
  shards: undefined,
  spillBytes: undefined,
};

type Json = Record<string, unknown>;

const at = (o: unknown, ...keys: string[]): unknown =>
  keys.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Json)[k] : undefined), o);

/** A count: a number as is, an array's length, or an object's `count`. */
function countOf(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (Array.isArray(v)) return v.length;
  const count = at(v, 'count');
  return typeof count === 'number' ? count : undefined;
}

/** The sum of a numeric field over events, undefined when no event has it. */
function sumOf(events: readonly Json[], field: string, event?: string): number | undefined {
  const values = events
    .filter((e) => event === undefined || e.event === event)
    .map((e) => e[field])
    .filter((v): v is number => typeof v === 'number');
  return values.length > 0 ? values.reduce((a, b) => a + b, 0) : undefined;
}

/**
 * Reads the facts of a run from its JSON log events and its committed hour manifest: segments and shards from the
 * manifest's `segments` section, spilled bytes from the `partition_encoded` event.
 */
export async function readRunFacts(manifestPath: string, events: readonly Json[]): Promise<RunFacts> {
  const m: unknown = existsSync(manifestPath) ? JSON.parse(await readFile(manifestPath, 'utf8')) : undefined;
  const cuboids = at(m, 'cube', 'cuboids');
  const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
  return {
    baseRecords: num(at(m, 'rows', 'out')) ?? sumOf(events, 'rows', 'partition_encoded'),
    cubeRecords: sumOf(events, 'cubeRecords', 'partition_encoded'),
    cuboidRows: Array.isArray(cuboids) ? cuboids.reduce((a: number, c) => a + (num(at(c, 'rows')) ?? 0), 0) : undefined,
    cubeMs: sumOf(events, 'cubeMs', 'partition_encoded'),
    cubeCpuMs: sumOf(events, 'cubeCpuMs', 'partition_encoded'),
    ...segmentBuildNs(events),
    segments: countOf(at(m, 'segments', 'list')) ?? lastOf(events, 'segments'),
    shards: num(at(m, 'segments', 'shards')) ?? lastOf(events, 'shards'),
    spillBytes: sumOf(events, 'spilledBytes', 'partition_encoded'),
  };
}

/** Segments each build thread builds before its time counts as steady (measured: the third is at speed). */
export const warmUpSegments = 2;

/** Build-thread ns per base record over the segment_built events: all of them, and past each thread's warm-up. */
export function segmentBuildNs(events: readonly Json[]): Pick<RunFacts, 'buildNsPerRecord' | 'steadyNsPerRecord'> {
  const built = events.filter((e) => e.event === 'segment_built');
  const seen = new Map<unknown, number>(); // segments per thread so far
  const steady = built.filter((e) => {
    const n = seen.get(e.thread) ?? 0;
    seen.set(e.thread, n + 1);
    return n >= warmUpSegments;
  });
  const nsPerRecord = (list: readonly Json[]): number | undefined => {
    const [ms, rows] = [sumOf(list, 'ms'), sumOf(list, 'rows')];
    return ms !== undefined && rows ? (ms * 1e6) / rows : undefined;
  };
  return { buildNsPerRecord: nsPerRecord(built), steadyNsPerRecord: nsPerRecord(steady) };
}

function lastOf(events: readonly Json[], field: string): number | undefined {
  return events.map((e) => countOf(e[field])).findLast((v) => v !== undefined);
}

/**
 * Whether our `query --format json` answer and DuckDB's agree: the same hours, values within 1e-9 relative; or why
 * not.
 */
export function compareAnswers(ours: string, duck: string): string {
  const parse = (s: string): { time: string; value: number }[] =>
    (JSON.parse(s.trim().split('\n').pop() || '[]') as { time: string; value: number | string }[]).map((r) => ({
      time: new Date(r.time).toISOString(),
      value: Number(r.value),
    }));
  const [a, b] = [parse(ours), parse(duck)];
  if (a.length !== b.length) return `differ: ${a.length} vs ${b.length} rows`;
  if (a.length === 0) return 'no data on both sides';
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i]!, b[i]!];
    if (x.time !== y.time) return `differ: hour ${x.time} vs ${y.time}`;
    if (Math.abs(x.value - y.value) > 1e-9 * Math.max(1, Math.abs(y.value)))
      return `differ at ${x.time}: ${x.value} vs ${y.value}`;
  }
  return `same (${a.length} rows)`;
}
