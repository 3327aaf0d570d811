import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { coverageOf, describeGap, describeSpan } from '../../../src/serve/chart-gaps.js';
import { dayBoundaries, timeTicks, valueTicks } from '../../../src/serve/chart-ticks.js';
import { axisScale, formatCorrelation, formatQuantity, formatTick } from '../../../src/serve/format-quantity.js';
import type { Series } from '../../../src/serve/open-rollups.js';
import { renderLineChart, seriesPalette } from '../../../src/serve/svg-chart.js';

const gib = 2 ** 30;
const at = (iso: string): number => Date.parse(iso);
const hourly = (
  name: string,
  unit: string,
  fromIso: string,
  hours: readonly number[],
  value: (h: number) => number = (h) => h,
): Series => ({
  name,
  unit,
  points: hours.map((h) => ({ time: new Date(at(fromIso) + h * 3_600_000).toISOString(), value: value(h) })),
});

describe('value ticks', () => {
  it('fall on 1-2-5 steps from zero and cover the data', () => {
    assert.deepEqual(valueTicks(0, 87), { lo: 0, hi: 100, step: 20, ticks: [0, 20, 40, 60, 80, 100] });
    assert.deepEqual(valueTicks(12, 42), { lo: 0, hi: 50, step: 10, ticks: [0, 10, 20, 30, 40, 50] });
    assert.deepEqual(valueTicks(0, 0.37).ticks, [0, 0.1, 0.2, 0.3, 0.4]);
    assert.deepEqual(valueTicks(-3, 7), { lo: -4, hi: 8, step: 2, ticks: [-4, -2, 0, 2, 4, 6, 8] });
    assert.deepEqual(valueTicks(0, 2300), { lo: 0, hi: 2500, step: 500, ticks: [0, 500, 1000, 1500, 2000, 2500] });
    assert.deepEqual(valueTicks(0, 0), { lo: 0, hi: 1, step: 1, ticks: [0, 1] }, 'a flat zero line still has an axis');
  });

  it('step in the axis unit: 3.7 GiB gets whole GiB, 300 MiB-ish values get 0.1 GiB steps', () => {
    assert.deepEqual(valueTicks(0, 3.7 * gib, 5, gib), {
      lo: 0,
      hi: 4 * gib,
      step: gib,
      ticks: [0, gib, 2 * gib, 3 * gib, 4 * gib],
    });
    const small = valueTicks(0, 0.3 * gib, 5, gib);
    assert.equal(small.step / gib, 0.1);
  });

  it('property: any range gets a step of 1, 2 or 5 times a power of ten, at most maxTicks intervals, covering [min, max]', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e12, max: 1e12, noNaN: true }),
        fc.double({ min: 0, max: 1e12, noNaN: true }),
        fc.integer({ min: 3, max: 10 }),
        (a, width, maxTicks) => {
          const min = a;
          const max = a + width;
          const t = valueTicks(min, max, maxTicks);
          const mantissa = t.step / 10 ** Math.floor(Math.log10(t.step) + 1e-9);
          assert.ok(
            [1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6),
            `step ${t.step}`,
          );
          const slack = 1e-9 * t.step; // bounds are multiples of the step, up to rounding
          assert.ok(
            t.lo <= Math.min(0, min) + slack && t.hi >= Math.max(0, max) - slack,
            `${t.lo}..${t.hi} covers ${min}..${max}`,
          );
          assert.ok(t.ticks.length - 1 <= maxTicks + 1, `${t.ticks.length} ticks for at most ${maxTicks}`);
        },
      ),
    );
  });
});

