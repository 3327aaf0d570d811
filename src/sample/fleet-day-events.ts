import type { FleetTopology } from './fleet-topology.js';
import { hash2, hashUnit } from './prng.js';

/** What happens to the fleet's brokers on one UTC day: restarts and scrape outages, from the seed and the date only. */
export interface FleetDayEvents {
  readonly dayStartSec: number; // epoch second of 00:00 UTC of the day
  readonly restartAt: Float64Array; // per fleet broker: epoch second of its restart on this day, Infinity for none
  readonly lastRestart: Float64Array; // per fleet broker: epoch second of its last (re)start before this day
  // per fleet broker x 2 windows: seconds since 00:00 from which its samples are missing, Infinity for none
  readonly gapFrom: Float64Array;
  readonly gapTo: Float64Array; // exclusive ends of the same windows
}

/** Number of brokers in the whole fleet (the index space of FleetDayEvents' arrays, in cluster order). */
export function countFleetBrokers(fleet: FleetTopology): number {
  return fleet.clusters.reduce((n, c) => n + c.brokers.length, 0);
}

const firstDay = 18_262; // 2020-01-01: restarts are simulated from here on; brokers started in the 60 days before
const outageShare = 0.06; // share of broker-days with a scrape outage (the exporter is unreachable for 5..40 minutes)

/**
 * Plans the broker events of the day starting at `dayStartSec`: one or two rolling-upgrade restarts in the fleet
 * (the broker is down for 2..7 minutes before it comes back: no samples, then its cumulative counter starts from 0)
 * and a few scrape outages.
 */
export function planFleetDayEvents(fleet: FleetTopology, dayStartSec: number): FleetDayEvents {
  const brokers = countFleetBrokers(fleet);
  const day = Math.floor(dayStartSec / 86_400);
  const key = hash2(fleet.seed, 0xe7e7);
  const restartAt = new Float64Array(brokers).fill(Infinity);
  const lastRestart = new Float64Array(brokers).fill(NaN);
  const gapFrom = new Float64Array(2 * brokers).fill(Infinity);
  const gapTo = new Float64Array(2 * brokers).fill(Infinity);
  for (const [b, at] of restartsOf(key, day, brokers)) {
    restartAt[b] = dayStartSec + at;
    gapFrom[2 * b] = at - 120 - Math.floor(300 * hashUnit(key ^ b, day)); // down before it restarts
    gapTo[2 * b] = at;
  }
  let missing = brokers;
  for (let d = day - 1; d >= firstDay && missing > 0; d--) {
    for (const [b, at] of restartsOf(key, d, brokers)) {
      if (Number.isNaN(lastRestart[b]!)) [lastRestart[b], missing] = [d * 86_400 + at, missing - 1];
    }
  }
  for (let b = 0; b < brokers; b++) {
    if (Number.isNaN(lastRestart[b]!))
      lastRestart[b] = (firstDay - 1 - Math.floor(60 * hashUnit(key ^ 0x5a, b))) * 86_400;
    const bk = hash2(key ^ 0x0a7a, b);
    if (hashUnit(bk, day) < outageShare) {
      const from = Math.floor(82_000 * hashUnit(bk ^ 1, day));
      gapFrom[2 * b + 1] = from;
      gapTo[2 * b + 1] = from + 300 + Math.floor(2100 * hashUnit(bk ^ 2, day));
    }
  }
  return { dayStartSec, restartAt, lastRestart, gapFrom, gapTo };
}

/** The restarts of a day: [broker, seconds since 00:00 UTC], one or two distinct brokers, between 01:00 and 23:00. */
function restartsOf(key: number, day: number, brokers: number): [number, number][] {
  const dk = hash2(key, day);
  const n = 1 + (hash2(dk, 0) % 2);
  const out: [number, number][] = [];
  for (let j = 1; j <= n; j++) {
    const b = hash2(dk, j) % brokers;
    if (!out.some(([other]) => other === b)) out.push([b, 3600 + Math.floor(79_200 * hashUnit(dk ^ 0x77, j))]);
  }
  return out;
}
