import type { FleetDayEvents } from './fleet-day-events.js';
import { hashNormal, hashUnit } from './prng.js';
import type { SampleSeries } from './sample-series.js';

const twoPi = 2 * Math.PI;
const counterSwing = 0.4; // bytes_in_total: amplitude of the daily swing of its rate (below 1: the counter only grows)

/**
 * Value of series `i` at epoch second `t`, for a sample covering the `step` seconds before it (pure: the same
 * series, events and instant give the same value on every run and every row budget with the same step).
 * Traffic follows the tenant's local day (peak at its peak hour, quieter weekends), drifts over hours, bursts
 * for minutes; cpu follows the cluster's load only in part (background work, its own drift), so it correlates with
 * fetch requests but not perfectly; restarts reset counters, dip cpu and drop connections.
 */
export function sampleValue(s: SampleSeries, ev: FleetDayEvents, i: number, t: number, step: number): number {
  const e = s.entity[i]!;
  const a = s.a[i]!;
  const day = daily(s, i, t);
  switch (s.metric[i]) {
    case 0: // received_bytes
      return Math.round(a * step * produceLoad(s, i, t, day) * Math.exp(0.15 * hashNormal(e ^ 0x50, t)));
    case 3: // produce_requests: batch sizes vary
      return Math.round(
        a * step * produceLoad(s, i, t, day) * Math.exp(0.15 * hashNormal(e ^ 0x50, t) + 0.1 * hashNormal(e ^ 0x53, t)),
      );
    case 1: // sent_bytes
      return Math.round(a * step * consumeLoad(s, i, t, day, s.b[i]!) * Math.exp(0.12 * hashNormal(e ^ 0x51, t)));
    case 2: // fetch_requests: long polls even when idle, plus data fetches
      return Math.round(
        step *
          (a * (0.7 + 0.3 * day) * Math.exp(0.1 * hashNormal(e ^ 0x52, t)) +
            s.b[i]! * consumeLoad(s, i, t, day, s.c[i]!)),
      );
    case 4: // cpu_usage
      return round(Math.min(100, Math.max(0.5, cpu(s, ev, i, t, day))), 100);
    case 5: {
      // retained_bytes: grows over a period, then retention deletes old segments
      const f = (t + s.c[i]!) / s.b[i]!;
      return Math.round(a * (0.85 + 0.15 * (f - Math.floor(f))) * (1 + 0.002 * hashNormal(e ^ 0x5b, t)));
    }
    case 6: {
      // active_connections: clients reconnect over 15 minutes after a restart
      const since = t - ev.restartAt[s.fleetBroker[i]!]!; // -Infinity without a restart today
      const up = since >= 0 ? Math.min(1, since / 900) : 1;
      return Math.max(0, Math.round(up * (a * (0.75 + 0.25 * day) + Math.sqrt(a) * hashNormal(e ^ 0x56, t))));
    }
    case 8: // bytes_in_total
      return counter(s, ev, i, t, step);
    case 9: // partition_online
      return 1;
    default: {
      // request_latency_ms: lognormal, with rare slow outliers, slower while leaders move back after a restart
      const spike = hashUnit(e ^ 0x57, t) < 0.002 ? 8 + 40 * hashUnit(e ^ 0x58, t) : 1;
      const since = t - ev.restartAt[s.fleetBroker[i]!]!;
      const warm = since >= 0 && since < 900 ? 2.5 : 1;
      return round(a * (0.8 + 0.2 * day) * Math.exp(0.45 * hashNormal(e ^ 0x59, t)) * spike * warm, 1000);
    }
  }
}

