import { groupingIdOf, type CubeSpec } from '../cube/cube-spec.js';
import type { EncodedCube } from '../partition/encoded-cube.js';

/** The declared cuboids in grouping_id order, with their rows over every segment. */
export function cuboidsOf(spec: CubeSpec, rows: ReadonlyMap<string, number>): EncodedCube['cuboids'] {
  return spec.cuboids
    .map((c) => ({
      name: c.name,
      dimensions: c.dimensions,
      groupingId: groupingIdOf(c.dimensions, spec.dimensionsSplitOrder),
      rows: rows.get(c.name) ?? 0,
    }))
    .sort((a, b) => a.groupingId - b.groupingId);
}
