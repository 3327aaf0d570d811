import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeXml, renderLineChart } from '../../../src/serve/svg-chart.js';

describe('escapeXml', () => {
  const cases: [string, string][] = [
    ['plain', 'plain'],
    ['<script>', '&lt;script&gt;'],
    ['a & b', 'a &amp; b'],
    [`"it's"`, '&quot;it&#39;s&quot;'],
    ['&amp;', '&amp;amp;'],
    ['', ''],
  ];
  for (const [input, want] of cases) it(JSON.stringify(input), () => assert.equal(escapeXml(input), want));
});

describe('renderLineChart', () => {
  const t = (h: number): string => `2026-11-24T${String(h).padStart(2, '0')}:00:00.000Z`;
  const cpu = {
    name: 'broker <1>',
    unit: 'percent',
    points: [
      { time: t(0), value: 10 },
      { time: t(6), value: 40 },
      { time: t(12), value: 20 },
    ],
  };
  const fetches = {
    name: 'fetches',
    unit: 'req/s',
    points: [
      { time: t(0), value: 1500 },
      { time: t(12), value: 2500 },
    ],
  };

  it('one unit: one value axis from 0 to a round ceiling, the time axis in UTC, escaped names', () => {
    const svg = renderLineChart({ title: 'cpu & fetches', series: [cpu], width: 600, height: 300 });
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="600" height="300" viewBox="0 0 600 300"'));
    assert.ok(svg.endsWith('</svg>\n'));
    assert.ok(svg.includes('>cpu &amp; fetches</text>'));
    assert.ok(svg.includes('>broker &lt;1&gt; (percent)</text>'));
    assert.ok(svg.includes('>11-24 00:00</text>') && svg.includes('>11-24 12:00</text>'), 'first and last time ticks');
    // max 40 -> axis 0..40 in five steps
    for (const label of ['0', '8', '16', '24', '32', '40'])
      assert.ok(svg.includes(` text-anchor="end">${label}</text>`), `axis label ${label}`);
    assert.equal(svg.match(/<path /g)?.length, 1);
    assert.ok(!svg.includes('NaN'));
  });

  it('two units: a second axis on the right, with k/M formatting', () => {
    const svg = renderLineChart({ title: 'x', series: [cpu, fetches] });
    assert.ok(svg.includes('rotate(-90)" text-anchor="middle">percent</text>'));
    assert.ok(svg.includes('rotate(-90)" text-anchor="middle">req/s</text>'));
    // max 2500 -> niceCeil 3000: labels 0, 600, 1.2k, 1.8k, 2.4k, 3.0k on the right
    for (const label of ['0', '600', '1.2k', '1.8k', '2.4k', '3.0k'])
      assert.ok(svg.includes(` text-anchor="start">${label}</text>`), `right axis label ${label}`);
    assert.equal(svg.match(/<path /g)?.length, 2);
  });

  it('the path runs left to right across the plot', () => {
    const svg = renderLineChart({ title: 'x', series: [cpu], width: 900 });
    const d = /<path d="([^"]+)"/.exec(svg)![1]!;
    assert.match(d, /^M80\.0,[\d.]+ L[\d.]+,[\d.]+ L852\.0,[\d.]+$/); // left margin 80, right margin 48
  });
});
