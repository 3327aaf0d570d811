import {
  integerValue,
  listValue,
  readInteger,
  readStructWithList,
  thriftType,
  ThriftDecodeError,
  writeStruct,
  type ThriftField,
} from './thrift-compact.js';

/**
 * A Parquet footer walked once, its row groups left encoded: a reader decodes the few it reads (footerOfRowGroups).
 * A star-tree record file's footer holds every column chunk's metadata and statistics for each of its row groups;
 * decoding it whole (hyparquet) was the largest part of a cold query's work per segment.
 */
export interface FooterRowGroups {
  readonly fields: readonly ThriftField[]; // FileMetaData's top-level fields
  readonly rowGroups: readonly Uint8Array[]; // each RowGroup struct's bytes
  readonly rowGroupStarts: readonly number[]; // first row of each row group, then the total rows
}

const numRowsField = 3; // FileMetaData.num_rows and RowGroup.num_rows: i64
const rowGroupsField = 4; // FileMetaData.row_groups: list<RowGroup>
export const parquetMagic = 0x31524150; // "PAR1" read as a little-endian u32: the last 4 bytes of a Parquet file

/** Walks `footer` (a FileMetaData struct) once: its fields, and each row group's bytes and rows. */
export function indexFooter(footer: Uint8Array): FooterRowGroups {
  const { fields, elements } = readStructWithList(footer, rowGroupsField);
  if (!elements) throw new ThriftDecodeError('footer has no row_groups list');
  const rowGroupStarts = [0];
  for (const [g, group] of elements.entries()) {
    const rows = group.fields.find((f) => f.id === numRowsField && f.type === thriftType.i64);
    if (!rows) throw new ThriftDecodeError(`footer row group ${g} has no num_rows`);
    rowGroupStarts.push(rowGroupStarts.at(-1)! + readInteger(rows.value));
  }
  return { fields, rowGroups: elements.map((e) => e.bytes), rowGroupStarts };
}

/**
 * The tail of a Parquet file (footer, its length, "PAR1") whose footer is `footer`'s with only row groups [from, to)
 * and their rows; every other field is kept as it was. Column chunks name absolute file offsets, so a reader given
 * this footer reads the right bytes of the real file; its row numbers start at `footer.rowGroupStarts[from]`.
 */
export function footerOfRowGroups(footer: FooterRowGroups, from: number, to: number): Uint8Array {
  if (!(from >= 0 && from < to && to <= footer.rowGroups.length))
    throw new RangeError(`row groups [${from}, ${to}) of a footer with ${footer.rowGroups.length}`);
  const rows = footer.rowGroupStarts[to]! - footer.rowGroupStarts[from]!;
  const replaced: ThriftField[] = [
    { id: numRowsField, type: thriftType.i64, value: integerValue(rows) },
    {
      id: rowGroupsField,
      type: thriftType.list,
      value: listValue(thriftType.struct, footer.rowGroups.slice(from, to)),
    },
  ];
  const kept = footer.fields.filter((f) => f.id !== numRowsField && f.id !== rowGroupsField);
  const struct = writeStruct([...kept, ...replaced]);
  const tail = new Uint8Array(struct.length + 8);
  tail.set(struct);
  const view = new DataView(tail.buffer);
  view.setUint32(struct.length, struct.length, true);
  view.setUint32(struct.length + 4, parquetMagic, true);
  return tail;
}
