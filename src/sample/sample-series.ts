import type { FleetTopology } from './fleet-topology.js';
import { hash2, hashNormal, hashUnit } from './prng.js';

/** Where the series of a metric live: one per broker, or one per topic-partition. */
export type MetricLevel = 'broker' | 'partition';

/** A metric the sample generator writes. */
export interface SampleMetric {
  readonly name: string; // as in the job's metric catalog
  readonly level: MetricLevel;
}

/** The ten metrics of the sample data, in a fixed order (a series' metric id is its index here). */
export const sampleMetrics: readonly SampleMetric[] = [
  { name: 'received_bytes', level: 'partition' }, // delta, bytes
  { name: 'sent_bytes', level: 'partition' }, // delta, bytes
  { name: 'fetch_requests', level: 'partition' }, // delta, requests
  { name: 'produce_requests', level: 'partition' }, // delta, requests
  { name: 'cpu_usage', level: 'broker' }, // gauge, percent 0..100
  { name: 'retained_bytes', level: 'partition' }, // gauge, bytes
  { name: 'active_connections', level: 'broker' }, // gauge, connections (integers)
  { name: 'request_latency_ms', level: 'broker' }, // distribution samples, milliseconds
  { name: 'bytes_in_total', level: 'broker' }, // cumulative counter, bytes since the broker started (resets on restart)
  { name: 'partition_online', level: 'partition' }, // distinct: 1 while the partition is online (counts partitions)
];

const brokerMetrics = [4, 6, 7, 8];
const partitionMetrics = [0, 1, 2, 3, 5, 9];

/** Number of series one sampled partition adds (its partition-level metrics). */
export const seriesPerPartition = partitionMetrics.length;

/**
 * Every series of the fleet as parallel arrays (no object per series), in sampling order: the `core` series first
 * (every broker's metrics, then each topic's partition 0 and its hot partition), then the other partitions layer by
 * layer (partition 1 of every topic, then partition 2, ...). A day samples a prefix of this order.
 */
export interface SampleSeries {
  readonly count: number; // number of series in the fleet
  readonly core: number; // series every day of at least `core` rows samples: all brokers, topics and hot partitions
  readonly metric: Uint8Array; // index into sampleMetrics (and names.metric)
  readonly file: Uint8Array; // file index within an hour folder, from a hash of the series
  readonly entity: Uint32Array; // seed of the broker or partition (its own noise)
  readonly topicKey: Uint32Array; // seed of the topic (its bursts and drift), of the cluster for broker series
  readonly clusterKey: Uint32Array; // seed of the cluster (its load drift and background work)
  readonly fleetBroker: Int32Array; // index of the broker (the leader, for partition series) in FleetDayEvents
  readonly utcOffset: Float64Array; // the tenant's users' local time minus UTC, hours
  readonly peakHour: Float64Array; // local hour of the tenant's daily peak
  readonly weekend: Float64Array; // the tenant's weekend traffic relative to weekdays
  readonly a: Float64Array; // first metric parameter (rate, base level or median; see sampleValue)
  readonly b: Float64Array; // second metric parameter
  readonly c: Float64Array; // third metric parameter
  readonly region: Int32Array; // index into names.region
  readonly tenant: Int32Array; // index into names.tenant
  readonly cluster: Int32Array; // index into names.cluster
  readonly broker: Int32Array; // index into names.broker (the leader, for partition series)
  readonly topic: Int32Array; // index into names.topic, -1 (null) for broker series
  readonly partition: Int32Array; // partition number, -1 (null) for broker series
  readonly names: {
    readonly [column in 'metric' | 'region' | 'tenant' | 'cluster' | 'broker' | 'topic']: readonly Uint8Array[];
  }; // UTF-8
}

/** One series before it goes into the arrays. */
type SeriesRow = readonly [
  metric: number,
  entity: number,
  topicKey: number,
  ci: number,
  broker: number,
  topic: number,
  partition: number,
  a: number,
  b: number,
  c: number,
];

