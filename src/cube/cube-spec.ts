import type { StarTreeLayout } from './star-tree.js';

/** The cube part of a job definition (validated by the config layer). */
export interface CubeSpec {
  readonly dimensionsSplitOrder: readonly string[]; // 'metric' and dimension names, in split order
  readonly skipStarNodeCreationFor: readonly string[];
  readonly maxLeafRecords: number; // T
  readonly hierarchy: Readonly<Record<string, string>>; // child -> parent
  readonly cuboids: readonly { readonly name: string; readonly dimensions: readonly string[] }[];
}

/** The builder's view of a spec: level 0 is the time bucket (never starred), level i + 1 is split dimension i. */
export function resolveLayout(spec: CubeSpec): StarTreeLayout {
  const order = spec.dimensionsSplitOrder;
  const levelOf = (name: string): number => order.indexOf(name) + 1;
  const starAlso = [
    [],
    ...order.map((d) =>
      descendantsOf(d, spec.hierarchy)
        .map(levelOf)
        .sort((a, b) => a - b),
    ),
  ];
  return {
    dimensions: order,
    skipStar: [true, ...order.map((d) => spec.skipStarNodeCreationFor.includes(d))],
    starAlso,
    maxLeafRecords: spec.maxLeafRecords,
  };
}

/** Every dimension below `name` in the hierarchy (children, their children, ...). */
export function descendantsOf(name: string, hierarchy: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  for (const [child, parent] of Object.entries(hierarchy)) {
    if (parent === name) out.push(child, ...descendantsOf(child, hierarchy));
  }
  return out;
}

/** Every dimension above `name` in the hierarchy (parent, its parent, ...). */
export function ancestorsOf(name: string, hierarchy: Readonly<Record<string, string>>): string[] {
  const parent = Object.hasOwn(hierarchy, name) ? hierarchy[name] : undefined; // a dimension may be named 'constructor'
  return parent === undefined ? [] : [parent, ...ancestorsOf(parent, hierarchy)];
}

/** SQL GROUPING_ID-style mask: bit i set when split dimension i is aggregated away (STAR). */
export function groupingIdOf(kept: readonly string[], order: readonly string[]): number {
  return order.reduce((mask, d, i) => (kept.includes(d) ? mask : mask | (1 << i)), 0);
}
