import type { FleetTopology } from './fleet-topology.js';
import { Prng, hash2, hashNormal, hashUnit } from './prng.js';

/** Where the series of a metric live: one per broker, or one per topic-partition. */
export type MetricLevel = 'broker' | 'partition';

/** A metric the sample generator writes. */
export interface SampleMetric {
  readonly name: string; // as in the job's metric catalog
  readonly level: MetricLevel;
}

/** The eight metrics of the sample data, in a fixed order (a series' metric id is its index here). */
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
const walkTilt = 0.2; // cluster walk weight = tenant Zipf weight ^ walkTilt: hot tenants own more clusters and come a bit earlier
const partitionMetrics = [0, 1, 2, 3, 5];

/** The series picked for one day, as parallel arrays indexed by series number (no object per series). */
export interface SampleSeries {
  readonly count: number; // number of series
  readonly metric: Uint8Array; // index into sampleMetrics (and names.metric)
  readonly file: Uint8Array; // file index within an hour folder, from a hash of the series
  readonly entity: Uint32Array; // seed of the broker or partition: its metrics share load noise
  readonly utcOffset: Float64Array; // region local time minus UTC, hours
  readonly a: Float64Array; // first metric parameter (rate, base level or median; see sampleValue)
  readonly b: Float64Array; // second metric parameter
  readonly c: Float64Array; // third metric parameter
  readonly region: Int32Array; // index into names.region
  readonly tenant: Int32Array; // index into names.tenant
  readonly cluster: Int32Array; // index into names.cluster
  readonly broker: Int32Array; // index into names.broker (the leader, for partition series)
  readonly topic: Int32Array; // index into names.topic, -1 (null) for broker series
  readonly partition: Int32Array; // partition number, -1 (null) for broker series
  readonly names: { readonly [column in 'metric' | 'region' | 'tenant' | 'cluster' | 'broker' | 'topic']: readonly Uint8Array[] }; // UTF-8
}

/**
 * Picks `count` series by walking clusters in a seeded order weighted by their tenant's Zipf weight
 * (hot tenants' clusters come first more often), taking all of a cluster's series (brokers first)
 * until `count` is reached.
 */
export function planSampleSeries(fleet: FleetTopology, count: number, filesPerHour: number): SampleSeries {
  const enc = new TextEncoder();
  const ids = { broker: new Map<string, number>(), topic: new Map<string, number>() };
  const s = {
    count, metric: new Uint8Array(count), file: new Uint8Array(count), entity: new Uint32Array(count),
    utcOffset: new Float64Array(count), a: new Float64Array(count), b: new Float64Array(count), c: new Float64Array(count),
    region: new Int32Array(count), tenant: new Int32Array(count), cluster: new Int32Array(count),
    broker: new Int32Array(count), topic: new Int32Array(count), partition: new Int32Array(count),
    names: {
      metric: sampleMetrics.map((m) => enc.encode(m.name)),
      region: fleet.regions.map((r) => enc.encode(r.name)),
      tenant: fleet.tenants.map((t) => enc.encode(t.name)),
      cluster: fleet.clusters.map((c) => enc.encode(c.name)),
      broker: [] as Uint8Array[], // filled as series are picked
      topic: [] as Uint8Array[], // filled as series are picked
    },
  };
  const walkWeights = fleet.clusters.map((c) => Math.pow(fleet.tenants[c.tenant]!.weight, walkTilt));
  const order = new Prng(hash2(fleet.seed, 0x5eed)).weightedOrder(walkWeights);
  const intern = (column: 'broker' | 'topic', name: string): number => {
    let id = ids[column].get(name);
    if (id === undefined) ids[column].set(name, (id = s.names[column].push(enc.encode(name)) - 1));
    return id;
  };
  let i = 0;
  // broker: index within the cluster; topic: id in names.topic or -1; a, b, c: see sampleValue.
  const add = (metric: number, entity: number, ci: number, broker: number, topic: number, partition: number, a: number, b = 0, c = 0): void => {
    if (i >= count) return;
    const cl = fleet.clusters[ci]!;
    s.metric[i] = metric;
    s.file[i] = hash2(entity, metric) % filesPerHour;
    s.entity[i] = entity;
    s.utcOffset[i] = fleet.regions[cl.region]!.utcOffsetHours;
    [s.a[i], s.b[i], s.c[i]] = [a, b, c];
    [s.region[i], s.tenant[i], s.cluster[i], s.broker[i]] = [cl.region, cl.tenant, ci, intern('broker', cl.brokers[broker]!)];
    [s.topic[i], s.partition[i]] = [topic, partition];
    i++;
  };
  for (const ci of order) {
    if (i >= count) break;
    const cl = fleet.clusters[ci]!;
    const clusterSeed = hash2(fleet.seed, ci);
    for (let bi = 0; bi < cl.brokers.length; bi++) {
      const e = hash2(clusterSeed, 0x10000 + bi);
      const cpuBase = Math.min(75, 4 + 14 * Math.exp(0.6 * hashNormal(e, 1))); // percent at the daily mean
      const connections = 40 * Math.exp(1.1 * hashNormal(e, 2)); // median open connections
      const latency = 2.5 * Math.exp(0.5 * hashNormal(e, 3)); // median latency, ms
      const bytesIn = 2e5 * Math.exp(1.2 * hashNormal(e, 4)); // bytes/s into the broker
      for (const m of brokerMetrics) add(m, e, ci, bi, -1, -1, m === 4 ? cpuBase : m === 6 ? connections : m === 7 ? latency : bytesIn);
    }
    for (let ti = 0; ti < cl.topics.length && i < count; ti++) {
      const topic = cl.topics[ti]!;
      const tid = intern('topic', topic.name);
      const topicSeed = hash2(clusterSeed, ti);
      for (let p = 0; p < topic.partitions; p++) {
        const e = hash2(topicSeed, p);
        const rate = (topic.bytesInPerSec / topic.partitions) * Math.exp(0.4 * hashNormal(e, 1)); // bytes/s, keys skew partitions
        const groups = topic.consumerGroups;
        const retained = Math.max(rate * topic.retentionHours * 3600, 1e5 * Math.exp(2 * hashNormal(e, 2))); // bytes
        const period = 3600 * (6 + 66 * hashUnit(e, 3)); // seconds between retention drops
        const leader = topic.leaders[p]!;
        add(0, e, ci, leader, tid, p, rate);
        add(1, e, ci, leader, tid, p, rate * groups);
        add(2, e, ci, leader, tid, p, groups * 0.4, (rate * groups) / 65536); // idle polls/s, data fetches/s
        add(3, e, ci, leader, tid, p, rate / topic.batchBytes);
        add(5, e, ci, leader, tid, p, retained, period, period * hashUnit(e, 4));
        add(9, e, ci, leader, tid, p, 1);
      }
    }
  }
  if (i < count) throw new Error(`sample budget needs ${count} series but the fleet has only ${i}`);
  return s;
}

