import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Table } from 'apache-arrow';
import { buildFleet } from '../../src/sample/fleet-topology.js';
import { generateSampleDay } from '../../src/sample/generate-sample-day.js';

// The sample fleet at realistic size (hundreds of thousands to millions of rows, several days): too slow for the unit
// loop.

/**
 * Columns of each file of a day as plain arrays (strings, numbers, bigint timestamps; null where the value is null).
 */
function* rowsOf(date: string, rows: number, seed: number, columns: readonly string[]): Generator<unknown[][]> {
  for (const { table } of generateSampleDay({ date, rows, seed })) {
    yield columns.map((c) => {
      const vector = (table as Table).getChild(c)!;
      const values = [...vector.toArray()] as unknown[]; // toArray of a numeric column ignores its null bitmap
      if (vector.nullCount > 0) for (let i = 0; i < values.length; i++) if (!vector.isValid(i)) values[i] = null;
      return values;
    });
  }
}

/**
 * The generator at realistic size (hundreds of thousands to millions of rows, several days): too slow for the unit
 * loop.
 * Distinct joined values of some columns over a day. */
function distinct(date: string, rows: number, seed: number, columns: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const cols of rowsOf(date, rows, seed, columns))
    for (let i = 0; i < cols[0]!.length; i++) out.add(cols.map((c) => String(c[i])).join('|'));
  return out;
}

function pearson(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let [sxy, sxx, syy] = [0, 0, 0];
  for (let i = 0; i < n; i++)
    [sxy, sxx, syy] = [sxy + (xs[i]! - mx) * (ys[i]! - my), sxx + (xs[i]! - mx) ** 2, syy + (ys[i]! - my) ** 2];
  return sxy / Math.sqrt(sxx * syy);
}

describe('the sample fleet depends on the seed only', () => {
  it('has the same tenants, clusters, brokers and topics at 200,000 and 2,000,000 rows; the smaller day samples fewer partitions', () => {
    const small = distinct('2026-11-24', 200_000, 42, ['tenant', 'cluster', 'broker', 'topic', 'partition']);
    const large = distinct('2026-11-24', 2_000_000, 42, ['tenant', 'cluster', 'broker', 'topic', 'partition']);
    const project = (set: Set<string>, keep: readonly number[]): Set<string> =>
      new Set([...set].map((k) => keep.map((i) => k.split('|')[i]).join('|')));
    assert.deepEqual(project(small, [0, 1, 2]), project(large, [0, 1, 2]), 'tenant, cluster, broker');
    assert.deepEqual(project(small, [0, 1, 3]), project(large, [0, 1, 3]), 'tenant, cluster, topic');
    for (const k of small) assert.ok(large.has(k), `${k} of the 200,000-row day is in the 2,000,000-row day`);
    assert.ok(
      large.size > small.size,
      `more partitions at 2M rows: ${large.size} vs ${small.size} broker-topic-partitions`,
    );
    const fleet = buildFleet(42);
    assert.deepEqual(
      [...project(small, [1])].sort(),
      fleet.clusters.map((c) => c.name).sort(),
      'every cluster of the fleet',
    );
    assert.deepEqual(
      [...project(small, [0])].sort(),
      fleet.tenants.map((t) => t.name).sort(),
      'every tenant of the fleet',
    );
  });

  it('has the same clusters and brokers on two dates of one seed', () => {
    const a = distinct('2026-11-24', 200_000, 7, ['tenant', 'cluster', 'broker', 'topic']);
    const b = distinct('2026-12-01', 200_000, 7, ['tenant', 'cluster', 'broker', 'topic']);
    assert.deepEqual(a, b);
  });
});

