import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type, type Table, type TimestampMillisecond } from 'apache-arrow';
import { writeParquet } from '../../../src/parquet/write-parquet.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import {
  generateSampleDay,
  planSampleBudget,
  planSampleDay,
  sampleMetrics,
  type SampleFile,
} from '../../../src/sample/generate-sample-day.js';
import { writeSampleDay } from '../../../src/sample/write-sample-day.js';

const date = '2026-03-01';
const dayStart = Date.UTC(2026, 2, 1);
const hourMs = 3_600_000;
const deltas = new Set(['received_bytes', 'sent_bytes', 'fetch_requests', 'produce_requests']);
const brokerLevel = new Set(sampleMetrics.filter((m) => m.level === 'broker').map((m) => m.name));

function generate(rows: number, seed = 42): SampleFile[] {
  return [...generateSampleDay({ date, rows, seed })];
}

function totalRows(files: readonly SampleFile[]): number {
  return files.reduce((n, f) => n + f.table.numRows, 0);
}

/** A column as plain JS values (null where invalid); reads the Arrow buffers directly, as get(i) is slow at 5M rows. */
function column(table: Table, name: string): (string | number | null)[] {
  const vector = table.getChild(name);
  assert.ok(vector, `column ${name} missing`);
  const out: (string | number | null)[] = [];
  for (const d of vector.data) {
    const isUtf8 = d.typeId === Type.Utf8;
    const bytes = isUtf8 ? Buffer.from(d.values.buffer, d.values.byteOffset, d.values.byteLength) : undefined;
    // ASCII text: one decode of the chunk, sliced by the byte offsets (they are character offsets then)
    const latin1 = bytes?.toString('latin1');
    const ascii = latin1 !== undefined && /^[\x00-\x7f]*$/.test(latin1) ? latin1 : undefined;
    for (let i = 0; i < d.length; i++) {
      if (!d.getValid(i)) out.push(null);
      else if (ascii !== undefined) out.push(ascii.slice(d.valueOffsets[i]!, d.valueOffsets[i + 1]!));
      else if (bytes) out.push(bytes.toString('utf8', d.valueOffsets[i]!, d.valueOffsets[i + 1]!));
      else out.push(Number(d.values[i]));
    }
  }
  return out;
}

/** The minimal ObjectStore this test needs: put, list (one page) and delete over a map, nothing else. */
function memoryStore(): { store: ObjectStore; objects: Map<string, Uint8Array> } {
  const objects = new Map<string, Uint8Array>();
  const unused = (): never => {
    throw new Error('not used by writeSampleDay');
  };
  const store: ObjectStore = {
    description: 'memory',
    listPage: async (prefix) => ({
      objects: [...objects.keys()]
        .filter((k) => k.startsWith(prefix))
        .sort()
        .map((key) => ({ key, size: objects.get(key)!.byteLength })),
    }),
    head: unused,
    get: unused,
    getRange: unused,
    delete: async (key) => void objects.delete(key),
    put: async (key, body) => void objects.set(key, body.slice()),
  };
  return { store, objects };
}

