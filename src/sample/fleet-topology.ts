import { Prng, zipfWeights } from './prng.js';

/** A cloud region the fleet runs in. */
export interface FleetRegion {
  readonly name: string; // e.g. 'us-east-1'
  readonly utcOffsetHours: number; // local time of the region's users minus UTC, hours (drives the diurnal cycle)
}

/** A customer of the fleet; tenant 0 is the hottest (Zipf rank 1). */
export interface FleetTenant {
  readonly name: string; // e.g. 'tn-0042-northwind'
  readonly homeRegion: number; // index into FleetTopology.regions
  readonly weight: number; // Zipf activity weight, 1 for the hottest tenant, in (0, 1]
}

/** One topic of a cluster, with its partitions and their leaders. */
export interface FleetTopic {
  readonly name: string; // unique within its cluster
  readonly partitions: number; // partition count, 1..32
  readonly leaders: readonly number[]; // leaders[p] = index of the broker leading partition p
  readonly bytesInPerSec: number; // mean produce rate of the whole topic, bytes per second (0 for idle topics)
  readonly consumerGroups: number; // groups reading the topic, 0..6 (sent bytes = received bytes x groups)
  readonly batchBytes: number; // mean produce request size, bytes
  readonly retentionHours: number; // retention.ms of the topic, hours
}

/** One Kafka cluster owned by a tenant. */
export interface FleetCluster {
  readonly name: string; // e.g. 'lkc-3f9a1'
  readonly tenant: number; // index into FleetTopology.tenants
  readonly region: number; // index into FleetTopology.regions
  readonly brokers: readonly string[]; // broker names, 'broker-0' .. 'broker-(n-1)', 3..12 of them
  readonly topics: readonly FleetTopic[]; // 2..40 topics
}

/** The whole simulated fleet; the same seed always gives the same topology. */
export interface FleetTopology {
  readonly seed: number; // the seed it was built from
  readonly regions: readonly FleetRegion[];
  readonly tenants: readonly FleetTenant[];
  readonly clusters: readonly FleetCluster[];
}

const regionTable: readonly (readonly [string, number, number])[] = [
  // name, UTC offset hours, share of tenants (weight)
  ['us-east-1', -5, 30], ['us-west-2', -8, 16], ['eu-west-1', 0, 16], ['eu-central-1', 1, 12],
  ['ap-southeast-1', 8, 9], ['ap-northeast-1', 9, 8], ['ap-south-1', 5.5, 5], ['sa-east-1', -3, 4],
];

const tenantWords = ['acme', 'northwind', 'globex', 'initech', 'umbrella', 'hooli', 'stark', 'wayne', 'tyrell', 'cyberdyne',
  'soylent', 'wonka', 'aperture', 'oscorp', 'vandelay', 'pied-piper', 'massive', 'gringotts', 'monarch', 'zorg'];
const domains = ['orders', 'payments', 'users', 'clicks', 'inventory', 'shipments', 'audit', 'metrics', 'logs', 'sessions',
  'search', 'billing', 'fraud', 'ads', 'iot', 'cdc', 'notifications', 'pricing'];
const suffixes = ['events', 'commands', 'changelog', 'v1', 'v2', 'dlq', 'raw', 'enriched', 'compacted', 'retry'];
const partitionChoices = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32];
const partitionWeights = [30, 15, 15, 12, 10, 7, 5, 3, 2, 1]; // most topics are small
const hotPartitionWeights = [10, 8, 12, 12, 12, 12, 10, 10, 7, 7]; // the top ~4 tenants (weight > 0.2) partition more
const retentionChoices = [24, 72, 168, 336]; // hours

const tenantCount = 200;
const clusterCount = 1000;
const tenantSkew = 1.1; // Zipf exponent of cluster ownership
const sizeSkew = 6; // how much smaller the long tail's clusters are than the hottest tenant's

/** Builds the simulated Kafka fleet for a seed: ~8 regions, 200 tenants, 1,000 clusters, deterministic. */
export function buildFleet(seed: number): FleetTopology {
  const rng = new Prng(seed);
  const regions = regionTable.map(([name, utcOffsetHours]) => ({ name, utcOffsetHours }));
  const regionWeights = regionTable.map((r) => r[2]);
  const tenantWeights = zipfWeights(tenantCount, tenantSkew);
  const tenants: FleetTenant[] = [];
  for (let t = 0; t < tenantCount; t++) {
    const name = `tn-${String(t + 1).padStart(4, '0')}-${rng.pick(tenantWords)}`;
    tenants.push({ name, homeRegion: rng.pickWeighted(regionWeights), weight: tenantWeights[t]! });
  }
  const clusters: FleetCluster[] = [];
  const usedNames = new Set<string>();
  for (let c = 0; c < clusterCount; c++) {
    // Every tenant owns at least one cluster; the rest go to tenants by Zipf rank (hot tenants own many).
    const tenant = c < tenantCount ? c : rng.pickWeighted(tenantWeights);
    const home = tenants[tenant]!.homeRegion;
    const region = rng.uniform() < 0.8 ? home : rng.pickWeighted(regionWeights);
    clusters.push(buildCluster(rng, uniqueClusterName(rng, usedNames), tenant, region, tenants[tenant]!.weight));
  }
  return { seed, regions, tenants, clusters };
}

function buildCluster(rng: Prng, name: string, tenant: number, region: number, hotness: number): FleetCluster {
  // Hot tenants (hotness near 1) run bigger clusters; the long tail mostly runs small ones.
  const skew = 1 + sizeSkew * (1 - hotness);
  const brokerCount = 3 + Math.floor(10 * rng.uniform() ** skew); // 3..12
  const brokers = Array.from({ length: brokerCount }, (_, b) => `broker-${b}`);
  const topicCount = 2 + Math.floor(39 * rng.uniform() ** (skew + 1)); // 2..40
  const clusterLoad = rng.lognormal(1, 1); // some clusters are simply busier
  const topics: FleetTopic[] = [];
  const names = new Set<string>();
  for (let t = 0; t < topicCount; t++) {
    const base = `${rng.pick(domains)}.${rng.pick(suffixes)}`;
    const topicName = names.has(base) ? `${base}-${t}` : base;
    names.add(topicName);
    const partitions = partitionChoices[rng.pickWeighted(hotness > 0.2 ? hotPartitionWeights : partitionWeights)]!;
    const firstLeader = rng.int(0, brokerCount - 1); // Kafka assigns leaders round-robin from a random start
    const leaders = Array.from({ length: partitions }, (_, p) => (firstLeader + p) % brokerCount);
    const idle = rng.uniform() < 0.12;
    // Pareto tail: a few hot topics carry most of the bytes; more partitions go with more traffic.
    const rate = Math.min(idle ? 0 : clusterLoad * rng.pareto(300, 0.8) * Math.sqrt(partitions), 80e6);
    topics.push({
      name: topicName,
      partitions,
      leaders,
      bytesInPerSec: rate,
      consumerGroups: idle ? rng.int(0, 1) : rng.int(1, 6),
      batchBytes: Math.round(rng.lognormal(8192, 0.9)),
      retentionHours: rng.pick(retentionChoices),
    });
  }
  return { name, tenant, region, brokers, topics };
}

function uniqueClusterName(rng: Prng, used: Set<string>): string {
  for (;;) {
    const name = `lkc-${rng.nextUint32().toString(36).padStart(7, '0').slice(-5)}`;
    if (!used.has(name)) {
      used.add(name);
      return name;
    }
  }
}
