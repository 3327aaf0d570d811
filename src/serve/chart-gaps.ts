/** Which steps (hours) of a requested range have no point in any series: drawn as gaps, named under the chart. Pure. */
import type { Series } from './open-rollups.js';

const dayMs = 86_400_000;

/** The range a chart was asked for: [fromMs, toMs) in steps of `stepMs` (an hour for hourly series). */
export interface ChartRange {
  readonly fromMs: number; // inclusive
  readonly toMs: number; // exclusive
  readonly stepMs: number;
}

/** A run of consecutive missing steps, [fromMs, toMs). */
export interface Gap {
  readonly fromMs: number;
  readonly toMs: number;
}

/** What the range holds: the runs of steps no series has, and how many whole days have any point. */
export interface Coverage {
  readonly gaps: readonly Gap[];
  readonly missingSteps: number;
  readonly steps: number;
  readonly daysPresent: number; // UTC days of the range with at least one point
  readonly days: number; // UTC days the range touches
}

/** The coverage of `series` over `range`: a step counts as present when any series has a point in it. */
export function coverageOf(series: readonly Series[], range: ChartRange): Coverage {
  const present = new Set<number>();
  for (const s of series)
    for (const p of s.points) present.add(Math.floor((Date.parse(p.time) - range.fromMs) / range.stepMs));
  const steps = Math.max(0, Math.ceil((range.toMs - range.fromMs) / range.stepMs));
  const gaps: Gap[] = [];
  let missingSteps = 0;
  for (let i = 0; i < steps; i++) {
    if (present.has(i)) continue;
    missingSteps++;
    const from = range.fromMs + i * range.stepMs;
    const last = gaps[gaps.length - 1];
    if (last && last.toMs === from) gaps[gaps.length - 1] = { fromMs: last.fromMs, toMs: from + range.stepMs };
    else gaps.push({ fromMs: from, toMs: from + range.stepMs });
  }
  const firstDay = Math.floor(range.fromMs / dayMs);
  const days = Math.max(1, Math.ceil(range.toMs / dayMs) - firstDay);
  const daysWithData = new Set<number>();
  for (const s of series) for (const p of s.points) daysWithData.add(Math.floor(Date.parse(p.time) / dayMs));
  const daysPresent = [...daysWithData].filter((d) => d >= firstDay && d < firstDay + days).length;
  return { gaps, missingSteps, steps, daysPresent, days };
}

/** The span a heading states: '2 of 7 days present', or '7 days' when all are. */
export function describeSpan(c: Coverage): string {
  if (c.daysPresent === c.days && c.missingSteps === 0) return `${c.days} ${c.days === 1 ? 'day' : 'days'}`;
  if (c.days === 1) return `${c.steps - c.missingSteps} of ${c.steps} hours present`;
  return `${c.daysPresent} of ${c.days} days present`;
}

/**
 * One gap for people: '2026-11-18 00:00 to 2026-11-22 24:00 UTC (5 days)' or '2026-11-24 03:00 to 05:00 UTC (2 hours)'.
 */
export function describeGap(g: Gap): string {
  const from = new Date(g.fromMs).toISOString();
  const toIso = new Date(g.toMs).toISOString();
  const end =
    g.toMs % dayMs === 0
      ? `${new Date(g.toMs - dayMs).toISOString().slice(0, 10)} 24:00`
      : `${toIso.slice(0, 10)} ${toIso.slice(11, 16)}`;
  const sameDay = end.slice(0, 10) === from.slice(0, 10);
  const hours = (g.toMs - g.fromMs) / 3_600_000;
  const length =
    hours % 24 === 0 && g.fromMs % dayMs === 0
      ? `${hours / 24} ${hours === 24 ? 'day' : 'days'}`
      : `${hours} ${hours === 1 ? 'hour' : 'hours'}`;
  return `${from.slice(0, 10)} ${from.slice(11, 16)} to ${sameDay ? end.slice(11) : end} UTC (${length})`;
}