describe('generateSampleDay', () => {
  it('writes exactly the row budget', () => {
    for (const rows of [50, 300, 2000, 100_000]) assert.equal(totalRows(generate(rows)), rows, `rows=${rows}`);
  });

  it('derives the series, step and previous-day rows from the budget: the core always, whole partitions while a minute step fits', () => {
    const fleet = { core: 1000, total: 4000 };
    assert.deepEqual(planSampleBudget(50, fleet), {
      series: 1000,
      samplesPerSeries: 1,
      stepSeconds: 86_400,
      previousDayRows: 0,
    });
    assert.deepEqual(planSampleBudget(1_000_000, fleet), {
      series: 1000,
      samplesPerSeries: 1000,
      stepSeconds: 86,
      previousDayRows: 21,
    });
    // 4,999,896 in-day rows / 1,440 a day = 3,472 series: the core plus 412 whole partitions of 6 series
    assert.deepEqual(planSampleBudget(5_000_000, fleet), {
      series: 3472,
      samplesPerSeries: 1441,
      stepSeconds: 59,
      previousDayRows: 104,
    });
    assert.deepEqual(planSampleBudget(50_000_000, fleet), {
      series: 4000,
      samplesPerSeries: 12_500,
      stepSeconds: 6,
      previousDayRows: 1042,
    });
  });

  it('rejects a budget that is not a positive integer', () => {
    assert.throws(() => generate(0), /sample rows must be a positive integer, got 0/);
    assert.throws(() => generate(2.5), /got 2.5/);
  });

  it('gives identical Parquet bytes for the same seed and different bytes for another seed', () => {
    const encode = (files: SampleFile[]) =>
      files.map((f) => writeParquet(f.table, { compression: 'zstd', rowGroupRows: 100_000 }));
    const a = encode(generate(20_000, 7));
    const b = encode(generate(20_000, 7));
    const c = encode(generate(20_000, 8));
    assert.equal(a.length, b.length);
    a.forEach((bytes, i) => assert.deepEqual(bytes, b[i]));
    assert.notDeepEqual(a, c);
  });

  it('has the raw schema: millisecond UTC timestamps, plain Utf8 dimensions, Int32 partition', () => {
    const { table } = generate(2000)[0]!;
    const fields = table.schema.fields.map((f) => [f.name, Type[f.type.typeId], f.nullable]);
    assert.deepEqual(fields, [
      ['timestamp', 'Timestamp', false],
      ['metric', 'Utf8', false],
      ['value', 'Float', true],
      ['region', 'Utf8', true],
      ['tenant', 'Utf8', true],
      ['cluster', 'Utf8', true],
      ['broker', 'Utf8', true],
      ['topic', 'Utf8', true],
      ['partition', 'Int', true],
    ]);
    const ts = table.schema.fields[0]!.type as TimestampMillisecond;
    assert.equal(ts.unit, 1); // TimeUnit.MILLISECOND
    assert.equal(ts.timezone, 'UTC');
    assert.equal(table.schema.fields[2]!.type.toString(), 'Float64');
    assert.equal(table.schema.fields[8]!.type.toString(), 'Int32');
  });

  it('covers all 10 metrics, with null topic and partition exactly on broker-level rows', () => {
    const seen = new Set<string>();
    for (const { table } of generate(100_000)) {
      const [metric, topic, partition, broker] = ['metric', 'topic', 'partition', 'broker'].map((c) =>
        column(table, c),
      );
      for (let i = 0; i < table.numRows; i++) {
        const m = metric![i] as string;
        seen.add(m);
        assert.ok(typeof broker![i] === 'string', 'every row names a broker');
        if (brokerLevel.has(m)) assert.deepEqual([topic![i], partition![i]], [null, null], `${m} row ${i}`);
        else assert.ok(typeof topic![i] === 'string' && typeof partition![i] === 'number', `${m} row ${i}`);
      }
    }
    assert.deepEqual([...seen].sort(), sampleMetrics.map((m) => m.name).sort());
  });

  it('keeps values in range: deltas >= 0, cpu 0..100, latency > 0, connections integral', () => {
    let checked = 0;
    for (const { table } of generate(100_000)) {
      const metric = column(table, 'metric');
      const value = column(table, 'value');
      for (let i = 0; i < table.numRows; i++) {
        const [m, v] = [metric[i] as string, value[i] as number | null];
        if (v === null || Number.isNaN(v)) continue;
        checked++;
        if (deltas.has(m)) assert.ok(v >= 0 && Number.isInteger(v), `${m} ${v}`);
        if (m === 'cpu_usage') assert.ok(v >= 0 && v <= 100, `${m} ${v}`);
        if (m === 'request_latency_ms') assert.ok(v > 0, `${m} ${v}`);
        if (m === 'active_connections') assert.ok(Number.isInteger(v) && v >= 0, `${m} ${v}`);
      }
    }
    assert.ok(checked > 99_900, `checked ${checked}`);
  });

  it('writes null, NaN, late and previous-day rows at stable rates (200,000 rows)', () => {
    const files = generate(200_000);
    let [nulls, nans, late, previousDay, outOfOrder] = [0, 0, 0, 0, 0];
    for (const { hour, table } of files) {
      const ts = column(table, 'timestamp') as number[];
      const value = column(table, 'value');
      for (let i = 0; i < table.numRows; i++) {
        const t = ts[i]!;
        if (i > 0 && t < ts[i - 1]!) outOfOrder++;
        if (value[i] === null) nulls++;
        else if (Number.isNaN(value[i])) nans++;
        const tsHour = Math.floor((t - dayStart) / hourMs);
        if (t < dayStart) {
          assert.equal(hour, 0, 'previous-day rows sit in hr=00');
          assert.ok(t >= dayStart - 60_000, `previous-day row at ${new Date(t).toISOString()} is in the last minute`);
          previousDay++;
        } else if (tsHour !== hour) {
          assert.equal(tsHour, hour - 1, 'a late row sits in the folder after its hour');
          late++;
        }
      }
    }
    assert.equal(outOfOrder, 0);
    assert.equal(previousDay, 4);
    assert.ok(nulls >= 9 && nulls <= 10, `nulls ${nulls}`); // one per 20,000 rows
    assert.ok(nans >= 3 && nans <= 4, `NaNs ${nans}`); // one per 50,000 rows
    assert.ok(late >= 350 && late <= 400, `late ${late}`); // one per 500 rows of hours 00..22
  });

  it('skews rows to hot tenants and bytes to hot topics (500,000 rows)', () => {
    const tenantRows = new Map<string, number>();
    const topicBytes = new Map<string, number>();
    let rows = 0;
    for (const { table } of generateSampleDay({ date, rows: 500_000, seed: 42 })) {
      rows += table.numRows;
      const [tenant, metric, cluster, topic, value] = ['tenant', 'metric', 'cluster', 'topic', 'value'].map((c) =>
        column(table, c),
      );
      for (let i = 0; i < table.numRows; i++) {
        const t = tenant![i] as string;
        tenantRows.set(t, (tenantRows.get(t) ?? 0) + 1);
        if (metric![i] !== 'received_bytes') continue;
        const key = `${cluster![i]}/${topic![i]}`;
        const v = value![i] as number | null;
        if (v !== null && !Number.isNaN(v)) topicBytes.set(key, (topicBytes.get(key) ?? 0) + v);
      }
    }
    assert.equal(rows, 500_000);
    const perTenant = [...tenantRows.values()].sort((a, b) => b - a);
    const median = perTenant[Math.floor(perTenant.length / 2)]!;
    assert.ok(perTenant.length >= 5, `tenants present ${perTenant.length}`);
    assert.ok(perTenant[0]! >= 5 * median, `top tenant ${perTenant[0]} rows vs median ${median}`);
    const bytes = [...topicBytes.values()].sort((a, b) => b - a);
    const total = bytes.reduce((a, b) => a + b, 0);
    const top10pct = bytes.slice(0, Math.ceil(bytes.length / 10)).reduce((a, b) => a + b, 0);
    assert.ok(
      top10pct > 0.5 * total,
      `top 10% of ${bytes.length} topics carry ${((100 * top10pct) / total).toFixed(1)}% of bytes`,
    );
  });
});

