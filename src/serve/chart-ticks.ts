/** Axis ticks for charts: values on 1-2-5 steps, times on round UTC hours or days. Pure. */

const hourMs = 3_600_000;
const dayMs = 86_400_000;

/** A value axis: its bounds (multiples of `step`, covering the data) and the ticks between them. */
export interface ValueTicks {
  readonly lo: number;
  readonly hi: number;
  readonly step: number; // 1, 2 or 5 times a power of ten, times `factor`
  readonly ticks: readonly number[];
}

/**
 * Ticks for values in [min, max], at most `maxTicks` intervals, on steps of 1, 2 or 5 times a power of ten in units of
 * `factor` (e.g. 2^30 for an axis written in GiB). The axis starts at 0 unless the data go below it.
 */
export function valueTicks(min: number, max: number, maxTicks = 5, factor = 1): ValueTicks {
  const lo0 = Math.min(0, min);
  const hi0 = Math.max(0, max);
  const flat = !((hi0 - lo0) / factor > 1e-200); // all zero (or below any printable precision): one unit step from 0
  const raw = flat ? 1 : (hi0 - lo0) / factor / maxTicks;
  const p = 10 ** Math.floor(Math.log10(raw));
  const mult = [1, 2, 5, 10].find((m) => m * p >= raw * (1 - 1e-12)) ?? 10;
  const step = mult * p * factor;
  const lo = flat ? Math.floor(lo0 / step) * step : Math.floor(lo0 / step + 1e-9) * step;
  const hi = flat ? lo + step : Math.ceil(hi0 / step - 1e-9) * step;
  const n = Math.round((hi - lo) / step);
  return { lo, hi, step, ticks: Array.from({ length: n + 1 }, (_, i) => clean(lo + i * step)) };
}

/** A time tick: its instant and label ('13:00', or the date at midnight, so a chart's days are named). */
export interface TimeTick {
  readonly ms: number;
  readonly label: string;
  readonly midnight: boolean; // a day boundary (00:00 UTC)
}

const hourSteps = [1, 2, 3, 6, 12] as const;
const daySteps = [1, 2, 7, 14, 28] as const;

/** Ticks on round UTC hours (1, 2, 3, 6, 12 h) or whole days over [fromMs, toMs], at most `maxTicks` of them. */
export function timeTicks(fromMs: number, toMs: number, maxTicks = 10): readonly TimeTick[] {
  const span = Math.max(toMs - fromMs, hourMs);
  const hours = hourSteps.find((h) => span / (h * hourMs) <= maxTicks);
  const stepMs =
    hours !== undefined ? hours * hourMs : (daySteps.find((d) => span / (d * dayMs) <= maxTicks) ?? 56) * dayMs;
  const out: TimeTick[] = [];
  for (let t = Math.ceil(fromMs / stepMs) * stepMs; t <= toMs; t += stepMs) {
    const midnight = t % dayMs === 0;
    out.push({ ms: t, label: midnight ? dayLabel(t) : new Date(t).toISOString().slice(11, 16), midnight });
  }
  return out;
}

/** Every 00:00 UTC strictly inside (fromMs, toMs): where the chart draws a day boundary. */
export function dayBoundaries(fromMs: number, toMs: number): readonly number[] {
  const out: number[] = [];
  for (let t = Math.floor(fromMs / dayMs) * dayMs + dayMs; t < toMs; t += dayMs) out.push(t);
  return out;
}

/** 'Nov 24' for an instant, in UTC. */
export function dayLabel(ms: number): string {
  const d = new Date(ms);
  return `${months[d.getUTCMonth()]} ${d.getUTCDate()}`;
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function clean(v: number): number {
  return Number(v.toPrecision(12));
}
