import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Dictionary, Int32, Int64, makeData, Utf8, vectorFromArray, type Data } from 'apache-arrow';
import fc from 'fast-check';
import { ByteDictionary } from '../../../src/ingest/byte-dictionary.js';
import { encodeDimension } from '../../../src/ingest/encode-column.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A Utf8 column whose value buffer ends exactly after its last value (so the last values are read near the end). */
function exactUtf8(values: readonly (string | null)[]): Data<Utf8> {
  const parts = values.map((v) => encoder.encode(v ?? ''));
  const offsets = new Int32Array(values.length + 1);
  parts.forEach((p, i) => (offsets[i + 1] = offsets[i]! + p.length));
  const bytes = new Uint8Array(offsets[values.length]!);
  parts.forEach((p, i) => bytes.set(p, offsets[i]!));
  const nullBitmap = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((v, i) => {
    if (v !== null) nullBitmap[i >> 3]! |= 1 << (i & 7);
  });
  const nullCount = values.filter((v) => v === null).length;
  return makeData({
    type: new Utf8(),
    length: values.length,
    nullCount,
    nullBitmap,
    valueOffsets: offsets,
    data: bytes,
  });
}

/** The same values three ways: an exact buffer, Arrow's own (padded) builder, and a slice with a non-zero offset. */
function columnsOf(values: readonly (string | null)[]): Record<string, Data> {
  return {
    exact: exactUtf8(values),
    builder: vectorFromArray([...values], new Utf8()).data[0]!,
    sliced: exactUtf8(['lead', null, 'ing', ...values]).slice(3, values.length),
  };
}

/** Encodes `values` split into `chunks` pieces, all into one dictionary, as a file's record batches are. */
function encodeChunks(
  dict: ByteDictionary,
  values: readonly (string | null)[],
  chunks: number,
  build: (v: readonly (string | null)[]) => Data,
): Int32Array {
  const out = new Int32Array(values.length);
  const step = Math.max(1, Math.ceil(values.length / chunks));
  for (let from = 0; from < values.length; from += step) {
    const piece = values.slice(from, from + step);
    encodeDimension('dim', build(piece), dict, out.subarray(from, from + piece.length));
  }
  return out;
}

/** What the ids must be: 0 for null, otherwise 1, 2, ... by first sight of each distinct (UTF-8 normalised) string. */
function expectedIds(values: readonly (string | null)[]): { ids: number[]; distinct: string[] } {
  const seen = new Map<string, number>();
  const ids = values.map((v) => {
    if (v === null) return 0;
    const key = normalise(v);
    if (!seen.has(key)) seen.set(key, seen.size + 1);
    return seen.get(key)!;
  });
  return { ids, distinct: [...seen.keys()] };
}

/** The string as it reads back from UTF-8 (lone surrogates become U+FFFD), which is what the column holds. */
function normalise(s: string): string {
  return decoder.decode(encoder.encode(s));
}

/** Asserts every property of the encoding of `values` against the first-sight oracle. */
function assertEncoding(values: readonly (string | null)[], chunks: number): void {
  const { ids, distinct } = expectedIds(values);
  for (const [kind, data] of Object.entries(columnsOf(values))) {
    const build = (piece: readonly (string | null)[]): Data =>
      kind === 'exact' ? exactUtf8(piece) : (columnsOf(piece)[kind] as Data);
    const dict = new ByteDictionary();
    const out = chunks === 1 ? encodeChunks(dict, values, 1, () => data) : encodeChunks(dict, values, chunks, build);
    assert.deepEqual([...out], ids, `${kind} column ids`);
    assert.equal(dict.count, distinct.length + 1, `${kind} count`);
    assert.deepEqual(dict.values(), [null, ...distinct], `${kind} values`);
    for (const [i, s] of distinct.entries())
      assert.equal(dict.idOfString(s), i + 1, `${kind} idOfString(${JSON.stringify(s)})`);
    assert.equal(dict.count, distinct.length + 1, `${kind} count after idOfString`);
  }
}

const prefixes = ['', 'broker-', 'p'.repeat(30), 'tn-0042-', 'x'.repeat(15), 'y'.repeat(29)];
const suffixes = ['', '.cluster-a.internal', 's'.repeat(30), '\0', 'é'];
const sharedAffixes = fc
  .tuple(
    fc.constantFrom(...prefixes),
    fc.string({ maxLength: 4, unit: 'grapheme-ascii' }),
    fc.constantFrom(...suffixes),
  )
  .map(([p, m, s]) => p + m + s);