describe('writeSampleDay', () => {
  it('writes hive-style keys and byte-identical objects on a rewrite', async () => {
    const first = memoryStore();
    const second = memoryStore();
    const options = { date, rows: 30_000, seed: 3, filesPerHour: 3 };
    const summary = await writeSampleDay(first.store, options);
    await writeSampleDay(second.store, options);
    assert.equal(summary.rows, 30_000);
    assert.equal(summary.files, first.objects.size);
    assert.equal(
      summary.bytes,
      [...first.objects.values()].reduce((n, b) => n + b.byteLength, 0),
    );
    for (const key of first.objects.keys())
      assert.match(key, /^raw\/dt=2026-03-01\/hr=([01]\d|2[0-3])\/part-[0-2]\.parquet$/);
    assert.ok(
      first.objects.has('raw/dt=2026-03-01/hr=00/part-0.parquet') ||
        first.objects.has('raw/dt=2026-03-01/hr=00/part-1.parquet'),
    );
    assert.deepEqual([...second.objects.keys()], [...first.objects.keys()]);
    for (const [key, bytes] of first.objects) assert.deepEqual(second.objects.get(key), bytes, key);
  });

  it("removes an earlier, larger sample's files it does not overwrite, and names the objects that are not its own", async () => {
    const { store, objects } = memoryStore();
    await writeSampleDay(store, { date, rows: 30_000, seed: 3, filesPerHour: 3 });
    const before = objects.size;
    objects.set('raw/dt=2026-03-01/hr=05/_SUCCESS', new Uint8Array(0));
    const small = await writeSampleDay(store, { date, rows: 20, seed: 3, filesPerHour: 3 });
    assert.ok(small.files < before, `${small.files} files, ${before} before`);
    assert.equal(small.replaced, before - small.files);
    assert.deepEqual(small.foreign, ['raw/dt=2026-03-01/hr=05/_SUCCESS']);
    assert.equal(objects.size, small.files + 1);
  });
});

