import { displayValue } from '../../serve/display-value.js';
import { loadJobConfig } from '../../config/load-job-config.js';
import { listDimensionValues, type DimensionValues } from '../../query/list-dimension-values.js';
import { cliParameterSource, parseValuesParameters } from '../../query/query-parameters.js';
import { openStore } from '../../storage/open-store.js';

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
  // the one parser of `values` parameters, the endpoint's too
  const answer = await listDimensionValues(
    store,
    config,
    parseValuesParameters(cliParameterSource('values', { ...o })),
  );
  if (o.format === 'json') process.stdout.write(JSON.stringify(answer, null, 2) + '\n');
  else
    process.stdout.write(
      `${answer.values.map(displayValue).join('\n')}${answer.values.length > 0 ? '\n' : ''}# ${answer.values.length} distinct ${o.dim} ` +
        `values in ${answer.partitions.length} committed ${o.tier} partitions (${answer.partitions[0]} ` +
        `to ${answer.partitions.at(-1)})\n`,
    );
  return answer;
}
