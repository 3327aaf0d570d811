/**
 * Numbers for people: a metric's value in its catalog unit written as GiB, k/M, % or ms/s. Pure; JSON and CSV keep full
 * precision.
 */

/**
 * How one axis writes its values: divide by `factor`, append `suffix`; `label` names the unit once, beside the axis.
 */
export interface AxisScale {
  readonly factor: number;
  readonly suffix: string; // appended to each tick label ('' when the label says it all)
  readonly label: string; // the axis title, e.g. 'GiB', 'percent', 'requests'
}

const binary = [
  { factor: 2 ** 40, suffix: 'TiB' },
  { factor: 2 ** 30, suffix: 'GiB' },
  { factor: 2 ** 20, suffix: 'MiB' },
  { factor: 2 ** 10, suffix: 'KiB' },
] as const;
const decimal = [
  { factor: 1e12, suffix: 'T' },
  { factor: 1e9, suffix: 'G' },
  { factor: 1e6, suffix: 'M' },
  { factor: 1e3, suffix: 'k' },
] as const;

/** The scale an axis whose largest absolute value is `maxAbs` uses for `unit` (one prefix for every tick). */
export function axisScale(unit: string, maxAbs: number): AxisScale {
  if (isBytes(unit)) {
    const p = binary.find((b) => maxAbs >= b.factor);
    return p ? { factor: p.factor, suffix: '', label: p.suffix } : { factor: 1, suffix: '', label: 'bytes' };
  }
  if (isPercent(unit)) return { factor: 1, suffix: '%', label: 'percent' };
  if (isMilliseconds(unit))
    return maxAbs >= 1000
      ? { factor: 1000, suffix: '', label: 'seconds' }
      : { factor: 1, suffix: '', label: 'milliseconds' };
  const p = decimal.find((d) => maxAbs >= d.factor);
  return p ? { factor: p.factor, suffix: p.suffix, label: unit } : { factor: 1, suffix: '', label: unit };
}

/**
 * A tick label: the value in the axis' scale, with as many decimals as the tick step needs (step in the metric's unit).
 */
export function formatTick(v: number, scale: AxisScale, step: number): string {
  if (v === 0 && scale.factor > 1) return '0'; // not '0k'
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step / scale.factor) + 1e-9)));
  return `${trimZero((v / scale.factor).toFixed(decimals))}${scale.suffix}`;
}

/**
 * A value with its unit for a table cell or tooltip: three significant digits, e.g. '1.50 GiB', '45.2%', '12.3k
 * requests'.
 */
export function formatQuantity(v: number, unit: string): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (isBytes(unit)) {
    const p = binary.find((b) => a >= b.factor);
    return p ? `${significant(v / p.factor)} ${p.suffix}` : `${significant(v)} ${v === 1 ? 'byte' : 'bytes'}`;
  }
  if (isPercent(unit)) return `${significant(v)}%`;
  if (isMilliseconds(unit)) return a >= 1000 ? `${significant(v / 1000)} s` : `${significant(v)} ms`;
  const p = decimal.find((d) => a >= d.factor);
  return `${p ? `${significant(v / p.factor)}${p.suffix}` : significant(v)} ${unit}`;
}

/** A Pearson correlation as every output shows it to people: two decimals, or 'n/a' (JSON keeps the full number). */
export function formatCorrelation(r: number | null): string {
  return r === null || !Number.isFinite(r) ? 'n/a' : r.toFixed(2);
}

function significant(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 100) return String(Math.round(v));
  return v.toPrecision(3); // keeps trailing zeros ('50.0%', '4.10 MiB') so a column of values lines up
}

function trimZero(s: string): string {
  return s.includes('.') && !/e/i.test(s) ? s.replace(/\.?0+$/, '') : s;
}

function isBytes(unit: string): boolean {
  return unit === 'bytes' || unit === 'byte' || unit === 'B';
}

function isPercent(unit: string): boolean {
  return unit === 'percent' || unit === '%';
}

function isMilliseconds(unit: string): boolean {
  return unit === 'milliseconds' || unit === 'ms';
}
