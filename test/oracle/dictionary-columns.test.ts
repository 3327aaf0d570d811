import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { DataType, tableFromArrays, type Table as ArrowTable } from 'apache-arrow';
import * as wasm from '../../src/parquet/parquet-wasm.js';
import { arrowSchemaValue, withArrowSchema } from '../../src/parquet/arrow-schema-hint.js';
import { readFooter, schemaKeyOf } from '../../src/parquet/parquet-footer.js';
import { openParquet, type ParquetSource } from '../../src/parquet/read-parquet.js';
import { writeParquet } from '../../src/parquet/write-parquet.js';
import { openOracle, sqlString, type Oracle } from '../helpers/duckdb.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** Every row group's values of `columns`, as plain JS values, read through `source`. */
async function valuesOf(
  source: ParquetSource,
  columns: readonly string[],
): Promise<{ rows: unknown[][]; types: string[] }> {
  const rows: unknown[][] = [];
  let types: string[] = [];
  for (let rg = 0; rg < source.rowGroups; rg++) {
    await source.withRowGroup(rg, columns, (t: ArrowTable) => {
      types = columns.map((c) => String(t.getChild(c)!.type));
      for (let i = 0; i < t.numRows; i++) rows.push(columns.map((c) => t.getChild(c)!.get(i)));
    });
  }
  return { rows, types };
}

