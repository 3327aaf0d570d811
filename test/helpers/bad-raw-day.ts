import { readFile } from 'node:fs/promises';

/** The partition day the fault tests use. */
export const date = '2026-11-24';

/** Key of the extra raw object a fault case adds (hour 05, beside the generated part-N files). */
export const faultKey = `raw/dt=${date}/hr=05/part-fault.parquet`;

/** The parts of a committed manifest the fault tests read. */
export interface RollupManifest {
  readonly runId: string;
  readonly inputs: readonly { key: string; size: number; etag?: string; mtimeMs?: number }[];
  readonly outputs: readonly { key: string; rows: number; bytes: number; sha256: string }[];
  readonly rows: {
    in: number;
    late?: number;
    routed?: number;
    accepted: number;
    out: number;
    rejected: Record<string, number>;
  };
  readonly unknownMetrics: Record<string, number>;
  readonly missingDimensions: readonly { key: string; columns: readonly string[] }[];
  readonly cube?: {
    readonly records: readonly { key: string; sha256: string }[];
    readonly cuboidFiles: readonly { key: string; sha256: string }[];
    readonly cuboids: readonly { name: string; dimensions: readonly string[]; groupingId: number }[];
  };
  readonly segments?: {
    readonly list: readonly { readonly cube?: { readonly tree: { key: string; sha256: string } } }[];
  };
}

/** Path of the day's manifest under a local store directory. */
export function manifestPath(store: string): string {
  return `${store}/rollup/hour/dt=${date}/_manifest.json`;
}

/** The committed manifest of the day on a local store. */
export async function readManifest(store: string): Promise<RollupManifest> {
  return JSON.parse(await readFile(manifestPath(store), 'utf8')) as RollupManifest;
}

const defaultColumns: readonly (readonly [string, string])[] = [
  ['timestamp', `TIMESTAMP '${date} 05:00:00' + to_seconds(i * 7)`], // TIMESTAMP (us), inside hour 05
  ['metric', `'cpu_usage'`],
  ['value', `((i % 13) * 1.25)::DOUBLE`],
  ['region', `'eu-west-1'`],
  ['tenant', `'tn-faults'`],
  ['cluster', `'lkc-faults'`],
  ['broker', `'broker-' || (i % 2)`],
  ['topic', `NULL::VARCHAR`],
  ['partition', `NULL::INTEGER`],
];

/**
 * A DuckDB SELECT of `rows` raw rows in the sample day's schema (row number `i`), with some column
 * expressions replaced and some columns left out.
 */
export function goodRawSql(
  rows: number,
  replace: Readonly<Record<string, string>> = {},
  omit: readonly string[] = [],
): string {
  const cols = defaultColumns
    .filter(([name]) => !omit.includes(name))
    .map(([name, expr]) => `${replace[name] ?? expr} AS "${name}"`);
  return `SELECT ${cols.join(', ')} FROM range(0, ${rows}) t(i)`;
}
