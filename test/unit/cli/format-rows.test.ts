import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatRows as formatPieces } from '../../../src/cli/commands/query.js';

const time = '2026-11-24T00:00:00.000Z';

/** The whole text formatRows writes, its pieces joined. */
function formatRows(...args: Parameters<typeof formatPieces>): string {
  return [...formatPieces(...args)].join('');
}
const rows = [null, '', 'a\rb', 'say "hi", then\nleave', 'c'].map((cluster, i) => ({
  time,
  groups: [cluster],
  value: i,
}));

/**
 * Fields of a CSV text by RFC 4180 (quoted fields may hold quotes doubled, commas and line breaks), null for an
 * unquoted empty field.
 */
function parseCsv(text: string): (string | null)[][] {
  const records: (string | null)[][] = [];
  let record: (string | null)[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      let field = '';
      for (i++; ; i++) {
        if (text[i] === '"' && text[i + 1] === '"') field += text[i++];
        else if (text[i] === '"') break;
        else field += text[i];
      }
      record.push(field);
      i++;
    } else {
      const end = text.slice(i).search(/[,\n]/);
      const field = end < 0 ? text.slice(i) : text.slice(i, i + end);
      record.push(field === '' ? null : field);
      i += field.length;
    }
    if (text[i] === ',') i++;
    else {
      records.push(record);
      record = [];
      i++;
    }
  }
  return records;
}

describe('formatRows', () => {
  it('writes CSV that reads back to the same values: null (an empty field) apart from the empty string, quotes, commas and line breaks', () => {
    const csv = formatRows(rows, ['cluster'], 'csv');
    assert.deepEqual(parseCsv(csv), [
      ['time', 'cluster', 'value'],
      ...rows.map((r) => [time, r.groups[0]!, String(r.value)]),
    ]);
    assert.equal(csv.split('\n')[1], `${time},,0`);
    assert.equal(csv.split('\n')[2], `${time},"",1`);
    assert.equal(csv.split('\n')[3], `${time},"a\rb",2`);
  });

  it('shows a null group in a table as (null), the empty string as nothing', () => {
    assert.equal(
      formatRows(rows.slice(0, 2), ['cluster'], 'table'),
      [`time${' '.repeat(20)}  cluster  value`, `${time}  (null)       0`, `${time}  ${' '.repeat(7)}      1`, ''].join(
        '\n',
      ),
    );
  });

  it('shows control characters of a value in a table as escapes, one line per row', () => {
    const table = formatRows(rows.slice(2, 3), ['cluster'], 'table');
    assert.equal(table.split('\n').length, 3); // header, the row, the final line feed
    assert.equal(table.split('\n')[1], `${time}  a\\rb         2`); // 'a\rb' padded to the width of 'cluster'
  });

  it('keeps null and the empty string apart in JSON', () => {
    assert.deepEqual(JSON.parse(formatRows(rows.slice(0, 2), ['cluster'], 'json')), [
      { time, cluster: null, value: 0 },
      { time, cluster: '', value: 1 },
    ]);
  });

  it('aligns a table of 150,000 rows (spreading a column into Math.max overflowed the stack), written in pieces', () => {
    const many = Array.from({ length: 150_000 }, (_, i) => ({ time, groups: [`c${i % 997}`, null], value: i * 0.5 }));
    const table = [...formatPieces(many, ['cluster', 'topic'], 'table')];
    assert.ok(table.length > 10, `${table.length} pieces`);
    const lines = table.join('').split('\n');
    assert.equal(lines.length, 150_002); // header, the rows, the final line feed
    assert.equal(lines[0], `time${' '.repeat(20)}  cluster  topic     value`);
    assert.equal(lines[150_000], `${time}  c449     (null)  74999.5`);
    assert.ok(
      lines.slice(0, -1).every((l) => l.length === lines[0]!.length),
      'every line as wide as the header',
    );
  });

  it('writes JSON and CSV of many rows in pieces that join to one whole text', () => {
    const many = Array.from({ length: 25_000 }, (_, i) => ({ time, groups: [`c${i % 997}`, null], value: i * 0.5 }));
    assert.ok([...formatPieces(many, ['cluster'], 'json')].length > 2);
    const expected = many.map((r) => ({ time, cluster: r.groups[0], topic: null, value: r.value }));
    assert.equal(formatRows(many, ['cluster', 'topic'], 'json'), `${JSON.stringify(expected)}\n`);
    assert.equal(formatRows([], ['cluster'], 'json'), '[]\n');
    const csv = formatRows(many, ['cluster', 'topic'], 'csv').split('\n');
    assert.equal(csv.length, 25_002);
    assert.equal(csv[1], `${time},c0,,0`);
    assert.equal(csv[25_000], `${time},c74,,12499.5`);
  });
});
