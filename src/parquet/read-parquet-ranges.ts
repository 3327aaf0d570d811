import { ZSTDDecoder } from 'zstddec';
import { type AsyncBuffer, type Compressors, type FileMetaData, parquetMetadata, parquetRead } from 'hyparquet';
import { footerOfRowGroups, indexFooter, parquetMagic, type FooterRowGroups } from './footer-row-groups.js';

/** Where a ranged reader gets its bytes: [start, end) of one object whose size is known. */
export interface ByteRangeSource {
  readonly byteLength: number; // bytes of the whole object
  read(start: number, end: number): Promise<Uint8Array>;
}

/** What a ranged reader fetched so far. */
export interface RangeReadCost {
  bytesRead: number; // bytes fetched (footer and column chunks)
  requests: number; // ranged reads issued
  rowGroupsRead: number; // distinct row groups whose column chunks were fetched (their pages decoded as needed)
}

/** One decoded column of a row span: values by row (bigint for INT64 and timestamps, null for nulls). */
export type DecodedColumn = ArrayLike<unknown>;

/** A Parquet file opened by its footer alone; rows are read on demand, only the columns asked for. */
export interface RangedParquet {
  readonly key: string;
  readonly rows: number;
  readonly rowGroupStarts: readonly number[]; // first row of each row group, then the total rows
  readonly cost: RangeReadCost;
  /**
   * Decodes `columns` of rows [rowStart, rowEnd): the column chunks of the row groups overlapping them are fetched,
   * and of those only the pages holding these rows are decompressed and decoded.
   */
  readRows(columns: readonly string[], rowStart: number, rowEnd: number): Promise<Map<string, DecodedColumn>>;
}

/** Bytes fetched first from the end of a file: the footer of a star-tree record file fits (more is fetched if not). */
const footerFetchBytes = 64 * 1024;

// zstd in WebAssembly: fzstd (JavaScript) ran cold, in V8's interpreter, and was a third of a cold query's decoding
const zstd = new ZSTDDecoder();
let zstdReady: Promise<void> | undefined; // the decoder's module, instantiated once by the first file opened

const compressors: Compressors = {
  ZSTD: (input, outputLength) => {
    const out = zstd.decode(input, outputLength);
    // the decoder reports no errors: damaged input shows as a short (or empty) page
    if (out.length !== outputLength)
      throw new Error(`zstd page of ${input.length} bytes decoded to ${out.length} bytes, expected ${outputLength}`);
    return out;
  },
};

/**
 * Instantiates the zstd decoder's embedded module straight from its bytes. Where `fetch` exists zstddec fetches them
 * from a data: URL, which loads Node's whole HTTP client (undici) first: ~100 ms of a cold query's CPU.
 */
function instantiateZstd(): Promise<void> {
  const fetch = Object.getOwnPropertyDescriptor(globalThis, 'fetch'); // Node's lazy getter, not called here
  Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
  try {
    return zstd.init(); // decides between fetch and bytes before it returns
  } finally {
    if (fetch) Object.defineProperty(globalThis, 'fetch', fetch);
    else delete (globalThis as { fetch?: unknown }).fetch;
  }
}

// timestamps stay raw bigints (ms or ns since the epoch); the caller converts, exactly. Strings keep a leading
// U+FEFF: it is part of the value (hyparquet's own decoder drops it, merging '\ufeffx' into 'x')
const textDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
const parsers = {
  timestampFromMilliseconds: (v: bigint): bigint => v,
  timestampFromMicroseconds: (v: bigint): bigint => v,
  timestampFromNanoseconds: (v: bigint): bigint => v,
  stringFromBytes: (bytes: Uint8Array | undefined): string | undefined => bytes && textDecoder.decode(bytes),
};

/**
 * Opens a Parquet file through ranged reads: one read of its tail for the footer, then per `readRowGroups` only the
 * column chunks asked for (hyparquet, pure JavaScript: no WebAssembly or Arrow to load). Binary columns stay bytes;
 * strings (UTF8 annotated) are decoded, dictionary-encoded or not.
 */