/** The tenant's daily cycle at t: about 0.45 at night to 1.55 at its peak hour, lower on its weekend. */
function daily(s: SampleSeries, i: number, t: number): number {
  const local = t / 3600 + s.utcOffset[i]!;
  const phase = (twoPi * (local - s.peakHour[i]!)) / 24;
  const d = 1 + 0.45 * Math.cos(phase) + 0.1 * Math.cos(2 * phase);
  const weekday = (Math.floor(local / 24) + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
  return weekday === 0 || weekday === 6 ? d * s.weekend[i]! : d;
}

/** Produce traffic of a partition relative to its mean: daily cycle, the topic's drift over hours, its bursts. */
function produceLoad(s: SampleSeries, i: number, t: number, day: number): number {
  const topic = s.topicKey[i]!;
  return day * Math.exp(0.3 * drift(s.clusterKey[i]!, t, 7200) + 0.25 * drift(topic, t, 5400) - 0.07) * burst(topic, t);
}

/**
 * Consumer traffic: real-time consumers follow the producers; batch consumers catch up between 01:00 and 04:00 local.
 */
function consumeLoad(s: SampleSeries, i: number, t: number, day: number, batch: number): number {
  const live = produceLoad(s, i, t, day);
  return batch === 0 ? live : 0.3 * live + catchUp(s, i, t) * Math.exp(0.3 * drift(s.topicKey[i]! ^ 0xba, t, 1800));
}

/** Read rate of a nightly batch consumer relative to the mean traffic: 5.6 from 01:00 to 04:00 local, else 0. */
function catchUp(s: SampleSeries, i: number, t: number): number {
  const local = (((t / 3600 + s.utcOffset[i]!) % 24) + 24) % 24;
  return local >= 1 && local < 4 ? 5.6 : 0;
}

/**
 * cpu percent of a broker: the cluster's traffic (live and, for a share `b` of its reads, nightly catch-ups),
 * background work (compaction, GC), its own drift, a dip after a restart.
 */
function cpu(s: SampleSeries, ev: FleetDayEvents, i: number, t: number, day: number): number {
  const e = s.entity[i]!;
  const cluster = s.clusterKey[i]!;
  const batch = s.b[i]!;
  const live = day * Math.exp(0.3 * drift(cluster, t, 7200));
  const load = ((1 - batch) * live + batch * (0.3 * live + 0.6 * catchUp(s, i, t))) * Math.exp(0.1 * drift(e, t, 3600));
  const background = 0.45 * Math.max(0, drift(cluster ^ 0xc0, t, 2700) + 0.3);
  const since = t - ev.restartAt[s.fleetBroker[i]!]!;
  const dip = since >= 0 && since < 1800 ? 0.3 + 0.7 * (since / 1800) : 1; // leaders move back over 30 minutes
  return (
    s.a[i]! * dip * (0.25 + 0.6 * load + background) * (1 + 0.08 * hashNormal(e ^ 0x54, t)) +
    1.5 * hashNormal(e ^ 0x55, t)
  );
}

/**
 * bytes_in_total: the integral of a rate that swings with the tenant's day, since the broker's last restart,
 * plus a jitter smaller than the least growth of one step, so it never drops between restarts.
 */
function counter(s: SampleSeries, ev: FleetDayEvents, i: number, t: number, step: number): number {
  const b = s.fleetBroker[i]!;
  const since = t >= ev.restartAt[b]! ? ev.restartAt[b]! : ev.lastRestart[b]!;
  if (t < since) return 0;
  const phase = (x: number): number => (twoPi * (x / 3600 + s.utcOffset[i]! - s.peakHour[i]!)) / 24;
  const grown = t - since + ((counterSwing * 86_400) / twoPi) * (Math.sin(phase(t)) - Math.sin(phase(since)));
  const jitter = 0.5 * (1 - counterSwing) * Math.min(step, 60) * hashUnit(s.entity[i]! ^ 0x60, t);
  return Math.round(s.a[i]! * (grown + jitter));
}

/** Smooth random drift around 0 (standard deviation about 0.8) that changes over `period` seconds. */
function drift(key: number, t: number, period: number): number {
  const x = t / period;
  const k = Math.floor(x);
  const w = 0.5 - 0.5 * Math.cos(Math.PI * (x - k));
  return hashNormal(key, k) * (1 - w) + hashNormal(key, k + 1) * w;
}

/** Traffic multiplier of short bursts: 3% of hours hold one burst of 5..30 minutes at 2..8 times the traffic. */
function burst(key: number, t: number): number {
  const hour = Math.floor(t / 3600);
  if (hashUnit(key ^ 0xb0, hour) >= 0.03) return 1;
  const start = hour * 3600 + Math.floor(2400 * hashUnit(key ^ 0xb1, hour));
  const end = start + 300 + Math.floor(1500 * hashUnit(key ^ 0xb2, hour));
  return t >= start && t < end ? 2 + 6 * hashUnit(key ^ 0xb3, hour) : 1;
}

function round(x: number, scale: number): number {
  return Math.round(x * scale) / scale;
}