describe('time ticks', () => {
  it('two days: every six hours, midnights labelled with the date', () => {
    const ticks = timeTicks(at('2026-11-23T00:00:00Z'), at('2026-11-25T00:00:00Z'), 10);
    assert.deepEqual(
      ticks.map((t) => t.label),
      ['Nov 23', '06:00', '12:00', '18:00', 'Nov 24', '06:00', '12:00', '18:00', 'Nov 25'],
    );
    assert.deepEqual(
      ticks.filter((t) => t.midnight).map((t) => new Date(t.ms).toISOString()),
      ['2026-11-23T00:00:00.000Z', '2026-11-24T00:00:00.000Z', '2026-11-25T00:00:00.000Z'],
    );
  });

  it('seven days: one tick a day at midnight; one day: round hours', () => {
    assert.deepEqual(
      timeTicks(at('2026-11-18T00:00:00Z'), at('2026-11-25T00:00:00Z'), 10).map((t) => t.label),
      ['Nov 18', 'Nov 19', 'Nov 20', 'Nov 21', 'Nov 22', 'Nov 23', 'Nov 24', 'Nov 25'],
    );
    assert.deepEqual(
      timeTicks(at('2026-11-24T00:00:00Z'), at('2026-11-24T12:00:00Z'), 8).map((t) => t.label),
      ['Nov 24', '02:00', '04:00', '06:00', '08:00', '10:00', '12:00'],
    );
  });

  it('a range that does not start on the hour gets its first tick at the next round hour', () => {
    const ticks = timeTicks(at('2026-11-24T13:20:00Z'), at('2026-11-24T19:00:00Z'), 10);
    assert.deepEqual(
      ticks.map((t) => t.label),
      ['14:00', '15:00', '16:00', '17:00', '18:00', '19:00'],
    );
  });

  it('day boundaries are the midnights strictly inside the range', () => {
    assert.deepEqual(
      dayBoundaries(at('2026-11-22T06:00:00Z'), at('2026-11-25T00:00:00Z')).map((t) =>
        new Date(t).toISOString().slice(0, 10),
      ),
      ['2026-11-23', '2026-11-24'],
    );
  });
});

describe('units for people', () => {
  it('values with their unit: binary bytes, percent, k/M counts, ms/s', () => {
    assert.equal(formatQuantity(1.5 * gib, 'bytes'), '1.50 GiB');
    assert.equal(formatQuantity(1_234_567_890_123, 'bytes'), '1.12 TiB');
    assert.equal(formatQuantity(512, 'bytes'), '512 bytes');
    assert.equal(formatQuantity(45.234, 'percent'), '45.2%');
    assert.equal(formatQuantity(12_345, 'requests'), '12.3k requests');
    assert.equal(formatQuantity(2_500_000, 'requests'), '2.50M requests');
    assert.equal(formatQuantity(0, 'requests'), '0 requests');
    assert.equal(formatQuantity(50, 'percent'), '50.0%', 'three significant digits, so a column lines up');
    assert.equal(formatQuantity(0.25, 'connections'), '0.250 connections');
    assert.equal(formatQuantity(1500, 'milliseconds'), '1.50 s');
    assert.equal(formatQuantity(8.25, 'milliseconds'), '8.25 ms');
  });

  it('axes name the unit once and write ticks in it, with the decimals the step needs', () => {
    const bytes = axisScale('bytes', 3.7 * gib);
    assert.equal(bytes.label, 'GiB');
    assert.equal(formatTick(2 * gib, bytes, gib), '2');
    assert.equal(formatTick(1.5 * gib, bytes, 0.5 * gib), '1.5');
    const pct = axisScale('percent', 87);
    assert.deepEqual([pct.label, formatTick(40, pct, 20)], ['percent', '40%']);
    const req = axisScale('requests', 2_300_000);
    assert.deepEqual(
      [req.label, formatTick(1_500_000, req, 500_000), formatTick(0, req, 500_000)],
      ['requests', '1.5M', '0'],
    );
    assert.equal(formatTick(0.2, axisScale('connections', 0.4), 0.1), '0.2');
  });

  it('correlation: two decimals everywhere, n/a when undefined', () => {
    assert.equal(formatCorrelation(0.87654), '0.88');
    assert.equal(formatCorrelation(-0.1), '-0.10');
    assert.equal(formatCorrelation(null), 'n/a');
  });
});

describe('gaps and the span a heading states', () => {
  const range = { fromMs: at('2026-11-18T00:00:00Z'), toMs: at('2026-11-25T00:00:00Z'), stepMs: 3_600_000 };
  const twoDays = Array.from({ length: 48 }, (_, h) => h);

  it('two of seven days present: one five-day gap named with its bounds', () => {
    const c = coverageOf([hourly('b1', 'percent', '2026-11-23T00:00:00Z', twoDays)], range);
    assert.equal(describeSpan(c), '2 of 7 days present');
    assert.equal(c.missingSteps, 120);
    assert.deepEqual(c.gaps.map(describeGap), ['2026-11-18 00:00 to 2026-11-22 24:00 UTC (5 days)']);
  });

  it('a few missing hours inside a day are their own gap; a full range says just the days', () => {
    const hours = Array.from({ length: 168 }, (_, h) => h).filter((h) => h < 99 || h > 101);
    const c = coverageOf([hourly('b1', 'percent', '2026-11-18T00:00:00Z', hours)], range);
    assert.deepEqual(c.gaps.map(describeGap), ['2026-11-22 03:00 to 06:00 UTC (3 hours)']);
    assert.equal(describeSpan(c), '7 of 7 days present');
    assert.equal(
      describeSpan(
        coverageOf(
          [
            hourly(
              'b1',
              'percent',
              '2026-11-18T00:00:00Z',
              Array.from({ length: 168 }, (_, h) => h),
            ),
          ],
          range,
        ),
      ),
      '7 days',
    );
  });
});

