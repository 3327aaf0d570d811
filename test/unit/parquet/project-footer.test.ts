import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  Field,
  Float64,
  Int32,
  Int64,
  Struct,
  Table,
  TimestampMillisecond,
  Utf8,
  vectorFromArray,
  type DataType,
  type Vector,
} from 'apache-arrow';
import { withArrowSchema } from '../../../src/parquet/arrow-schema-hint.js';
import { readFooter, schemaElements } from '../../../src/parquet/parquet-footer.js';
import { projectFooterFields, topLevelNames } from '../../../src/parquet/project-footer.js';
import { openParquet } from '../../../src/parquet/read-parquet.js';
import { writeParquet } from '../../../src/parquet/write-parquet.js';
import { readStructList, thriftType } from '../../../src/parquet/thrift-compact.js';

/** A column of the test files: its type and a value of row i drawn from seed s. */
interface ColumnKind {
  readonly type: () => DataType;
  readonly value: (i: number, s: number) => unknown;
}

const kinds: readonly ColumnKind[] = [
  { type: () => new Int64(), value: (i, s) => BigInt((i * 7919 + s) % 1000) },
  { type: () => new Float64(), value: (i, s) => ((i + s) % 5 === 0 ? null : (i * 0.37 + s) % 11) },
  { type: () => new Utf8(), value: (i, s) => ((i + s) % 4 === 0 ? null : `v${(i * 31 + s) % 13}`) },
  { type: () => new Int32(), value: (i, s) => (i * 13 + s) % 100 },
  { type: () => new TimestampMillisecond('UTC'), value: (i, s) => 1_700_000_000_000 + ((i + s) % 60) * 60_000 },
  {
    // a nested column: two leaves under one top-level name
    type: () => new Struct([new Field('a', new Int32(), true), new Field('b', new Utf8(), true)]),
    value: (i, s) => ({ a: (i + s) % 9, b: `s${(i * 3 + s) % 5}` }),
  },
];

/** A file of `rows` rows with the columns `picks` (indexes into `kinds`), named c0, c1, ... */
function fileOf(picks: readonly number[], rows: number, seed: number, rowGroupRows: number): Uint8Array {
  const columns: Record<string, Vector> = {};
  picks.forEach((k, c) => {
    const kind = kinds[k]!;
    columns[`c${c}`] = vectorFromArray(
      Array.from({ length: rows }, (_, i) => kind.value(i, seed + c)),
      kind.type(),
    );
  });
  return writeParquet(new Table(columns), { rowGroupRows });
}

/** Each column of a decoded row group as JSON text, by name. */
function valuesOf(table: Table): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of table.schema.fields) {
    const column = table.getChild(f.name)!;
    out.set(
      f.name,
      JSON.stringify(
        Array.from({ length: table.numRows }, (_, i) => column.get(i)),
        replacer,
      ),
    );
  }
  return out;
}

function replacer(_key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return `${v}n`;
  if (v !== null && typeof v === 'object' && 'toJSON' in v) return (v as { toJSON(): unknown }).toJSON();
  return v;
}

/** Decodes every row group of `bytes` with `columns`: each row group's column names and values. */
async function readAll(
  bytes: Uint8Array,
  columns: readonly string[],
  dictionaryColumns?: ReadonlySet<string>,
): Promise<{ names: string[]; values: Map<string, string> }[]> {
  const source = await openParquet(bytes, 'test.parquet', dictionaryColumns ? { dictionaryColumns } : {});
  try {
    const out: { names: string[]; values: Map<string, string> }[] = [];
    for (let rg = 0; rg < source.rowGroups; rg++)
      out.push(
        await source.withRowGroup(rg, columns, (t) => ({
          names: t.schema.fields.map((f) => f.name),
          values: valuesOf(t),
        })),
      );
    return out;
  } finally {
    source.close();
  }
}

/** The file with its `ARROW:schema` entry removed, as files from writers other than Arrow's come. */
function withoutArrowSchema(bytes: Uint8Array): Uint8Array {
  const [body, tail] = withArrowSchema(bytes, readFooter(bytes), null);
  return Buffer.concat([body, tail]);
}

