import { HyperLogLog } from '../src/measures/hyperloglog.js';
import { createQuantileSketch, QuantileSketch } from '../src/measures/quantile-sketch.js';
import { Prng } from '../src/sample/prng.js';

// node dist/bench/sketch-microbench.js: times the sketch states a cube record carries (HyperLogLog for `distinct`,
// DDSketch for `distribution`): 5M adds into one sketch, 1M merges of small sketches into one accumulator
// (from objects and from bytes, as a Parquet column is read), and the bytes per small state.
// Every figure is the first pass: JIT warm-up included, as in a job that merges once per run.
const adds = Number(process.env.BENCH_ADDS ?? 5_000_000);
const merges = Number(process.env.BENCH_MERGES ?? 1_000_000);

/** A lognormal latency in ms (median ~20 ms, long tail). */
function latency(random: () => number): number {
  return Math.exp(3 + 1.2 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
}

/**
 * Runs `fn`, prints `label` with its wall and CPU time (CPU time is steadier on a shared machine), returns fn's result.
 */
function time<T>(label: string, operations: number, fn: () => T): T {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = fn();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  const perOp = (x: number): string => ((x * 1e6) / operations).toFixed(0).padStart(5);
  console.log(
    `${label.padEnd(62)} wall ${ms.toFixed(0).padStart(5)} ms ${perOp(ms)} ns/op | cpu ${cpuMs.toFixed(0).padStart(5)} ms ${perOp(cpuMs)} ns/op`,
  );
  return result;
}

/** Mean, min and max of a list of sizes. */
function sizes(list: readonly number[]): string {
  const mean = list.reduce((a, b) => a + b, 0) / list.length;
  return `mean ${mean.toFixed(1)}, min ${Math.min(...list)}, max ${Math.max(...list)}`;
}

/** The HyperLogLog figures. */
function benchHyperLogLog(): void {
  console.log('HyperLogLog (p = 12, DataSketches HLL_8 bytes)');
  const item = new Uint8Array(8);
  const view = new DataView(item.buffer);
  const big = time(`add ${adds} distinct 8-byte integers (addBytes)`, adds, () => {
    const s = new HyperLogLog();
    for (let i = 0; i < adds; i++) {
      view.setUint32(0, i, true);
      s.addBytes(item, 0, 8);
    }
    return s;
  });
  console.log(
    `  estimate ${big.estimate().toFixed(0)} of ${adds} (${((big.estimate() / adds - 1) * 100).toFixed(2)}%)`,
  );
  const names = Array.from({ length: 1_000_000 }, (_, i) => `tn-${i % 997}/topic-${i % 80}/partition-${i}`);
  time(`add ${adds} strings, 1M distinct (addString)`, adds, () => {
    const s = new HyperLogLog();
    for (let i = 0; i < adds; i++) s.addString(names[i % names.length]!);
    return s;
  });

  const singles = time(`build ${merges} one-value sketches (new + addString)`, merges, () =>
    Array.from({ length: merges }, (_, i) => {
      const s = new HyperLogLog();
      s.addString(names[i % names.length]!);
      return s;
    }),
  );
  const singleBytes = time(`toBytes of ${merges} one-value sketches`, merges, () => singles.map((s) => s.toBytes()));
  time(`merge ${merges} one-value sketches into one (objects)`, merges, () => {
    const acc = new HyperLogLog();
    for (const s of singles) acc.merge(s);
    return acc;
  });
  const fromBytes = time(`merge ${merges} one-value sketches into one (fromBytes + merge)`, merges, () => {
    const acc = new HyperLogLog();
    for (const b of singleBytes) acc.merge(HyperLogLog.fromBytes(b));
    return acc;
  });
  console.log(`  estimate ${fromBytes.estimate().toFixed(0)} of ${Math.min(merges, names.length)}`);
  const dense = Array.from({ length: 100 }, (_, k) => {
    const s = new HyperLogLog();
    for (let i = 0; i < 5000; i++) s.addString(names[(k * 5000 + i) % names.length]!);
    return s;
  });
  const denseBytes = dense.map((s) => s.toBytes());
  const denseMerges = Math.max(1, Math.floor(merges / 10));
  time(`merge ${denseMerges} dense sketches into one (fromBytes + merge)`, denseMerges, () => {
    const acc = new HyperLogLog();
    for (let i = 0; i < denseMerges; i++) acc.merge(HyperLogLog.fromBytes(denseBytes[i % denseBytes.length]!));
    return acc;
  });
  const ten = new HyperLogLog();
  for (let i = 0; i < 10; i++) ten.addString(names[i]!);
  console.log(
    `  bytes: one value ${singleBytes[0]!.length}, 10 values ${ten.toBytes().length}, dense ${denseBytes[0]!.length}`,
  );
  console.log(
    `  bytes for ${merges} one-value records: ${singleBytes.reduce((a, b) => a + b.length, 0)} (vs ${merges * denseBytes[0]!.length} dense)`,
  );
}

/** The DDSketch figures. */
function benchQuantileSketch(): void {
  console.log('QuantileSketch (DDSketch 1%, own bin encoding)');
  const prng = new Prng(7);
  const random = (): number => prng.uniform();
  const values = Float64Array.from({ length: adds }, () => latency(random));
  const big = time(`add ${adds} lognormal latencies`, adds, () => {
    const s = createQuantileSketch();
    for (let i = 0; i < values.length; i++) s.add(values[i]!);
    return s;
  });
  console.log(
    `  p50 ${big.quantile(0.5).toFixed(2)} p99 ${big.quantile(0.99).toFixed(2)} max ${big.max.toFixed(2)} ms, ${big.toBytes().length} bytes`,
  );
  const distinct = 1000;
  const hours = Array.from({ length: distinct }, () => {
    const s = createQuantileSketch();
    for (let i = 0; i < 60; i++) s.add(latency(random));
    return s;
  });
  const hourBytes = hours.map((s) => s.toBytes());
  const one = createQuantileSketch();
  one.add(latency(random));
  console.log(`  bytes: one sample ${one.toBytes().length}, 60 samples ${sizes(hourBytes.map((b) => b.length))}`);
  time(`toBytes of ${merges} 60-sample sketches`, merges, () => {
    let total = 0;
    for (let i = 0; i < merges; i++) total += hours[i % distinct]!.toBytes().length;
    return total;
  });
  time(`merge ${merges} 60-sample sketches into one (objects)`, merges, () => {
    const acc = createQuantileSketch();
    for (let i = 0; i < merges; i++) acc.merge(hours[i % distinct]!);
    return acc;
  });
  time(`merge ${merges} 60-sample sketches into one (mergeBytes)`, merges, () => {
    const acc = createQuantileSketch();
    for (let i = 0; i < merges; i++) acc.mergeBytes(hourBytes[i % distinct]!);
    return acc;
  });
  const merged = time(`merge ${merges} 60-sample sketches into one (fromBytes + merge)`, merges, () => {
    const acc = createQuantileSketch();
    for (let i = 0; i < merges; i++) acc.merge(QuantileSketch.fromBytes(hourBytes[i % distinct]!));
    return acc;
  });
  console.log(
    `  merged count ${merged.count}, p99 ${merged.quantile(0.99).toFixed(2)} ms, ${merged.toBytes().length} bytes`,
  );
}

benchHyperLogLog();
benchQuantileSketch();