const anyString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40, unit: 'grapheme' }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40, unit: 'binary' }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '',
      'a',
      'a\0',
      '\0',
      'us-east-1',
      'ap-south-1',
      'tn-0017-gringotts',
      'lkc-18433',
      'search.retry-37',
    ),
  },
  { weight: 3, arbitrary: sharedAffixes },
  { weight: 1, arbitrary: fc.string({ minLength: 33, maxLength: 3000, unit: 'binary' }) },
);
// Same lengths, differing in one byte of one word: consecutive rows must be compared in full to extend a run.
const runAlphabet = [
  'a',
  'b',
  'ab',
  '',
  'abcdefghijklmnoX',
  'abcdefghijklmnoY',
  'abcdXfghijklmnop',
  'Xbcdefghijklmnop',
];
for (const len of [17, 31, 32, 33, 40])
  runAlphabet.push(
    `${'r'.repeat(len - 1)}X`,
    `${'r'.repeat(len - 1)}Y`,
    `X${'r'.repeat(len - 1)}`,
    `${'r'.repeat(len >> 1)}X${'r'.repeat(len - (len >> 1) - 1)}`,
  );
const column = fc.array(fc.option(anyString, { nil: null, freq: 6 }), { maxLength: 120 });

describe('ByteDictionary through encodeDimension', () => {
  it('gives equal ids exactly to equal strings, dense from 1 in first-sight order, 0 for null', () => {
    fc.assert(
      fc.property(column, fc.integer({ min: 1, max: 4 }), (values, chunks) => assertEncoding(values, chunks)),
      { numRuns: 300 },
    );
  });

  it('keeps those properties over long columns of runs and shuffles (both run-detection modes)', () => {
    const run = fc.record({
      value: fc.option(fc.oneof(sharedAffixes, fc.constantFrom(...runAlphabet)), { nil: null, freq: 8 }),
      repeat: fc.integer({ min: 1, max: 400 }),
    });
    fc.assert(
      fc.property(fc.array(run, { maxLength: 40 }), (runs) =>
        assertEncoding(
          runs.flatMap((r) => Array<string | null>(r.repeat).fill(r.value)),
          1,
        ),
      ),
      { numRuns: 40 },
    );
  });

  it('tells apart values differing only in length, trailing zero bytes or one byte, at every length up to 70', () => {
    const values: string[] = [];
    for (let len = 0; len <= 70; len++) {
      const base = 'k'.repeat(len);
      values.push(base, `${base}\0`);
      if (len > 0)
        values.push(
          `${base.slice(0, -1)}j`,
          `j${base.slice(1)}`,
          `${base.slice(0, len >> 1)}\0${base.slice((len >> 1) + 1)}`,
        );
    }
    assertEncoding([...values, ...values.slice().reverse()], 1);
  });

  it('ends a run at a row that differs from it in any single byte', () => {
    const rows: string[] = [];
    for (const len of [1, 3, 4, 5, 15, 16, 17, 31, 32, 33, 40]) {
      const base = 'r'.repeat(len);
      for (let at = 0; at < len; at++) {
        const other = `${base.slice(0, at)}X${base.slice(at + 1)}`;
        rows.push(...Array<string>(3).fill(base), other, other, base);
      }
    }
    assertEncoding(rows, 1);
  });

  it('interns 200,000 distinct values sharing a 30-byte prefix and suffix', { timeout: 20_000 }, () => {
    const n = 200_000;
    const values = Array.from(
      { length: n },
      (_, i) => `${'cluster-a.broker.region-west-'}${i}${'.internal.example.com.telemetry'}`,
    );
    const data = exactUtf8(values);
    const dict = new ByteDictionary();
    const out = new Int32Array(n);
    encodeDimension('broker', data, dict, out);
    assert.equal(dict.count, n + 1);
    assert.ok(out.every((id, i) => id === i + 1));
    encodeDimension('broker', exactUtf8(values.slice().reverse()), dict, out);
    assert.ok(out.every((id, i) => id === n - i));
    assert.equal(dict.count, n + 1);
    const decoded = dict.values();
    assert.equal(decoded[1], values[0]);
    assert.equal(decoded[n], values[n - 1]);
  });

  it('interns a 100 KB value and its near neighbours', () => {
    const big = 'v'.repeat(100 * 1024);
    const values = [
      big,
      'x',
      big,
      `${big}y`,
      big.slice(1),
      `w${big.slice(1)}`,
      `${big.slice(0, 50_000)}w${big.slice(50_001)}`,
      big,
    ];
    const dict = new ByteDictionary();
    const out = new Int32Array(values.length);
    encodeDimension('topic', exactUtf8(values), dict, out);
    assert.deepEqual([...out], [1, 2, 1, 3, 4, 5, 6, 1]);
    assert.equal(dict.values()[1], big);
    assert.equal(dict.idOfString(big), 1);
  });

  it('interns integer columns as their decimal text, shared with the same text in strings', () => {
    const dict = new ByteDictionary();
    const strings = new Int32Array(3);
    encodeDimension('partition', exactUtf8(['7', 'x', '-3']), dict, strings);
    const ints = vectorFromArray([7, null, -3, 12, 7, 0, -0], new Int32()).data[0]!;
    const out = new Int32Array(ints.length);
    encodeDimension('partition', ints, dict, out);
    assert.deepEqual([...strings], [1, 2, 3]);
    assert.deepEqual([...out], [1, 0, 3, 4, 1, 5, 5]);
    assert.deepEqual(dict.values(), [null, '7', 'x', '-3', '12', '0']);
    assert.equal(dict.idOfNumber(2 ** 40), 6);
    assert.equal(dict.idOfString(String(2 ** 40)), 6);
    const wide = vectorFromArray([2n ** 60n, 2n ** 60n + 1n, 5n, null, 2n ** 60n], new Int64()).data[0]!;
    const wideIds = new Int32Array(wide.length);
    encodeDimension('partition', wide, dict, wideIds);
    assert.deepEqual([...wideIds], [7, 8, 9, 0, 7]);
    assert.deepEqual(dict.values().slice(7), [String(2n ** 60n), String(2n ** 60n + 1n), '5']);
    // small ints take a direct table
    const edge = vectorFromArray([1023, 1024, 1023, 100_000, 1024, 12, -1], new Int32()).data[0]!;
    const edgeIds = new Int32Array(edge.length);
    encodeDimension('partition', edge, dict, edgeIds);
    assert.deepEqual([...edgeIds], [10, 11, 10, 12, 11, 4, 13]);
    assert.deepEqual(dict.values().slice(10), ['1023', '1024', '100000', '-1']);
    assert.equal(dict.idOfString('1023'), 10);
  });

  it('gives a dictionary-encoded column the ids of the same plain column', () => {
    fc.assert(
      fc.property(column, (values) => {
        const dictionaryData = vectorFromArray([...values], new Dictionary(new Utf8(), new Int32())).data[0]!;
        const viaCodes = new ByteDictionary();
        const out = new Int32Array(values.length);
        encodeDimension('region', dictionaryData, viaCodes, out);
        const { ids, distinct } = expectedIds(values);
        assert.deepEqual([...out], ids);
        assert.deepEqual(viaCodes.values(), [null, ...distinct]);
      }),
      { numRuns: 100 },
    );
  });
});

