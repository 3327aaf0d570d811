import { displayValue } from './display-value.js';
import type { Series } from './open-rollups.js';
import { coverageOf, describeGap, type ChartRange } from './chart-gaps.js';
import { dayBoundaries, timeTicks, valueTicks } from './chart-ticks.js';
import { axisScale, formatQuantity, formatTick, type AxisScale } from './format-quantity.js';

/** What a line chart shows. Series with different units go on a left and a right axis (at most two units). */
export interface ChartSpec {
  readonly title: string;
  readonly series: readonly Series[];
  // the range asked for; steps without points are drawn as gaps (default: the data's extent, hourly)
  readonly range?: ChartRange;
  readonly width?: number; // px, default 900
  readonly plotHeight?: number; // px of the plotting area, default 280; the legend and gap notes add to the height
}

/**
 * Paul Tol's "muted" scheme (nine colours told apart with every common colour-vision deficiency, made for lines on
 * white)
 * and a dark grey: ten distinct colours; series past the tenth reuse them dashed.
 */
export const seriesPalette = [
  '#332288',
  '#CC6677',
  '#117733',
  '#88CCEE',
  '#882255',
  '#DDCC77',
  '#44AA99',
  '#999933',
  '#AA4499',
  '#555555',
] as const;

const hourMs = 3_600_000;
const maxGapNotes = 6;

/**
 * A self-contained SVG line chart: title, UTC time axis with day boundaries, one or two value axes, legend, gaps named.
 */