/** Value of series `i` at epoch second `t`, for a sample covering the `step` seconds before it. */
export function sampleValue(s: SampleSeries, i: number, t: number, step: number): number {
  const e = s.entity[i]!;
  const a = s.a[i]!;
  const localHour = t / 3600 + s.utcOffset[i]!;
  const diurnal = 1 + 0.4 * Math.sin((2 * Math.PI * (localHour - 10)) / 24); // peaks at 16:00 local
  switch (s.metric[i]) {
    case 0: // received_bytes
    case 3: // produce_requests
      return Math.round(a * step * load(e, t, diurnal));
    case 1: // sent_bytes: consumers lag a little behind producers
      return Math.max(0, Math.round(a * step * load(e, t, diurnal) * (1 + 0.05 * hashNormal(e ^ 0x51, t))));
    case 2: // fetch_requests: long polls even when idle, plus data fetches
      return Math.round(a * step * (0.7 + 0.3 * diurnal) + s.b[i]! * step * load(e, t, diurnal));
    case 4: // cpu_usage
      return round(Math.min(100, Math.max(0.5, a * diurnal * (1 + 0.08 * hashNormal(e ^ 0x54, t)) + 1.5 * hashNormal(e ^ 0x55, t))), 100);
    case 5: { // retained_bytes: grows over a period, then retention deletes old segments
      const f = (t + s.c[i]!) / s.b[i]!;
      return Math.round(a * (0.85 + 0.15 * (f - Math.floor(f))));
    }
    case 6: // active_connections
      return Math.max(0, Math.round(a * (0.75 + 0.25 * diurnal) + Math.sqrt(a) * hashNormal(e ^ 0x56, t)));
    case 8: // bytes_in_total: grows at the broker's rate since its last restart (about one a day, at hh:30)
      return Math.round(a * (t - lastRestart(e, t)));
    case 9: // partition_online
      return 1;
    default: { // request_latency_ms: lognormal, with rare slow outliers
      const spike = hashUnit(e ^ 0x57, t) < 0.002 ? 8 + 40 * hashUnit(e ^ 0x58, t) : 1;
      return round(a * (0.85 + 0.15 * diurnal) * Math.exp(0.45 * hashNormal(e ^ 0x59, t)) * spike, 1000);
    }
  }
}

/** Epoch second of a broker's last restart at or before t (restarts at hh:30 of about 4% of hours; else 2 days back). */
function lastRestart(entity: number, t: number): number {
  const hour = Math.floor(t / 3600);
  for (let h = hour; h > hour - 48; h--) {
    const at = h * 3600 + 1800;
    if (at <= t && hashUnit(entity ^ 0x60, h) < 0.04) return at;
  }
  return (hour - 48) * 3600;
}

/** Traffic multiplier of an entity at second t, shared by all its metrics so they move together. */
function load(entity: number, t: number, diurnal: number): number {
  return diurnal * Math.exp(0.3 * hashNormal(entity, t));
}

function round(x: number, scale: number): number {
  return Math.round(x * scale) / scale;
}