describe('ByteDictionary values as text', () => {
  it('distinct byte strings (any bytes: invalid UTF-8, a byte order mark, text starting with hex:) get distinct texts, and hex: texts give back the bytes', () => {
    const byteStrings = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 12 }).map((s) => encoder.encode(s)),
      fc.uint8Array({ maxLength: 8 }).map((b) => Uint8Array.from([...encoder.encode('hex:'), ...b])),
      fc.uint8Array({ maxLength: 8 }).map((b) => Uint8Array.from([0xef, 0xbb, 0xbf, ...b])),
    );
    fc.assert(
      fc.property(
        fc.uniqueArray(byteStrings, { minLength: 1, maxLength: 60, selector: (b) => Array.from(b).join(',') }),
        (values) => {
          const dict = new ByteDictionary();
          for (const v of values) dict.idOfBytes(v, 0, v.length);
          const texts = dict.values().slice(1);
          assert.equal(texts.length, values.length);
          assert.equal(new Set(texts).size, values.length, 'two byte strings share a text');
          texts.forEach((t, i) => {
            const bytes = t!.startsWith('hex:') ? Uint8Array.from(Buffer.from(t!.slice(4), 'hex')) : encoder.encode(t!);
            assert.deepEqual(bytes, values[i]);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('invalid UTF-8 is written as hex: and its bytes; valid text as itself', () => {
    const dict = new ByteDictionary();
    for (const v of [
      Uint8Array.of(0xff, 0x41),
      Uint8Array.of(0xfe, 0x41),
      encoder.encode('tenant-1'),
      encoder.encode('hex:x'),
    ])
      dict.idOfBytes(v, 0, v.length);
    assert.deepEqual(dict.values(), [null, 'hex:ff41', 'hex:fe41', 'tenant-1', 'hex:6865783a78']);
  });

  it('gives a value as plain UTF-8 text for files this tool wrote: a stored hex: value stays as it is', () => {
    const dict = new ByteDictionary();
    const ids = ['hex:ff41', 'tenant-1', 'é'].map((t) => dict.idOfString(t));
    assert.deepEqual(
      ids.map((id) => dict.utf8Text(id)),
      ['hex:ff41', 'tenant-1', 'é'],
    );
    assert.equal(dict.utf8Text(ByteDictionary.nullId), null);
    assert.equal(dict.values()[ids[0]!], 'hex:6865783a66663431', 'values() marks it again: not for our own files');
  });
});
