import { buildFleet, type FleetTopology } from './fleet-topology.js';
import { planSampleSeries, type SampleSeries } from './sample-series.js';

/** A fleet and its series, large enough for a wanted series count. */
export interface GrownFleet {
  readonly fleet: FleetTopology;
  readonly series: SampleSeries;
}

/**
 * The seed's fleet when it holds `wanted` series; otherwise a fleet of the same seed with more clusters, enough to
 * hold them (grown by the shortfall, so it may hold more), deterministic.
 */
export function growFleet(seed: number, filesPerHour: number, wanted: number): GrownFleet {
  let fleet = buildFleet(seed);
  let series = planSampleSeries(fleet, filesPerHour);
  while (series.count < wanted) {
    // clusters hold similar numbers of series on average: scale by the shortfall, at least one more cluster
    const clusters = Math.max(
      fleet.clusters.length + 1,
      Math.ceil((fleet.clusters.length * wanted * 1.02) / series.count),
    );
    fleet = buildFleet(seed, clusters);
    series = planSampleSeries(fleet, filesPerHour);
  }
  return { fleet, series };
}