export async function openRangedParquet(
  source: ByteRangeSource,
  key: string,
  tailBytes = footerFetchBytes, // read first from the end (the footer; a larger footer costs one more read)
): Promise<RangedParquet> {
  zstdReady ??= instantiateZstd();
  await zstdReady;
  const cost: RangeReadCost = { bytesRead: 0, requests: 0, rowGroupsRead: 0 };
  const groupsRead = new Set<number>(); // row groups whose column chunks were fetched
  const tailStart = Math.max(0, source.byteLength - tailBytes);
  let tail: Uint8Array | undefined; // the file's last bytes, read once: column chunks inside them are not read again
  const readFailures = new WeakSet<object>(); // the source's own errors (storage trouble): passed on as they are
  const file: AsyncBuffer = {
    byteLength: source.byteLength,
    async slice(start: number, end = source.byteLength): Promise<ArrayBuffer> {
      if (tail && start >= tailStart) return tail.slice(start - tailStart, end - tailStart).buffer as ArrayBuffer;
      const bytes = await source.read(start, end).catch((e: unknown) => {
        if (typeof e === 'object' && e !== null) readFailures.add(e);
        throw e;
      });
      cost.bytesRead += bytes.byteLength;
      cost.requests++;
      if (start === tailStart && end === source.byteLength) tail = bytes;
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
      return (whole ? bytes.buffer : bytes.slice().buffer) as ArrayBuffer;
    },
  };
  const unreadableFooter = (e: unknown): Error =>
    typeof e === 'object' && e !== null && readFailures.has(e)
      ? (e as Error)
      : new Error(`parquet footer of ${key} unreadable: ${(e as Error).message}`, { cause: e });
  let footer: FooterRowGroups;
  try {
    footer = indexFooter(await readFooterBytes(file, tailStart));
  } catch (e) {
    throw unreadableFooter(e);
  }
  const { rowGroupStarts } = footer;
  const rows = rowGroupStarts.at(-1)!;
  // hyparquet decodes a footer of the row groups a read needs, not the file's (most reads need one of many)
  const metadataOf = new Map<string, FileMetaData>();
  const metadataFor = (from: number, to: number): FileMetaData => {
    const known = metadataOf.get(`${from}-${to}`);
    if (known) return known;
    try {
      const tail = footerOfRowGroups(footer, from, to);
      const metadata = parquetMetadata(tail.buffer as ArrayBuffer, { parsers });
      metadataOf.set(`${from}-${to}`, metadata);
      return metadata;
    } catch (e) {
      throw unreadableFooter(e);
    }
  };
  return {
    key,
    rows,
    rowGroupStarts,
    cost,
    async readRows(columns, rowStart, rowEnd) {
      if (!(rowStart >= 0 && rowStart < rowEnd && rowEnd <= rows))
        throw new RangeError(`parquet rows [${rowStart}, ${rowEnd}) are not within the ${rows} rows of ${key}`);
      const chunks = new Map<string, { rowStart: number; data: DecodedColumn }[]>(columns.map((c) => [c, []]));
      const from = upperBound(rowGroupStarts, rowStart) - 1;
      const to = upperBound(rowGroupStarts, rowEnd - 1);
      const metadata = metadataFor(from, to);
      const first = rowGroupStarts[from]!; // the file's row number of the first row `metadata` holds
      const out = new Map<string, DecodedColumn>();
      for (const name of columns) {
        const constant = constantOf(metadata, name);
        if (constant === undefined) continue;
        out.set(name, new Array<unknown>(rowEnd - rowStart).fill(constant.value));
        chunks.delete(name); // its statistics say every row holds one value: nothing to fetch or decode
      }
      try {
        if (chunks.size > 0)
          await parquetRead({
            file,
            metadata,
            columns: [...chunks.keys()],
            rowStart: rowStart - first,
            rowEnd: rowEnd - first,
            compressors,
            parsers,
            utf8: false, // BYTE_ARRAY without a string annotation (sketches) stays bytes
            onChunk: (c) => chunks.get(c.columnName)?.push({ rowStart: c.rowStart + first, data: c.columnData }),
          });
      } catch (e) {
        if (typeof e === 'object' && e !== null && readFailures.has(e)) throw e;
        throw new Error(`parquet rows [${rowStart}, ${rowEnd}) of ${key} unreadable: ${(e as Error).message}`, {
          cause: e,
        });
      }
      for (let g = from; g < to; g++) groupsRead.add(g);
      cost.rowGroupsRead = groupsRead.size;
      for (const [name, parts] of chunks) out.set(name, joinChunks(parts, rowStart, rowEnd, name, key));
      return new Map(columns.map((name) => [name, out.get(name)!]));
    },
  };
}

