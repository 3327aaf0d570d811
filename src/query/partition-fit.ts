import type { Manifest } from '../partition/manifest.js';
import type { QueryAggregate } from './query-choices.js';

/** What a query needs of a committed partition besides its hours: the columns and series it was built with. */
export interface PartitionNeeds {
  readonly metric: string;
  readonly agg: QueryAggregate;
  readonly referenced: ReadonlySet<string>; // 'metric' and the dimensions grouped or filtered on
  // the job's raw dimensions, which tell series apart (absent: not checked)
  readonly seriesDimensions?: readonly string[] | undefined;
  readonly distinctOf?: readonly string[] | undefined; // the dimensions a distinct metric counts (absent: not checked)
}

/**
 * Why a committed partition cannot answer a query exactly, or undefined when it can. A partition rolled up under
 * another job config may lack what the query asks for: a dimension it groups or filters on (not in the partition's
 * split order), the metric itself (skipped as uncatalogued then), or, for `last` and `increase`, a dimension that
 * tells series apart (the partition's series then merge several of today's, whose samples interleave). `built` is the
 * hour tier's manifest of the day, where the raw rows' series and skipped metrics are recorded (undefined: only the
 * split order is checked). A `distinct` answer needs the metric's sketches to count what it counts now (its
 * `distinctOf`, recorded in manifests written since 2026-11-28; older ones are not checked).
 */
export function whyUnfit(
  needs: PartitionNeeds,
  splitOrder: readonly string[],
  built: Pick<Manifest, 'dimensions' | 'unknownMetrics' | 'distinctOf'> | undefined,
): string | undefined {
  const lacking = [...needs.referenced].filter((d) => !splitOrder.includes(d));
  if (lacking.length > 0) return `rolled up without ${namesOf('dimension', lacking)}`;
  if (!built) return undefined;
  const skipped = built.unknownMetrics[needs.metric] ?? 0;
  if (skipped > 0)
    return `rolled up while metric '${needs.metric}' was not in the catalog: its ${skipped} raw rows were skipped`;
  const counted = built.distinctOf?.[needs.metric];
  if (
    needs.agg === 'distinct' &&
    needs.distinctOf &&
    counted &&
    counted.join('\u0000') !== needs.distinctOf.join('\u0000')
  )
    return `rolled up while '${needs.metric}' counted distinct ${counted.join(', ')}, not ${needs.distinctOf.join(', ')}`;
  if (needs.agg !== 'last' && needs.agg !== 'increase') return undefined;
  const merged = (needs.seriesDimensions ?? []).filter((d) => !built.dimensions.includes(d));
  if (merged.length > 0)
    return (
      `rolled up without ${namesOf('dimension', merged)}, which ${merged.length > 1 ? 'tell' : 'tells'} series ` +
      `apart: each of its series merges several of this config's, whose ${needs.agg} cannot be taken apart`
    );
  return undefined;
}

function namesOf(noun: string, names: readonly string[]): string {
  return `${noun}${names.length > 1 ? 's' : ''} ${names.map((n) => `'${n}'`).join(', ')}`;
}
