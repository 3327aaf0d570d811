import { loadJobConfig } from '../../config/load-job-config.js';
import { listDimensionValues, type DimensionValues } from '../../query/list-dimension-values.js';
import { QueryError } from '../../query/run-query.js';
import { openStore } from '../../storage/open-store.js';
import { parsePartitionDate } from '../../storage/partition-path.js';

/** Options of `telemetry-rollup values`. */
export interface ValuesOptions {
  readonly store: string;
  readonly config?: string;
  readonly dim: string;
  readonly where: readonly string[]; // d=v1,v2 (repeatable)
  readonly from?: string;
  readonly to?: string;
  readonly tier: 'hour' | 'day';
  readonly format: 'table' | 'json';
}

/**
 * `values`: the distinct values of one dimension in the committed partitions (for Grafana template variables and
 * people).
 */
export async function valuesCommand(o: ValuesOptions): Promise<DimensionValues> {
  const config = await loadJobConfig(o.config);
  const store = openStore(o.store, { syncReads: true }); // one-shot: nothing to do while it waits
  const range = {
    ...(o.from ? { from: parsePartitionDate(o.from) } : {}),
    ...(o.to ? { to: parsePartitionDate(o.to) } : {}),
  };
  const answer = await listDimensionValues(store, config, {
    dim: o.dim,
    where: parseWhere(o.where),
    range,
    grain: o.tier,
  });
  if (o.format === 'json') process.stdout.write(JSON.stringify(answer, null, 2) + '\n');
  else
    process.stdout.write(
      `${answer.values.join('\n')}${answer.values.length > 0 ? '\n' : ''}# ${answer.values.length} distinct ${o.dim} ` +
        `values in ${answer.partitions.length} committed ${o.tier} partitions (${answer.partitions[0]} ` +
        `to ${answer.partitions.at(-1)})\n`,
    );
  return answer;
}

/** `dim=v1,v2` conditions into a null-prototype lookup (dimension names are data). */
export function parseWhere(conditions: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (const c of conditions) {
    const eq = c.indexOf('=');
    if (eq <= 0) throw new QueryError(`values --where '${c}' is not of the form dimension=value[,value...]`);
    const dim = c.slice(0, eq);
    out[dim] = [...(out[dim] ?? []), ...c.slice(eq + 1).split(',')];
  }
  return out;
}