describe('the SVG line chart', () => {
  const range = { fromMs: at('2026-11-23T00:00:00Z'), toMs: at('2026-11-25T00:00:00Z'), stepMs: 3_600_000 };

  it('breaks a line at a missing hour instead of drawing across it, and names the gap under the chart', () => {
    const hours = Array.from({ length: 48 }, (_, h) => h).filter((h) => h !== 30);
    const svg = renderLineChart({
      title: 't',
      series: [hourly('broker-1', 'percent', '2026-11-23T00:00:00Z', hours, () => 50)],
      range,
    });
    const d = /<path d="([^"]+)"/.exec(svg)![1]!;
    assert.equal(d.match(/M/g)!.length, 2, 'two runs');
    assert.match(svg, /<rect class="gap"[^>]*><title>no data: 2026-11-24 06:00 to 07:00 UTC \(1 hour\)<\/title>/);
    assert.match(svg, /No data \(1 of 48 hours missing/);
  });

  it('ten series get ten distinct colours; the legend names the series without repeating the unit', () => {
    const series = Array.from({ length: 10 }, (_, i) =>
      hourly(`broker-${i}`, 'percent', '2026-11-23T00:00:00Z', [0, 1, 2], () => i),
    );
    const svg = renderLineChart({ title: 't', series, range });
    const strokes = [...svg.matchAll(/<path d="[^"]+" fill="none" stroke="(#[0-9A-F]{6})"/g)].map((m) => m[1]);
    assert.equal(new Set(strokes).size, 10);
    assert.deepEqual(strokes, [...seriesPalette]);
    assert.doesNotMatch(svg, /broker-\d \(percent\)/);
    assert.match(svg, />broker-3<\/text>/);
    assert.match(svg, /<title>broker-3, 2026-11-23 01:00 UTC: 3.00%<\/title>/, 'tooltip with the value for people');
  });

  it("a point's tooltip gives its exact value where the one shown is rounded", () => {
    const exact = [13.41875, 1_003_859];
    const series = [
      hourly('cpu', 'percent', '2026-11-23T00:00:00Z', [0], () => exact[0]!),
      hourly('fetches', 'requests', '2026-11-23T00:00:00Z', [0], () => exact[1]!),
    ];
    const svg = renderLineChart({ title: 't', series, range });
    assert.match(svg, /<title>cpu, 2026-11-23 00:00 UTC: 13\.4% \(13\.41875\)<\/title>/);
    assert.match(svg, /<title>fetches, 2026-11-23 00:00 UTC: 1\.00M requests \(1003859\)<\/title>/);
  });

  it('two units: a left and a right axis, each coloured like its line, ticks formatted per unit', () => {
    const cpu = hourly('cpu_usage (avg)', 'percent', '2026-11-23T00:00:00Z', [0, 1, 2, 3], (h) => 20 + h * 10);
    const req = hourly(
      'fetch_requests (sum)',
      'requests',
      '2026-11-23T00:00:00Z',
      [0, 1, 2, 3],
      (h) => 1_000_000 * (h + 1),
    );
    const svg = renderLineChart({ title: 't', series: [cpu, req], range });
    const [c0, c1] = seriesPalette;
    assert.match(svg, new RegExp(`rotate\\(-90\\)" text-anchor="middle" fill="${c0}" font-weight="bold">percent<`));
    assert.match(svg, new RegExp(`rotate\\(-90\\)" text-anchor="middle" fill="${c1}" font-weight="bold">requests<`));
    assert.match(svg, new RegExp(`text-anchor="start" fill="${c1}">4M<`), 'right axis ticks in M');
    assert.match(svg, new RegExp(`text-anchor="end" fill="${c0}">50%<`), 'left axis ticks in %');
    assert.match(svg, />cpu_usage \(avg\) \(left axis\)</);
  });
});