describe('string columns decoded as dictionaries', () => {
  let db: Oracle;
  before(async () => {
    db = await openOracle(1);
  });
  after(() => db.close());

  it('a DuckDB file (no Arrow schema in it, nulls, several row groups) gives the same values as plain strings', async () => {
    const dir = await makeTempDir('dict');
    try {
      const file = `${dir.path}/d.parquet`;
      await db.run(`COPY (SELECT i, CASE WHEN i % 11 = 0 THEN NULL ELSE 'topic-' || (i % 37) END AS topic, 'r' || (i % 3) AS region, (i * 0.25)::DOUBLE AS value
        FROM range(0, 9000) t(i)) TO ${sqlString(file)} (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
      const bytes = new Uint8Array(await readFile(file));
      const plain = await openParquet(bytes, file);
      const coded = await openParquet(bytes, file, { dictionaryColumns: new Set(['topic', 'region']) });
      const viaBlob = await openParquet(bytes, file, {
        dictionaryColumns: new Set(['topic', 'region']),
        inMemoryBytes: 0,
      });
      try {
        assert.ok(coded.rowGroups >= 4, `expected several row groups, got ${coded.rowGroups}`);
        const columns = ['i', 'topic', 'region', 'value'];
        const a = await valuesOf(plain, columns);
        const b = await valuesOf(coded, columns);
        assert.deepEqual(a.types, ['Int64', 'Utf8', 'Utf8', 'Float64']);
        assert.ok(DataType.isDictionary(coded.schema.fields.find((f) => f.name === 'topic')!.type));
        assert.match(b.types[1]!, /^Dictionary<Int32, .*Utf8>$/);
        assert.equal(b.rows.length, 9000);
        assert.deepEqual(b.rows, a.rows);
        assert.equal(b.rows[11]![1], null);
        assert.equal(b.rows[12]![1], 'topic-12');
        assert.equal(coded.rows, 9000);
        assert.deepEqual([viaBlob.rows, viaBlob.rowGroups], [coded.rows, coded.rowGroups]);
        assert.deepEqual(
          await valuesOf(viaBlob, columns),
          b,
          'the Blob path (large files) decodes what the in-memory path does',
        );
      } finally {
        plain.close();
        coded.close();
        viaBlob.close();
      }
    } finally {
      await dir.remove();
    }
  });

  it('a file with its own Arrow schema and plain-encoded strings keeps its other metadata and its values', async () => {
    const table = tableFromArrays({
      tenant: Array.from({ length: 3000 }, (_, i) => `tenant-${(i * 7) % 101}`),
      n: Float64Array.from({ length: 3000 }, (_, i) => i),
    });
    const bytes = writeParquet(table, {
      rowGroupRows: 1000,
      plainColumns: ['tenant'],
      metadata: new Map([['producer', 'kafka-connect']]),
    });
    const coded = await openParquet(bytes, 'mem.parquet', { dictionaryColumns: new Set(['tenant', 'absent']) });
    try {
      const b = await valuesOf(coded, ['tenant', 'n']);
      assert.match(b.types[0]!, /^Dictionary</);
      assert.deepEqual(
        b.rows.map((r) => r[0]),
        Array.from({ length: 3000 }, (_, i) => `tenant-${(i * 7) % 101}`),
      );
      const rewritten = await wasm.parquetFileFromBlob(
        new Blob(withArrowSchema(bytes, readFooter(bytes), arrowSchemaValue(coded.schema))),
      );
      const kv = rewritten.metadata().fileMetadata().keyValueMetadata();
      assert.equal(kv.get('producer'), 'kafka-connect');
      assert.deepEqual([...kv.keys()].sort(), ['ARROW:schema', 'producer']);
      rewritten.free();
    } finally {
      coded.close();
    }
  });

  it('files with the same schema share a hint key; another schema or other metadata gets another', () => {
    const make = (n: number, tenant: (i: number) => string, metadata?: Map<string, string>): Uint8Array =>
      writeParquet(
        tableFromArrays({
          tenant: Array.from({ length: n }, (_, i) => tenant(i)),
          n: Float64Array.from({ length: n }, (_, i) => i),
        }),
        metadata ? { metadata } : {},
      );
    const keyOf = (bytes: Uint8Array): string => schemaKeyOf(readFooter(bytes));
    const a = keyOf(make(10, (i) => `t${i}`));
    assert.equal(keyOf(make(500, (i) => `other-${i % 7}`)), a);
    assert.notEqual(keyOf(writeParquet(tableFromArrays({ tenant: ['x'], m: Float64Array.of(1) }))), a);
    assert.notEqual(keyOf(make(10, (i) => `t${i}`, new Map([['producer', 'spark']]))), a);
  });

  it('a DuckDB file with nested and extra columns: a projection decodes only its columns, with the values of a full read', async () => {
    const dir = await makeTempDir('project');
    try {
      const file = `${dir.path}/p.parquet`;
      await db.run(`COPY (SELECT i, {'a': i % 5, 'b': 'x' || (i % 3)} AS nested, [i, i + 1] AS list,
          CASE WHEN i % 7 = 0 THEN NULL ELSE 'topic-' || (i % 37) END AS topic, MAP {'k': i % 4} AS labels,
          (i * 0.5)::DOUBLE AS value, 'host-' || (i % 11) AS host
        FROM range(0, 5000) t(i)) TO ${sqlString(file)} (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
      const bytes = new Uint8Array(await readFile(file));
      const dictionaryColumns = new Set(['topic', 'host']);
      const all = ['i', 'nested', 'list', 'topic', 'labels', 'value', 'host'];
      const full = await openParquet(bytes, file, { dictionaryColumns });
      const projected = await openParquet(bytes, file, { dictionaryColumns });
      const viaBlob = await openParquet(bytes, file, { dictionaryColumns, inMemoryBytes: 0 });
      try {
        assert.ok(full.rowGroups >= 2, `expected several row groups, got ${full.rowGroups}`);
        const everything = await valuesOf(full, all);
        for (const columns of [['topic', 'value'], ['host', 'i'], ['value']]) {
          const names: string[] = [];
          await projected.withRowGroup(0, columns, (t) => names.push(...t.schema.fields.map((f) => f.name)));
          assert.deepEqual(
            names,
            all.filter((c) => columns.includes(c)),
            'only the projected columns, in file order',
          );
          const want = everything.rows.map((row) => columns.map((c) => row[all.indexOf(c)]));
          assert.deepEqual((await valuesOf(projected, columns)).rows, want, columns.join(','));
          assert.deepEqual((await valuesOf(viaBlob, columns)).rows, want, `${columns.join(',')} through a Blob`);
        }
        assert.equal(everything.rows[7]![3], null);
        assert.equal(everything.rows[8]![3], 'topic-8');
      } finally {
        full.close();
        projected.close();
        viaBlob.close();
      }
    } finally {
      await dir.remove();
    }
  });
});
