import type { Series } from './open-rollups.js';

/** What a line chart shows. Series with different units go on a left and a right axis. */
export interface ChartSpec {
  readonly title: string;
  readonly series: readonly Series[];
  readonly width?: number; // px, default 900
  readonly height?: number; // px, default 420
}

const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** A self-contained SVG line chart with a title, time axis, one or two value axes with units, and a legend. */
export function renderLineChart(spec: ChartSpec): string {
  const width = spec.width ?? 900;
  const height = spec.height ?? 420;
  const units = [...new Set(spec.series.map((s) => s.unit))].slice(0, 2);
  const m = { left: 80, right: units.length > 1 ? 80 : 48, top: 48, bottom: 64 + 18 * Math.ceil(spec.series.length / 4) };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const times = spec.series.flatMap((s) => s.points.map((p) => Date.parse(p.time)));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + 1);
  const x = (t: number): number => m.left + ((t - t0) / (t1 - t0)) * plotW;
  const ranges = units.map((u) => {
    const vs = spec.series.filter((s) => s.unit === u).flatMap((s) => s.points.map((p) => p.value));
    const hi = niceCeil(Math.max(...vs, 0));
    const lo = Math.min(0, ...vs);
    return { unit: u, lo, hi: hi === lo ? lo + 1 : hi };
  });
  const y = (v: number, unit: string): number => {
    const r = ranges.find((q) => q.unit === unit) ?? ranges[0]!;
    return m.top + plotH - ((v - r.lo) / (r.hi - r.lo)) * plotH;
  };
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(spec.title)}</text>`,
    `<line x1="${m.left}" y1="${m.top + plotH}" x2="${m.left + plotW}" y2="${m.top + plotH}" stroke="#333"/>`,
  ];
  for (let i = 0; i <= 6; i++) {
    const t = t0 + ((t1 - t0) * i) / 6;
    const label = new Date(t).toISOString().slice(5, 16).replace('T', ' ');
    out.push(`<line x1="${x(t)}" y1="${m.top + plotH}" x2="${x(t)}" y2="${m.top + plotH + 5}" stroke="#333"/>`, `<text x="${x(t)}" y="${m.top + plotH + 18}" text-anchor="middle">${label}</text>`);
  }
  out.push(`<text x="${m.left + plotW / 2}" y="${m.top + plotH + 36}" text-anchor="middle">time (UTC)</text>`);
  ranges.forEach((r, side) => {
    const ax = side === 0 ? m.left : m.left + plotW;
    out.push(`<line x1="${ax}" y1="${m.top}" x2="${ax}" y2="${m.top + plotH}" stroke="#333"/>`);
    for (let i = 0; i <= 5; i++) {
      const v = r.lo + ((r.hi - r.lo) * i) / 5;
      const yy = y(v, r.unit);
      if (side === 0) out.push(`<line x1="${m.left}" y1="${yy}" x2="${m.left + plotW}" y2="${yy}" stroke="#eee"/>`);
      out.push(`<text x="${side === 0 ? ax - 6 : ax + 6}" y="${yy + 4}" text-anchor="${side === 0 ? 'end' : 'start'}">${formatNumber(v)}</text>`);
    }
    const lx = side === 0 ? 18 : width - 14;
    out.push(`<text transform="translate(${lx},${m.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(r.unit)}</text>`);
  });
  spec.series.forEach((s, i) => {
    const color = palette[i % palette.length]!;
    const path = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${x(Date.parse(p.time)).toFixed(1)},${y(p.value, s.unit).toFixed(1)}`).join(' ');
    out.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    const lx = m.left + (i % 4) * (plotW / 4);
    const ly = height - m.bottom + 56 + 18 * Math.floor(i / 4);
    out.push(`<rect x="${lx}" y="${ly - 9}" width="12" height="3" fill="${color}"/>`, `<text x="${lx + 16}" y="${ly - 4}">${escapeXml(`${s.name} (${s.unit})`)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function niceCeil(v: number): number {
  if (v <= 0) return 0;
  const p = 10 ** Math.floor(Math.log10(v));
  return Math.ceil(v / p) * p;
}

function formatNumber(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

/** Text safe inside SVG/HTML. */
export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);
}