describe('column projection of the in-memory decoder', () => {
  it('decodes only the projected columns, each equal to the same column decoded with all the others', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: kinds.length - 1 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 1, max: 128 }),
        fc.boolean(),
        fc.boolean(),
        fc.infiniteStream(fc.boolean()),
        async (picks, drawnRows, seed, rowGroupRows, strip, hint, choose) => {
          const rows = Math.min(drawnRows, 16 * rowGroupRows); // up to 16 row groups: each costs a decode of its own
          const written = fileOf(picks, rows, seed, rowGroupRows);
          const bytes = strip ? withoutArrowSchema(written) : written;
          const names = picks.map((_, c) => `c${c}`);
          const chosen = names.filter(() => choose.next().value);
          // asked in another order than the file's, with a name the file does not have
          const asked = [...chosen].reverse().concat('absent');
          const dictionaries = hint ? new Set(names) : undefined;
          const all = await readAll(bytes, names, dictionaries);
          const projected = await readAll(bytes, asked, dictionaries);
          assert.equal(projected.length, all.length);
          projected.forEach((group, rg) => {
            assert.deepEqual(group.names, chosen); // file order, nothing else decoded
            for (const name of chosen) assert.equal(group.values.get(name), all[rg]!.values.get(name), name);
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reads a file of more row groups than the in-memory decoder takes (257 of one row) through the Blob reader alike', async () => {
    const many = fileOf([0, 2, 1, 4], 257, 7, 1);
    const few = fileOf([0, 2, 1, 4], 257, 7, 257);
    const names = ['c0', 'c1', 'c2', 'c3'];
    const groups = await readAll(many, ['c2', 'c0']);
    assert.equal(groups.length, 257);
    const [whole] = await readAll(few, names);
    for (const name of ['c0', 'c2']) {
      const rows = groups.flatMap((g) => JSON.parse(g.values.get(name)!) as unknown[]);
      assert.deepEqual(rows, JSON.parse(whole!.values.get(name)!), name);
    }
    assert.ok(groups.every((g) => g.names.join() === 'c0,c2'));
  });

  it('reads the same columns again from the same source, and other projections after them', async () => {
    const bytes = fileOf([0, 2, 1, 5], 50, 3, 20);
    const source = await openParquet(bytes, 'test.parquet');
    try {
      const names = async (rg: number, columns: string[]): Promise<string[]> =>
        source.withRowGroup(rg, columns, (t) => t.schema.fields.map((f) => f.name));
      assert.deepEqual(await names(0, ['c2']), ['c2']);
      assert.deepEqual(await names(1, ['c2']), ['c2']);
      assert.deepEqual(await names(2, ['c3', 'c0']), ['c0', 'c3']);
      assert.deepEqual(await names(0, ['c0', 'c1', 'c2', 'c3']), ['c0', 'c1', 'c2', 'c3']);
    } finally {
      source.close();
    }
  });
});

describe('projectFooterFields', () => {
  const bytes = fileOf([0, 5, 2], 40, 1, 16); // leaves: c0, c1.a, c1.b, c2
  const footer = readFooter(bytes);
  const listOf = (fields: readonly { id: number; type: number; value: Uint8Array }[], id: number) =>
    readStructList(fields.find((f) => f.id === id && f.type === thriftType.list)!.value);

  it('keeps the kept columns subtrees and their leaves column chunks in every row group', () => {
    const fields = projectFooterFields(footer, new Set(['c1', 'c2']))!;
    const projected = { fields, start: footer.start };
    assert.deepEqual(topLevelNames(projected), ['c1', 'c2']);
    assert.equal(schemaElements(projected).length, 1 + 3 + 1); // root, c1 and its two leaves, c2
    const groups = listOf(fields, 4);
    assert.equal(groups.length, 3);
    for (const group of groups) assert.equal(listOf(group, 1).length, 3);
    assert.equal(listOf(fields, 7).length, 3); // column orders, one per kept leaf
  });

  it('undefined when every column is kept', () => {
    assert.equal(projectFooterFields(footer, new Set(['c0', 'c1', 'c2', 'extra'])), undefined);
  });

  it('undefined for an encrypted footer', () => {
    const encrypted = {
      fields: [...footer.fields, { id: 8, type: thriftType.struct, value: new Uint8Array([0]) }],
      start: 0,
    };
    assert.equal(projectFooterFields(encrypted, new Set(['c0'])), undefined);
  });
});