/** Lists every series of the fleet in sampling order (see SampleSeries); pure, the same fleet gives the same list. */
export function planSampleSeries(fleet: FleetTopology, filesPerHour: number): SampleSeries {
  const enc = new TextEncoder();
  const topicIds = new Map<string, number>();
  const brokerIds = new Map<string, number>();
  const topicNames: Uint8Array[] = [];
  const brokerNames: Uint8Array[] = [];
  const intern = (ids: Map<string, number>, names: Uint8Array[], name: string): number => {
    let id = ids.get(name);
    if (id === undefined) ids.set(name, (id = names.push(enc.encode(name)) - 1));
    return id;
  };
  const core: SeriesRow[] = [];
  const layers: SeriesRow[][] = []; // layers[p - 1]: partition p of every topic that has it (hot partitions excepted)
  const brokerBase: number[] = []; // first fleet broker index of each cluster
  let fleetBrokers = 0;
  fleet.clusters.forEach((cl, ci) => {
    brokerBase.push(fleetBrokers);
    fleetBrokers += cl.brokers.length;
    const clusterSeed = hash2(fleet.seed, ci);
    const led = new Float64Array(cl.brokers.length); // bytes/s of the partitions each broker leads
    const partitionRows: [p: number, rows: SeriesRow[]][] = [];
    let clusterBytes = 0;
    let readBytes = 0; // bytes/s read by consumers
    let batchReadBytes = 0; // of which by nightly batch consumers
    cl.topics.forEach((topic, ti) => {
      const tid = intern(topicIds, topicNames, topic.name);
      const topicSeed = hash2(clusterSeed, ti);
      const others = topic.hotPartition >= 0 ? topic.partitions - 1 : topic.partitions;
      for (let p = 0; p < topic.partitions; p++) {
        const e = hash2(topicSeed, p);
        const share =
          p === topic.hotPartition
            ? topic.hotShare
            : ((1 - topic.hotShare) / others) * Math.exp(0.4 * hashNormal(e, 1)); // keys skew partitions
        const rate = topic.bytesInPerSec * share; // bytes/s
        const groups = topic.consumerGroups;
        const batch = topic.batchConsumers ? 1 : 0;
        const retained = Math.max(rate * topic.retentionHours * 3600, 1e5 * Math.exp(2 * hashNormal(e, 2))); // bytes
        const period = 3600 * (6 + 66 * hashUnit(e, 3)); // seconds between retention drops
        const leader = topic.leaders[p]!;
        led[leader] = led[leader]! + rate;
        clusterBytes += rate;
        readBytes += rate * groups;
        batchReadBytes += rate * groups * batch;
        const row = (m: number, a: number, b = 0, c = 0): SeriesRow => [m, e, topicSeed, ci, leader, tid, p, a, b, c];
        partitionRows.push([
          p === topic.hotPartition ? 0 : p,
          [
            row(0, rate),
            row(1, rate * groups, batch),
            row(2, groups * 0.4, (rate * groups) / 65536, batch), // idle polls/s, data fetches/s
            row(3, rate / topic.batchBytes),
            row(5, retained, period, period * hashUnit(e, 4)),
            row(9, 1),
          ],
        ]);
      }
    });
    for (let bi = 0; bi < cl.brokers.length; bi++) {
      const e = hash2(clusterSeed, 0x10000 + bi);
      const leadShare = clusterBytes > 0 ? (led[bi]! / clusterBytes) * cl.brokers.length : 1; // 1 = an even share
      // percent at the daily mean
      const cpuBase = Math.min(70, (4 + 14 * Math.exp(0.6 * hashNormal(e, 1))) * Math.min(2.5, 0.6 + 0.4 * leadShare));
      const connections = 40 * Math.exp(1.1 * hashNormal(e, 2)); // median open connections
      const latency = 2.5 * Math.exp(0.5 * hashNormal(e, 3)); // median latency, ms
      const bytesIn = Math.max(1000, led[bi]!); // bytes/s into the broker
      const params = [cpuBase, connections, latency, bytesIn];
      const batchShare = readBytes > 0 ? batchReadBytes / readBytes : 0; // cpu follows the cluster's reads
      brokerMetrics.forEach((m, k) =>
        core.push([m, e, clusterSeed, ci, bi, -1, -1, params[k]!, m === 4 ? batchShare : 0, 0]),
      );
    }
    for (const [p, rows] of partitionRows) {
      if (p === 0) core.push(...rows);
      else (layers[p - 1] ??= []).push(...rows);
    }
  });
  const all = [...core, ...layers.flat()];
  const n = all.length;
  const s = {
    count: n,
    core: core.length,
    metric: new Uint8Array(n),
    file: new Uint8Array(n),
    entity: new Uint32Array(n),
    topicKey: new Uint32Array(n),
    clusterKey: new Uint32Array(n),
    fleetBroker: new Int32Array(n),
    utcOffset: new Float64Array(n),
    peakHour: new Float64Array(n),
    weekend: new Float64Array(n),
    a: new Float64Array(n),
    b: new Float64Array(n),
    c: new Float64Array(n),
    region: new Int32Array(n),
    tenant: new Int32Array(n),
    cluster: new Int32Array(n),
    broker: new Int32Array(n),
    topic: new Int32Array(n),
    partition: new Int32Array(n),
    names: {
      metric: sampleMetrics.map((m) => enc.encode(m.name)),
      region: fleet.regions.map((r) => enc.encode(r.name)),
      tenant: fleet.tenants.map((t) => enc.encode(t.name)),
      cluster: fleet.clusters.map((c) => enc.encode(c.name)),
      broker: brokerNames,
      topic: topicNames,
    },
  };
  all.forEach(([metric, entity, topicKey, ci, bi, topic, partition, a, b, c], i) => {
    const cl = fleet.clusters[ci]!;
    const tenant = fleet.tenants[cl.tenant]!;
    s.metric[i] = metric;
    s.file[i] = hash2(entity, metric) % filesPerHour;
    [s.entity[i], s.topicKey[i], s.clusterKey[i], s.fleetBroker[i]] = [
      entity,
      topicKey,
      hash2(fleet.seed, ci),
      brokerBase[ci]! + bi,
    ];
    [s.utcOffset[i], s.peakHour[i], s.weekend[i]] = [
      fleet.regions[tenant.homeRegion]!.utcOffsetHours,
      tenant.peakHour,
      tenant.weekend,
    ];
    [s.a[i], s.b[i], s.c[i]] = [a, b, c];
    [s.region[i], s.tenant[i], s.cluster[i], s.broker[i]] = [
      cl.region,
      cl.tenant,
      ci,
      intern(brokerIds, brokerNames, cl.brokers[bi]!),
    ];
    [s.topic[i], s.partition[i]] = [topic, partition];
  });
  return s;
}
