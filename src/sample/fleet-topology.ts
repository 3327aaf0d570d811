import { Prng, zipfWeights } from './prng.js';

/** A cloud region the fleet runs in. */
export interface FleetRegion {
  readonly name: string; // e.g. 'us-east-1'
  readonly utcOffsetHours: number; // local time of the region's users minus UTC, hours
}

/** A customer of the fleet; tenant 0 is the hottest (Zipf rank 1). */
export interface FleetTenant {
  readonly name: string; // e.g. 'tn-0001-stark'
  readonly homeRegion: number; // index into FleetTopology.regions: its users' time zone drives its daily cycle
  readonly weight: number; // Zipf activity weight, 1 for the hottest tenant, in (0, 1]
  readonly peakHour: number; // local hour of the daily traffic peak, 12..18
  readonly weekend: number; // traffic on Saturdays and Sundays relative to weekdays, 0.55..1
}

/** One topic of a cluster, with its partitions and their leaders. */
export interface FleetTopic {
  readonly name: string; // unique within its cluster
  readonly partitions: number; // partition count, 1..32
  readonly leaders: readonly number[]; // leaders[p] = index of the broker leading partition p
  readonly bytesInPerSec: number; // mean produce rate of the whole topic, bytes per second (0 for idle topics)
  readonly consumerGroups: number; // groups reading the topic, 0..6 (sent bytes = received bytes x groups)
  readonly batchConsumers: boolean; // consumers read in nightly catch-up runs rather than as data arrives
  readonly batchBytes: number; // mean produce request size, bytes
  readonly retentionHours: number; // retention.ms of the topic, hours
  readonly hotPartition: number; // partition that takes `hotShare` of the topic's bytes (skewed keys), -1 for none
  readonly hotShare: number; // share of the topic's bytes on the hot partition, 0 when there is none
}

/** One Kafka cluster owned by a tenant. */
export interface FleetCluster {
  readonly name: string; // e.g. 'lkc-3f9a1'
  readonly tenant: number; // index into FleetTopology.tenants
  readonly region: number; // index into FleetTopology.regions (where it runs; its load follows its tenant's time zone)
  readonly brokers: readonly string[]; // broker names, 'broker-0' .. 'broker-(n-1)', 3..12 of them
  readonly topics: readonly FleetTopic[]; // 2..24 topics
}

/** The whole simulated fleet: it depends on the seed only (never on the row budget or the date). */
export interface FleetTopology {
  readonly seed: number; // the seed it was built from
  readonly regions: readonly FleetRegion[];
  readonly tenants: readonly FleetTenant[];
  readonly clusters: readonly FleetCluster[]; // hottest tenant's clusters first, then by tenant rank
}

const regionTable: readonly (readonly [string, number])[] = [
  // name, UTC offset hours
  ['us-east-1', -5],
  ['us-west-2', -8],
  ['eu-west-1', 0],
  ['eu-central-1', 1],
  ['ap-southeast-1', 8],
  ['ap-northeast-1', 9],
  ['ap-south-1', 5.5],
  ['sa-east-1', -3],
];

const tenantWords = [
  'acme',
  'northwind',
  'globex',
  'initech',
  'umbrella',
  'hooli',
  'stark',
  'wayne',
  'tyrell',
  'cyberdyne',
  'soylent',
  'wonka',
  'aperture',
  'oscorp',
  'vandelay',
  'pied-piper',
  'massive',
  'gringotts',
  'monarch',
  'zorg',
];
const domains = [
  'orders',
  'payments',
  'users',
  'clicks',
  'inventory',
  'shipments',
  'audit',
  'metrics',
  'logs',
  'sessions',
  'search',
  'billing',
  'fraud',
  'ads',
  'iot',
  'cdc',
  'notifications',
  'pricing',
];
const suffixes = ['events', 'commands', 'changelog', 'v1', 'v2', 'dlq', 'raw', 'enriched', 'compacted', 'retry'];
const partitionChoices = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32];
const partitionWeights = [30, 15, 15, 12, 10, 7, 5, 3, 2, 1]; // most topics are small
const hotPartitionWeights = [10, 8, 12, 12, 12, 12, 10, 10, 7, 7]; // the top tenants (weight > 0.2) partition more
const retentionChoices = [24, 72, 168, 336]; // hours

const tenantCount = 10;
const clusterCount = 16; // the seed's fleet: one per tenant, the rest to tenants by Zipf rank
const tenantSkew = 1.1; // Zipf exponent of tenant activity and cluster ownership
const sizeSkew = 6; // how much smaller the long tail's clusters are than the hottest tenant's
// topics of the fleet with a hot partition: the busiest multi-partition topic of the 2 hottest tenants
const hotTopics = 2;