describe('the sample fleet looks like a fleet', () => {
  const seed = 42;
  const days = ['2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23', '2026-11-24'];

  it('cpu and fetch requests of the busiest cluster correlate in part over 7 days (hourly, 0.5..0.85), not perfectly', () => {
    const cpu = new Map<number, [number, number]>(); // hour -> [sum, count]
    const fetches = new Map<number, number>();
    const clusterRows = new Map<string, number>();
    const perDay: { cluster: string; hour: number; metric: string; value: number }[] = [];
    for (const date of days) {
      for (const [ts, metric, value, cluster] of rowsOf(date, 150_000, seed, [
        'timestamp',
        'metric',
        'value',
        'cluster',
      ])) {
        for (let i = 0; i < ts!.length; i++) {
          const c = cluster![i] as string;
          clusterRows.set(c, (clusterRows.get(c) ?? 0) + 1);
          const v = value![i] as number | null;
          const m = metric![i] as string;
          if (v === null || Number.isNaN(v) || (m !== 'cpu_usage' && m !== 'fetch_requests')) continue;
          perDay.push({ cluster: c, hour: Math.floor(Number(ts![i]) / 3_600_000), metric: m, value: v });
        }
      }
    }
    const busiest = [...clusterRows].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
    for (const r of perDay) {
      if (r.cluster !== busiest) continue;
      if (r.metric === 'cpu_usage') {
        const acc = cpu.get(r.hour) ?? [0, 0];
        cpu.set(r.hour, [acc[0] + r.value, acc[1] + 1]);
      } else fetches.set(r.hour, (fetches.get(r.hour) ?? 0) + r.value);
    }
    const hours = [...cpu.keys()].filter((h) => fetches.has(h)).sort((a, b) => a - b);
    assert.ok(hours.length >= 160, `${hours.length} hours with both`);
    const r = pearson(
      hours.map((h) => cpu.get(h)![0] / cpu.get(h)![1]),
      hours.map((h) => fetches.get(h)!),
    );
    assert.ok(r >= 0.5 && r <= 0.85, `correlation ${r.toFixed(3)} of ${busiest}`);
  });

  it('has a broker restart a day: its counter drops to near 0 and its cpu dips after it', () => {
    const series = new Map<string, { t: number; v: number }[]>();
    for (const [ts, metric, value, cluster, broker] of rowsOf('2026-11-24', 300_000, seed, [
      'timestamp',
      'metric',
      'value',
      'cluster',
      'broker',
    ])) {
      for (let i = 0; i < ts!.length; i++) {
        const v = value![i] as number | null;
        if (v === null || Number.isNaN(v) || (metric![i] !== 'bytes_in_total' && metric![i] !== 'cpu_usage')) continue;
        const key = `${metric![i]} ${cluster![i]} ${broker![i]}`;
        (series.get(key) ?? series.set(key, []).get(key)!).push({ t: Number(ts![i]), v });
      }
    }
    const resets: { key: string; t: number; drop: number }[] = [];
    for (const [key, points] of series) {
      if (!key.startsWith('bytes_in_total')) continue;
      points.sort((a, b) => a.t - b.t);
      for (let i = 1; i < points.length; i++)
        if (points[i]!.v < points[i - 1]!.v)
          resets.push({ key, t: points[i]!.t, drop: points[i]!.v / points[i - 1]!.v });
    }
    assert.ok(resets.length >= 1 && resets.length <= 2, `${resets.length} counter resets`);
    for (const { key, t, drop } of resets) {
      assert.ok(drop < 0.01, `${key} counter falls to ${drop} of its value before the restart`);
      // Against the cluster's other brokers at the same time, so the tenant's daily cycle does not hide the dip.
      const [, cluster, broker] = key.split(' ');
      const mean = (points: readonly { t: number; v: number }[], from: number, to: number): number => {
        const v = points.filter((p) => p.t >= from && p.t < to).map((p) => p.v);
        return v.reduce((a, b) => a + b, 0) / v.length;
      };
      const others = [...series]
        .filter(([k]) => k.startsWith(`cpu_usage ${cluster} `) && !k.endsWith(` ${broker}`))
        .flatMap(([, p]) => p);
      const restarted = series.get(`cpu_usage ${cluster} ${broker}`)!;
      const ratio = (from: number, to: number): number => mean(restarted, from, to) / mean(others, from, to);
      const [before, after] = [ratio(t - 3_600_000, t - 600_000), ratio(t, t + 900_000)];
      assert.ok(
        after < 0.8 * before,
        `${key}: cpu relative to its cluster ${after.toFixed(2)} after the restart vs ${before.toFixed(2)} before`,
      );
    }
  });

  it('has missing samples, a hot partition, and tenants whose daily peaks lie in different UTC hours', () => {
    const perSeries = new Map<string, number>();
    const partitionBytes = new Map<string, Map<number, number>>();
    const tenantHour = new Map<string, Float64Array>();
    for (const [ts, metric, value, tenant, cluster, broker, topic, partition] of rowsOf('2026-11-24', 2_000_000, seed, [
      'timestamp',
      'metric',
      'value',
      'tenant',
      'cluster',
      'broker',
      'topic',
      'partition',
    ])) {
      for (let i = 0; i < ts!.length; i++) {
        const m = metric![i] as string;
        if (m === 'cpu_usage')
          perSeries.set(`${cluster![i]} ${broker![i]}`, (perSeries.get(`${cluster![i]} ${broker![i]}`) ?? 0) + 1);
        const v = value![i] as number | null;
        if (m !== 'received_bytes' || v === null || Number.isNaN(v)) continue;
        const key = `${cluster![i]} ${topic![i]}`;
        const parts = partitionBytes.get(key) ?? partitionBytes.set(key, new Map()).get(key)!;
        parts.set(partition![i] as number, (parts.get(partition![i] as number) ?? 0) + v);
        const hours =
          tenantHour.get(tenant![i] as string) ??
          tenantHour.set(tenant![i] as string, new Float64Array(24)).get(tenant![i] as string)!;
        const h = new Date(Number(ts![i])).getUTCHours();
        hours[h] = hours[h]! + v;
      }
    }
    const counts = [...perSeries.values()];
    assert.ok(
      Math.min(...counts) < Math.max(...counts),
      `cpu samples per broker range ${Math.min(...counts)}..${Math.max(...counts)}: some are missing`,
    );
    const hot = [...partitionBytes].filter(([, parts]) => {
      const bytes = [...parts.values()].sort((a, b) => a - b);
      return bytes.length >= 3 && bytes[bytes.length - 1]! > 4 * bytes[Math.floor(bytes.length / 2)]!;
    });
    assert.ok(hot.length >= 1, 'a topic with one partition carrying over 4x its median partition');
    const peaks = new Set([...tenantHour.values()].map((h) => h.indexOf(Math.max(...h))));
    assert.ok(peaks.size >= 5, `tenants peak in ${peaks.size} distinct UTC hours`);
  });
});