export function renderLineChart(spec: ChartSpec): string {
  const width = spec.width ?? 900;
  const plotH = spec.plotHeight ?? 280;
  const series = spec.series;
  const range = spec.range ?? extentOf(series);
  const coverage = coverageOf(series, range);
  const units = [...new Set(series.map((s) => s.unit))].slice(0, 2);
  const dual = units.length === 2;
  const legendCols = dual ? 2 : 4;
  const legendRows = Math.ceil(series.length / legendCols);
  const gapNotes =
    coverage.gaps.length === 0
      ? []
      : [
          ...coverage.gaps.slice(0, maxGapNotes).map(describeGap),
          ...(coverage.gaps.length > maxGapNotes ? [`and ${coverage.gaps.length - maxGapNotes} more gaps`] : []),
        ];
  const m = { left: 84, right: dual ? 84 : 32, top: 44, bottom: 52 };
  const plotW = width - m.left - m.right;
  const legendY = m.top + plotH + m.bottom;
  const notesY = legendY + legendRows * 20 + 8;
  const height = notesY + (gapNotes.length > 0 ? 20 + gapNotes.length * 16 : 0) + 8;
  const x = (t: number): number => m.left + ((t - range.fromMs) / (range.toMs - range.fromMs)) * plotW;
  const colorOf = (i: number): string => seriesPalette[i % seriesPalette.length]!;
  const axes = units.map((unit, side) => {
    const values = series.filter((s) => s.unit === unit).flatMap((s) => s.points.map((p) => p.value));
    const lo = values.length ? values.reduce((a, b) => Math.min(a, b)) : 0;
    const hi = values.length ? values.reduce((a, b) => Math.max(a, b)) : 1;
    const scale: AxisScale = axisScale(unit, Math.max(Math.abs(lo), Math.abs(hi)));
    const ticks = valueTicks(lo, hi, 5, scale.factor);
    const owners = series.map((s, i) => ({ s, i })).filter((o) => o.s.unit === unit);
    const color = dual && owners.length === 1 ? colorOf(owners[0]!.i) : '#333';
    return { unit, side, scale, ticks, color };
  });
  const y = (v: number, unit: string): number => {
    const a = axes.find((q) => q.unit === unit) ?? axes[0];
    if (!a) return m.top + plotH;
    return m.top + plotH - ((v - a.ticks.lo) / (a.ticks.hi - a.ticks.lo)) * plotH;
  };
  const f = (n: number): string => n.toFixed(1);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(spec.title)}</title>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" ` +
      `font-weight="bold">${escapeXml(spec.title)}</text>`,
  ];
  // gaps first, under everything else: a hatched band per run of missing hours
  out.push(
    `<defs><pattern id="gap-hatch" width="8" height="8" patternUnits="userSpaceOnUse" ` +
      `patternTransform="rotate(45)"><rect width="8" height="8" fill="#f3f3f3"/><line x1="0" y1="0" x2="0" y2="8" ` +
      `stroke="#d0d0d0" stroke-width="3"/></pattern></defs>`,
  );
  for (const g of coverage.gaps) {
    const gx = x(g.fromMs);
    const gw = Math.max(1, x(g.toMs) - gx);
    out.push(
      `<rect class="gap" x="${f(gx)}" y="${m.top}" width="${f(gw)}" height="${plotH}" ` +
        `fill="url(#gap-hatch)"><title>no data: ${escapeXml(describeGap(g))}</title></rect>`,
    );
    if (gw > 56)
      out.push(`<text x="${f(gx + gw / 2)}" y="${m.top + plotH / 2}" text-anchor="middle" fill="#777">no data</text>`);
  }
  for (const a of axes) {
    for (const v of a.ticks.ticks) {
      const yy = f(y(v, a.unit));
      if (a.side === 0)
        out.push(`<line x1="${m.left}" y1="${yy}" x2="${m.left + plotW}" y2="${yy}" stroke="#e6e6e6"/>`);
      const tx = a.side === 0 ? m.left - 6 : m.left + plotW + 6;
      out.push(
        `<text x="${tx}" y="${f(Number(yy) + 4)}" text-anchor="${a.side === 0 ? 'end' : 'start'}" ` +
          `fill="${a.color}">${escapeXml(formatTick(v, a.scale, a.ticks.step))}</text>`,
      );
    }
    const ax = a.side === 0 ? m.left : m.left + plotW;
    out.push(
      `<line x1="${ax}" y1="${m.top}" x2="${ax}" y2="${m.top + plotH}" stroke="${a.color}" ` +
        `stroke-width="${dual ? 2 : 1}"/>`,
    );
    const lx = a.side === 0 ? 18 : width - 14;
    out.push(
      `<text transform="translate(${lx},${m.top + plotH / 2}) rotate(-90)" text-anchor="middle" ` +
        `fill="${a.color}"${dual ? ' font-weight="bold"' : ''}>${escapeXml(a.scale.label)}</text>`,
    );
  }
  for (const d of dayBoundaries(range.fromMs, range.toMs))
    out.push(
      `<line class="day-boundary" x1="${f(x(d))}" y1="${m.top}" x2="${f(x(d))}" y2="${m.top + plotH}" stroke="#888" ` +
        `stroke-dasharray="4 3"/>`,
    );
  out.push(`<line x1="${m.left}" y1="${m.top + plotH}" x2="${m.left + plotW}" y2="${m.top + plotH}" stroke="#333"/>`);
  const ticks = timeTicks(range.fromMs, range.toMs, Math.max(4, Math.floor(plotW / 80)));
  if (ticks.length > 1 && ticks[1]!.ms - ticks[0]!.ms >= 86_400_000) {
    for (let t = Math.ceil(range.fromMs / (6 * hourMs)) * 6 * hourMs; t <= range.toMs; t += 6 * hourMs)
      out.push(`<line x1="${f(x(t))}" y1="${m.top + plotH}" x2="${f(x(t))}" y2="${m.top + plotH + 3}" stroke="#333"/>`);
  }
  for (const t of ticks) {
    out.push(
      `<line x1="${f(x(t.ms))}" y1="${m.top + plotH}" x2="${f(x(t.ms))}" y2="${m.top + plotH + 6}" stroke="#333"/>`,
    );
    out.push(
      `<text x="${f(x(t.ms))}" y="${m.top + plotH + 19}" ` +
        `text-anchor="middle"${t.midnight ? ' font-weight="bold"' : ''}>${t.label}</text>`,
    );
  }
  out.push(
    `<text x="${m.left + plotW / 2}" y="${m.top + plotH + 38}" text-anchor="middle" fill="#555">time (UTC)</text>`,
  );
  if (series.every((s) => s.points.length === 0))
    out.push(
      `<text x="${m.left + plotW / 2}" y="${m.top + plotH / 2 - 18}" text-anchor="middle" font-size="14" ` +
        `fill="#777">no data in this range</text>`,
    );
  series.forEach((s, i) => {
    const color = colorOf(i);
    const dash = i >= seriesPalette.length ? ' stroke-dasharray="6 3"' : '';
    const runs = runsOf(s, range.stepMs);
    const d = runs
      .map((run) => run.map((p, j) => `${j === 0 ? 'M' : 'L'}${f(x(p.ms))},${f(y(p.value, s.unit))}`).join(' '))
      .join(' ');
    const label = displayValue(s.name);
    out.push(`<g class="series" data-series="${escapeXml(label)}">`);
    if (d) out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.8" stroke-linejoin="round"${dash}/>`);
    for (const run of runs)
      if (run.length === 1)
        out.push(`<circle cx="${f(x(run[0]!.ms))}" cy="${f(y(run[0]!.value, s.unit))}" r="2.5" fill="${color}"/>`);
    for (const p of runs.flat()) {
      out.push(
        `<circle cx="${f(x(p.ms))}" cy="${f(y(p.value, s.unit))}" r="4" fill="${color}" ` +
          `fill-opacity="0"><title>${escapeXml(
            `${label}, ` +
              `${new Date(p.ms).toISOString().slice(0, 16).replace('T', ' ')} UTC: ${exactQuantity(p.value, s.unit)}`,
          )}</title></circle>`,
      );
    }
    out.push('</g>');
    const colW = plotW / legendCols;
    const lx = m.left + (i % legendCols) * colW;
    const ly = legendY + 20 * Math.floor(i / legendCols);
    const side = dual ? (s.unit === units[0] ? ' (left axis)' : ' (right axis)') : '';
    out.push(
      `<line x1="${f(lx)}" y1="${ly - 4}" x2="${f(lx + 18)}" y2="${ly - 4}" stroke="${color}" ` +
        `stroke-width="3"${dash}/>`,
      `<text x="${f(lx + 24)}" y="${ly}">${escapeXml(label + side)}</text>`,
    );
  });
  if (gapNotes.length > 0) {
    out.push(
      `<text class="gap-notes" x="${m.left}" y="${notesY + 8}" font-weight="bold">No data (${coverage.missingSteps} ` +
        `of ${coverage.steps} hours missing, drawn as hatched gaps):</text>`,
    );
    gapNotes.forEach((n, i) =>
      out.push(`<text class="gap-note" x="${m.left + 12}" y="${notesY + 24 + i * 16}">${escapeXml(n)}</text>`),
    );
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** The points of a series split where a step is missing, so a line never bridges a gap. */
function runsOf(s: Series, stepMs: number): { ms: number; value: number }[][] {
  const runs: { ms: number; value: number }[][] = [];
  let prev = Number.NaN;
  for (const p of s.points) {
    const ms = Date.parse(p.time);
    if (!(ms - prev <= stepMs)) runs.push([]);
    runs[runs.length - 1]!.push({ ms, value: p.value });
    prev = ms;
  }
  return runs;
}

function extentOf(series: readonly Series[]): ChartRange {
  const times = series.flatMap((s) => s.points.map((p) => Date.parse(p.time)));
  if (times.length === 0) return { fromMs: 0, toMs: hourMs, stepMs: hourMs };
  const from = times.reduce((a, b) => Math.min(a, b));
  return { fromMs: from, toMs: times.reduce((a, b) => Math.max(a, b)) + hourMs, stepMs: hourMs };
}

/** Text safe inside SVG/HTML. */
export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A point's value for its tooltip: as the axis rounds it, and exactly where that rounds it (`13.4% (13.41875)`). */
function exactQuantity(value: number, unit: string): string {
  const rounded = formatQuantity(value, unit);
  return rounded.startsWith(String(value)) ? rounded : `${rounded} (${value})`;
}