/**
 * The one value every row of column `name` holds in all row groups of `metadata`, by their statistics; undefined
 * unless the column is a REQUIRED integer (INT32, INT64 or a timestamp: statistics of integers are exact, and such a
 * column has no nulls or NaN) whose min equals its max in each row group. Values as decoding gives them (parsers).
 */
function constantOf(metadata: FileMetaData, name: string): { value: number | bigint } | undefined {
  const element = metadata.schema.find((e) => e.name === name);
  if (element?.repetition_type !== 'REQUIRED' || element.num_children) return undefined;
  if (element.type !== 'INT32' && element.type !== 'INT64') return undefined;
  const logical = element.logical_type?.type;
  if (
    (element.converted_type && !element.converted_type.startsWith('TIMESTAMP')) ||
    (logical && logical !== 'TIMESTAMP')
  )
    return undefined; // decimals, dates, unsigned: converted differently from a plain value
  let value: number | bigint | undefined;
  for (const group of metadata.row_groups) {
    const chunk = group.columns.find(
      (c) => c.meta_data?.path_in_schema.length === 1 && c.meta_data.path_in_schema[0] === name,
    );
    const stats = chunk?.meta_data?.statistics;
    const min = stats?.min_value ?? stats?.min;
    const max = stats?.max_value ?? stats?.max;
    if (min === undefined || max === undefined || min !== max) return undefined;
    if (typeof min !== 'bigint' && typeof min !== 'number') return undefined;
    if (value !== undefined && value !== min) return undefined;
    value = min;
  }
  return value === undefined ? undefined : { value };
}

/**
 * The footer bytes of the file behind `file`, whose last bytes from `tailStart` are read first (one read when the
 * footer fits in them, one more when it does not).
 */
async function readFooterBytes(file: AsyncBuffer, tailStart: number): Promise<Uint8Array> {
  const size = file.byteLength;
  if (size < 12) throw new Error(`${size} bytes is too short for a Parquet file`);
  const tail = new Uint8Array(await file.slice(tailStart, size));
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  if (view.getUint32(tail.length - 4, true) !== parquetMagic) throw new Error('the file does not end with PAR1');
  const length = view.getUint32(tail.length - 8, true);
  const start = size - 8 - length;
  if (start < 4) throw new Error(`footer length ${length} exceeds the file (${size} bytes)`);
  if (start >= tailStart) return tail.subarray(start - tailStart, tail.length - 8);
  return new Uint8Array(await file.slice(start, size - 8));
}

/** The chunks of one column laid end to end over [start, end); a row no chunk covered is an error. */
function joinChunks(
  parts: readonly { rowStart: number; data: DecodedColumn }[],
  start: number,
  end: number,
  column: string,
  key: string,
): DecodedColumn {
  const only = parts[0];
  if (parts.length === 1 && only && only.rowStart === start && only.data.length === end - start) return only.data;
  const out: unknown[] = new Array(end - start);
  let covered = 0;
  for (const p of parts) {
    // a part is whole pages: it may begin before `start` and end after `end`
    const to = Math.min(p.data.length, end - p.rowStart);
    for (let i = Math.max(0, start - p.rowStart); i < to; i++) {
      out[p.rowStart + i - start] = p.data[i];
      covered++;
    }
  }
  if (covered !== end - start)
    throw new Error(`parquet column ${column} of ${key} decoded ${covered} of rows [${start}, ${end})`);
  return out;
}

/** Index of the first element greater than `x` in ascending `a`. */
function upperBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