describe('generateSampleDay sized by series or step (a high-cardinality day)', () => {
  /** Distinct series (metric and every dimension) of a day, its clusters, and the seconds between a series' samples. */
  function shapeOf(files: readonly SampleFile[]): { series: number; clusters: number; steps: Map<number, number> } {
    const last = new Map<string, number>();
    const clusters = new Set<string>();
    const steps = new Map<number, number>(); // seconds between consecutive samples of a series -> how often
    for (const { table } of files) {
      const cols = ['metric', 'region', 'tenant', 'cluster', 'broker', 'topic', 'partition'].map((c) =>
        column(table, c),
      );
      const ts = column(table, 'timestamp') as number[];
      for (let i = 0; i < table.numRows; i++) {
        const key = cols.map((c) => c[i]).join('|');
        clusters.add(cols[3]![i] as string);
        const t = ts[i]!;
        const before = last.get(key);
        const step = before !== undefined && before >= dayStart && t > before ? (t - before) / 1000 : 0; // previous day: no
        if (step > 0) steps.set(step, (steps.get(step) ?? 0) + 1);
        last.set(key, Math.max(t, before ?? t));
      }
    }
    return { series: last.size, clusters: clusters.size, steps };
  }

  it('keeps the default output byte-identical (golden hashes of the code before the options existed)', async () => {
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256');
    for (const f of generateSampleDay({ date, rows: 20_000, seed: 42 })) {
      hash.update(`${f.hour}/${f.fileIndex}:`);
      hash.update(writeParquet(f.table, { compression: 'zstd', rowGroupRows: 100_000 }));
    }
    assert.equal(hash.digest('hex'), '480dd2c58389dd534dd0cf70aced5b623705b31f21fa2dd1514f1df786149aea');
  });

  it('samples exactly `series` series, more than the seed fleet holds (3,044), on an hourly grid', () => {
    const files = [...generateSampleDay({ date, rows: 4000 * 24, seed: 42, series: 4000 })];
    assert.equal(totalRows(files), 96_000);
    const shape = shapeOf(files);
    assert.equal(shape.series, 4000);
    assert.ok(shape.clusters > 16, `clusters ${shape.clusters}`);
    // 24 samples a series; the grid has 25 slots a day (86,400 / 25 = 3,456 s) to make up for brokers' downtime
    for (const step of shape.steps.keys()) assert.equal(step % 3456, 0, `a series sampled ${step} s apart`);
    assert.ok((shape.steps.get(3456) ?? 0) > 0.9 * 4000 * 23, `grid steps ${shape.steps.get(3456)}`);
  });

  it('sizes the series count for `stepSeconds` and grows the fleet to hold it', () => {
    // 100,000 rows - 2 previous-day rows = 99,998 in-day rows / 24 samples a day = 4,166 series wanted
    const files = [...generateSampleDay({ date, rows: 100_000, seed: 42, stepSeconds: 3600 })];
    assert.equal(totalRows(files), 100_000);
    const shape = shapeOf(files);
    assert.ok(shape.series > 4160 && shape.series <= 4166, `series ${shape.series}`);
    assert.ok(shape.clusters > 16, `clusters ${shape.clusters}`);
  });

  it('plans 300,000 series every 5 minutes from 86.4M rows, by series or by step', () => {
    const fleet = { core: 1000, total: 600_000 };
    // 86,400,000 rows: 1,800 previous-day rows; 86,398,200 / 300,000 = 287.99 -> 288 samples, every 300 s
    assert.deepEqual(planSampleBudget(86_400_000, fleet, { series: 300_000 }), {
      series: 300_000,
      samplesPerSeries: 288,
      stepSeconds: 300,
      previousDayRows: 1800,
    });
    // 86,398,200 / 288 = 299,993 wanted: the core plus 49,832 whole partitions of 6 series = 299,992
    assert.deepEqual(planSampleBudget(86_400_000, fleet, { stepSeconds: 300 }), {
      series: 299_992,
      samplesPerSeries: 289,
      stepSeconds: 298,
      previousDayRows: 1800,
    });
  });

  it('grows the fleet only when asked for more series than the seed fleet holds, the same way every time', () => {
    const seedFleet = planSampleDay({ date, rows: 5_000_000, seed: 42 });
    assert.equal(seedFleet.fleet.clusters.length, 16);
    assert.equal(seedFleet.budget.series, seedFleet.series.count); // 5M rows: every series of the seed fleet
    const grown = planSampleDay({ date, rows: 5_000_000, seed: 42, stepSeconds: 60 });
    // 4,999,896 in-day rows / 1,440 a day = 3,472 series, more than the seed fleet's
    assert.ok(seedFleet.series.count < 3472, `seed fleet ${seedFleet.series.count} series`);
    assert.equal(grown.budget.series, 3472);
    assert.ok(grown.fleet.clusters.length > 16 && grown.series.count >= 3472);
    assert.deepEqual(planSampleDay({ date, rows: 5_000_000, seed: 42, stepSeconds: 60 }).fleet, grown.fleet);
  });

  it('refuses a series count above the rows or a step outside 1..86400', () => {
    assert.throws(
      () => generateSampleDay({ date, rows: 100, seed: 1, series: 101 }).next(),
      /sample --series 101 is not an integer in 1\.\.--rows \(100\)/,
    );
    assert.throws(
      () => generateSampleDay({ date, rows: 100, seed: 1, stepSeconds: 0 }).next(),
      /sample --step 0 is not an integer in 1\.\.86400/,
    );
  });
});