/**
 * Builds the simulated Kafka fleet for a seed: 8 regions, 10 tenants, 16 clusters (or `clusters`, owned by the tenants
 * by Zipf rank, for a larger fleet), deterministic.
 */
export function buildFleet(seed: number, clusters = clusterCount): FleetTopology {
  if (!Number.isInteger(clusters) || clusters < tenantCount)
    throw new Error(`sample fleet clusters must be an integer >= ${tenantCount}, got ${clusters}`);
  const rng = new Prng(seed);
  const regions = regionTable.map(([name, utcOffsetHours]) => ({ name, utcOffsetHours }));
  const tenantWeights = zipfWeights(tenantCount, tenantSkew);
  const regionOrder = rng.weightedOrder(regionTable.map(() => 1)); // tenants 0..7 live in 8 different time zones
  const words = rng.weightedOrder(tenantWords.map(() => 1)); // distinct names
  const tenants: FleetTenant[] = [];
  for (let t = 0; t < tenantCount; t++) {
    tenants.push({
      name: `tn-${String(t + 1).padStart(4, '0')}-${tenantWords[words[t]!]!}`,
      homeRegion: regionOrder[t % regions.length]!,
      weight: tenantWeights[t]!,
      peakHour: 12 + 6 * rng.uniform(),
      weekend: 0.55 + 0.45 * rng.uniform(),
    });
  }
  const owners = Array.from({ length: clusters }, (_, c) => (c < tenantCount ? c : rng.pickWeighted(tenantWeights)));
  owners.sort((a, b) => a - b);
  const built: FleetCluster[] = [];
  const usedNames = new Set<string>();
  for (const tenant of owners) {
    const home = tenants[tenant]!.homeRegion;
    const region = rng.uniform() < 0.75 ? home : rng.int(0, regions.length - 1);
    built.push(buildCluster(rng, uniqueClusterName(rng, usedNames), tenant, region, tenants[tenant]!.weight));
  }
  return { seed, regions, tenants, clusters: markHotPartitions(rng, built) };
}

function buildCluster(rng: Prng, name: string, tenant: number, region: number, hotness: number): FleetCluster {
  // Hot tenants (hotness near 1) run bigger clusters; the long tail mostly runs small ones.
  const skew = 1 + sizeSkew * (1 - hotness);
  const brokerCount = 3 + Math.floor(10 * rng.uniform() ** skew); // 3..12
  const brokers = Array.from({ length: brokerCount }, (_, b) => `broker-${b}`);
  const topicCount = 2 + Math.floor(23 * rng.uniform() ** (skew + 1)); // 2..24
  // hot tenants' clusters are busier, and some are simply busier
  const clusterLoad = rng.lognormal(0.2 + 20 * hotness ** 2, 0.8);
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
    const rate = Math.min(
      idle ? 0 : clusterLoad * rng.pareto(1500, 0.8) * Math.sqrt(partitions),
      2e5 + 40e6 * hotness ** 2,
    ); // bytes/s; the long tail stays smaller
    topics.push({
      name: topicName,
      partitions,
      leaders,
      bytesInPerSec: rate,
      consumerGroups: idle ? rng.int(0, 1) : rng.int(1, 6),
      batchConsumers: rng.uniform() < 0.15,
      batchBytes: Math.round(rng.lognormal(8192, 0.9)),
      retentionHours: rng.pick(retentionChoices),
      hotPartition: -1,
      hotShare: 0,
    });
  }
  return { name, tenant, region, brokers, topics };
}

/** Gives the busiest topic with 3+ partitions of the first cluster of each of the hottest tenants a hot partition. */
function markHotPartitions(rng: Prng, clusters: FleetCluster[]): FleetCluster[] {
  const done = new Set<number>();
  return clusters.map((cl) => {
    if (done.has(cl.tenant) || done.size >= hotTopics) return cl;
    let best = -1;
    cl.topics.forEach((t, i) => {
      if (t.partitions >= 3 && t.bytesInPerSec > 0 && (best < 0 || t.bytesInPerSec > cl.topics[best]!.bytesInPerSec))
        best = i;
    });
    if (best < 0) return cl;
    done.add(cl.tenant);
    const topics = cl.topics.map((t, i) =>
      i === best ? { ...t, hotPartition: rng.int(0, t.partitions - 1), hotShare: 0.35 + 0.25 * rng.uniform() } : t,
    );
    return { ...cl, topics };
  });
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
