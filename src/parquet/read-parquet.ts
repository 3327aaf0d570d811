import { Schema, tableFromIPC, type Table as ArrowTable } from 'apache-arrow';
import { parseTable } from 'arrow-js-ffi';
import * as wasm from './parquet-wasm.js';
import { arrowSchemaValue, dictionaryHint, hasArrowSchema, int96Hint, withArrowSchema } from './arrow-schema-hint.js';
import { topLevelNames } from './project-footer.js';
import { parquetColumnTypes, type ParquetColumnType } from './parquet-column-types.js';
import { footerCounts, readFooter, schemaKeyOf, type ParquetFooter } from './parquet-footer.js';

/** Raised when bytes are not a readable Parquet file; the message names the object. */
export class ParquetReadError extends Error {
  override readonly name = 'ParquetReadError';
}

/** An opened Parquet file, read one row group at a time with column projection. */
export interface ParquetSource {
  readonly name: string; // object key, for messages
  readonly rowGroups: number;
  readonly rows: number;
  readonly schema: Schema; // Arrow schema of the whole file
  // Parquet type of each top-level column (empty when the footer walk failed)
  readonly columnTypes: ReadonlyMap<string, ParquetColumnType>;
  /**
   * Decodes one row group (only `columns`, names that exist in the file) and passes it to `use` as an Arrow table
   * that views the decoder's memory without a copy: it is valid only while `use` runs, so `use` must not keep it.
   */
  withRowGroup<T>(index: number, columns: readonly string[], use: (table: ArrowTable) => T): Promise<T>;
  /** Frees the decoder's WebAssembly memory. */
  close(): void;
}

/** How to open a file. */
export interface OpenParquetOptions {
  /** String columns to decode as Arrow Dictionary columns (codes into the file's own dictionary pages). */
  readonly dictionaryColumns?: ReadonlySet<string>;
  /**
   * Decode those columns (string or binary) as Dictionary<Int32, Binary>: bytes as they are, invalid UTF-8 included.
   */
  readonly dictionaryBytes?: boolean;
  /** Files up to this many bytes are decoded from memory, larger ones through a Blob (default 64 MiB). */
  readonly inMemoryBytes?: number;
  /** Rows per record batch of a row group's table (default 1,048,576). */
  readonly batchRows?: number;
}

/**
 * Up to this size a row group is decoded by one synchronous call on the file's bytes (each call copies the file into
 * the decoder, cheap for such files); larger files go through a Blob, from which the decoder reads only the projected
 * column chunks of the row group it decodes.
 */
const defaultInMemoryBytes = 64 * 1024 * 1024;
/** Row groups past which a file is read through the Blob reader (its footer parsed once) even when it is small. */
const maxInMemoryRowGroups = 256;

/** Opens Parquet bytes (never decoding the whole file at once). */
export async function openParquet(
  bytes: Uint8Array,
  name: string,
  options: OpenParquetOptions = {},
): Promise<ParquetSource> {
  if (bytes.length < 12)
    throw new ParquetReadError(
      `parquet ${name} is not a Parquet file: ${bytes.length} bytes is shorter than header and footer`,
    );
  if (!hasMagic(bytes, 0) || !hasMagic(bytes, bytes.length - 4)) {
    throw new ParquetReadError(
      `parquet ${name} is not a Parquet file: magic bytes 'PAR1' missing at start or end (truncated or not Parquet)`,
    );
  }
  const columns = options.dictionaryColumns ?? new Set<string>();
  const batchSize = options.batchRows ?? 1 << 20;
  const footer = footerOf(bytes);
  // the decoder gives the real error, if any
  if (!footer) return blobSource(await openFile(new Blob([bytes]), name), name, new Map(), batchSize);
  const bytesHint = options.dictionaryBytes === true;
  const key = `${bytesHint ? 'b' : 's'}${[...columns].join('\u0000')}\u0001${schemaKeyOf(footer.footer)}`;
  let shape = shapesBySchema.get(key);
  if (!shape) {
    shape = await shapeOf(bytes, footer.footer, name, columns, bytesHint);
    if (shapesBySchema.size >= 256) shapesBySchema.clear();
    shapesBySchema.set(key, shape);
  }
  const asBytes = bytesHint ? columns : undefined;
  const types = typesOf(footer.footer);
  // many row groups: the in-memory decoder parses the whole footer at each row group's call (quadratic: a file of
  // 4,000 one-row row groups took minutes), the Blob reader parses it once
  if (
    bytes.length > (options.inMemoryBytes ?? defaultInMemoryBytes) ||
    footer.counts.rowGroups > maxInMemoryRowGroups
  ) {
    const hinted = shape.hint === null ? undefined : withArrowSchema(bytes, footer.footer, shape.hint, asBytes);
    return blobSource(await openFile(new Blob(hinted ?? [bytes]), name), name, types, batchSize);
  }
  return memorySource(
    projections(bytes, footer.footer, shape, asBytes),
    name,
    shape.schema,
    footer.counts,
    types,
    batchSize,
  );
}

/** The bytes the in-memory decoder reads for a projection, and the release of the last ones made. */
interface Projections {
  bytesFor(columns: readonly string[]): Uint8Array;
  release(): void;
}

/**
 * The file as the in-memory decoder reads it for each projection: its footer rewritten to carry the hint (if any) and
 * to list only the projected columns, which is how that decoder projects (it ignores its own `columns` option and
 * decodes every column chunk of a row group). The last projection's bytes are kept: callers read every row group of a
 * file with the same columns.
 */
function projections(
  bytes: Uint8Array,
  footer: ParquetFooter,
  shape: FileShape,
  asBytes?: ReadonlySet<string>,
): Projections {
  const names = namesOf(footer);
  let last: { key: string; bytes: Uint8Array; spare: boolean } | undefined;
  const release = (): void => {
    if (last?.spare) giveSpare(last.bytes);
    last = undefined;
  };
  return {
    bytesFor(columns) {
      const wanted = new Set(columns);
      const keep = names.filter((n) => wanted.has(n));
      const whole = keep.length === names.length;
      const key = whole ? '' : keep.join('\u0000');
      if (last?.key === key) return last.bytes;
      release();
      if (whole && shape.hint === null) {
        last = { key, bytes, spare: false };
        return bytes;
      }
      const kept = new Set(keep);
      const value =
        whole || (shape.hint === null && !hasArrowSchema(footer))
          ? shape.hint
          : arrowSchemaValue(
              new Schema(
                shape.schema.fields.filter((f) => kept.has(f.name)),
                shape.schema.metadata,
              ),
            );
      const [body, tail] = withArrowSchema(bytes, footer, value, asBytes, whole ? undefined : kept);
      const joined = takeSpare(body.length + tail.length);
      joined.set(body);
      joined.set(tail, body.length);
      last = { key, bytes: joined, spare: true };
      return joined;
    },
    release,
  };
}

/**
 * Buffers for hinted files, reused across files: a fresh buffer per file (a few MB, each page faulted in and then
 * collected) cost more than the decoding of its row groups' keys. Opened sources hold one; close() returns it.
 */
const spares: ArrayBuffer[] = [];
const maxSpares = 4;

function takeSpare(length: number): Uint8Array {
  const at = spares.findIndex((b) => b.byteLength >= length);
  const buffer = at >= 0 ? spares.splice(at, 1)[0]! : new ArrayBuffer(Math.ceil(length * 1.25));
  return new Uint8Array(buffer, 0, length);
}

function giveSpare(bytes: Uint8Array): void {
  if (spares.length < maxSpares && bytes.buffer.byteLength <= defaultInMemoryBytes * 1.25)
    spares.push(bytes.buffer as ArrayBuffer);
}

/** The footer's top-level column names; none (no projection: it only saves time) when its schema cannot be walked. */
function namesOf(footer: ParquetFooter): string[] {
  try {
    return topLevelNames(footer);
  } catch {
    return [];
  }
}

/** A file decoded from memory: one synchronous decoder call per row group. */
function memorySource(
  file: Projections,
  name: string,
  schema: Schema,
  counts: { rows: number; rowGroups: number },
  columnTypes: ReadonlyMap<string, ParquetColumnType>,
  batchSize: number,
): ParquetSource {
  let open = true;
  return {
    name,
    ...counts,
    schema,
    columnTypes,
    async withRowGroup(index, columns, use) {
      return useTable(
        name,
        index,
        () => {
          if (!open) throw new ParquetReadError(`parquet ${name} row group ${index} read after close`);
          return wasm.readParquet(file.bytesFor(columns), { rowGroups: [index], batchSize });
        },
        use,
      );
    },
    close() {
      if (open) file.release();
      open = false;
    },
  };
}

/** A file read through a Blob: the decoder fetches the column chunks of one row group at a time. */
function blobSource(
  file: wasm.ParquetFile,
  name: string,
  columnTypes: ReadonlyMap<string, ParquetColumnType>,
  batchSize: number,
): ParquetSource {
  const meta = file.metadata();
  return {
    name,
    rowGroups: meta.numRowGroups(),
    rows: meta.fileMetadata().numRows(),
    schema: arrowSchemaOf(file),
    columnTypes,
    async withRowGroup(index, columns, use) {
      const table = await decoderCall(() => file.read({ rowGroups: [index], columns: [...columns], batchSize })).catch(
        (cause: unknown) => {
          throw decodeError(name, index, cause);
        },
      );
      return useTable(name, index, () => table, use);
    },
    close() {
      try {
        file.free();
      } catch {
        // after a decoder crash the file is still borrowed by the aborted read: its memory goes with the error
      }
    },
  };
}

/** Passes a decoded row group to `use` as an Arrow table viewing the decoder's memory, then frees it. */
function useTable<T>(name: string, index: number, decode: () => wasm.Table, use: (table: ArrowTable) => T): T {
  let ffi: wasm.FFIStream;
  try {
    ffi = decode().intoFFI();
  } catch (cause) {
    throw cause instanceof ParquetReadError ? cause : decodeError(name, index, cause);
  }
  try {
    return use(parseTable(wasm.wasmMemory().buffer, ffi.arrayAddrs(), ffi.schemaAddr(), false));
  } finally {
    ffi.free();
  }
}

function decodeError(name: string, index: number, cause: unknown): ParquetReadError {
  return new ParquetReadError(`parquet ${name} row group ${index} cannot be decoded: ${messageOf(cause)}`, { cause });
}

async function openFile(blob: Blob, name: string): Promise<wasm.ParquetFile> {
  try {
    return await decoderCall(() => wasm.parquetFileFromBlob(blob));
  } catch (cause) {
    throw new ParquetReadError(`parquet ${name} footer cannot be decoded: ${messageOf(cause)}`, { cause });
  }
}

/**
 * The footer and the counts it declares; undefined when our footer walk fails (the decoder then says why, if it can).
 */
function footerOf(
  bytes: Uint8Array,
): { footer: ParquetFooter; counts: { rows: number; rowGroups: number } } | undefined {
  try {
    const footer = readFooter(bytes);
    return { footer, counts: footerCounts(footer) };
  } catch {
    return undefined;
  }
}

/** The Parquet type of each top-level column; empty when the schema cannot be walked (messages then say 'unknown'). */
function typesOf(footer: ParquetFooter): ReadonlyMap<string, ParquetColumnType> {
  try {
    return parquetColumnTypes(footer);
  } catch {
    return new Map();
  }
}

/**
 * How files of one schema decode: the Arrow schema the decoder gives, and the `ARROW:schema` hint that asks for
 * dictionaries and INT96 columns as microseconds (null: none).
 */
interface FileShape {
  readonly schema: Schema;
  readonly hint: string | null;
}

/** File shapes by requested dictionary columns and file schema (a day's files share one). */
const shapesBySchema = new Map<string, FileShape>();

/**
 * Works out how files of this one's schema decode, by opening it: as it is, and, when string columns are wanted as
 * dictionaries or it has INT96 columns, with the hinted footer. For dictionaries the hint only saves time: a footer
 * that cannot be rewritten, or a hinted one the decoder refuses, leaves such files as they are. INT96 columns are read
 * through the hint or not at all (`int96Hint`).
 */
async function shapeOf(
  bytes: Uint8Array,
  footer: ParquetFooter,
  name: string,
  columns: ReadonlySet<string>,
  bytesHint: boolean,
): Promise<FileShape> {
  const plainFile = await openFile(new Blob([bytes]), name);
  let plain: Schema;
  try {
    plain = arrowSchemaOf(plainFile);
  } finally {
    plainFile.free();
  }
  const int96 = new Set([...typesOf(footer)].filter(([, t]) => t.physical === 'INT96').map(([n]) => n));
  if (columns.size === 0 && int96.size === 0) return { schema: plain, hint: null };
  const times = int96.size > 0 ? int96Hint(plain, int96) : plain;
  try {
    const hinted = dictionaryHint(times, columns, bytesHint) ?? (int96.size > 0 ? times : undefined);
    if (!hinted) return { schema: plain, hint: null };
    const hint = arrowSchemaValue(hinted);
    const file = await decoderCall(() =>
      wasm.parquetFileFromBlob(new Blob(withArrowSchema(bytes, footer, hint, bytesHint ? columns : undefined))),
    );
    try {
      return { schema: arrowSchemaOf(file), hint };
    } finally {
      file.free();
    }
  } catch (cause) {
    if (int96.size > 0)
      throw new ParquetReadError(
        `parquet ${name}: INT96 column(s) ${[...int96].join(', ')} cannot be read as microsecond timestamps ` +
          `(read as nanoseconds, instants outside 1677-2262 would wrap into other days): ${String(cause)}`,
        { cause },
      );
    return { schema: plain, hint: null };
  }
}

function arrowSchemaOf(file: wasm.ParquetFile): Schema {
  return tableFromIPC(file.schema().intoIPCStream()).schema;
}

/**
 * Runs an async decoder call, turning a panic of the WebAssembly decoder on corrupt bytes (thrown from a callback,
 * so it would escape as an uncaught exception and kill the process) into a rejection of this call.
 */
async function decoderCall<T>(call: () => Promise<T>): Promise<T> {
  let onCrash: ((e: unknown) => void) | undefined;
  const crashed = new Promise<never>((_, reject) => {
    onCrash = (e: unknown) =>
      reject(
        e instanceof Error && e.name === 'RuntimeError' ? new Error(`decoder crashed (${e.message})`, { cause: e }) : e,
      );
    process.once('uncaughtException', onCrash);
  });
  try {
    return await Promise.race([call(), crashed]);
  } finally {
    process.removeListener('uncaughtException', onCrash!);
  }
}

function hasMagic(bytes: Uint8Array, at: number): boolean {
  return bytes[at] === 0x50 && bytes[at + 1] === 0x41 && bytes[at + 2] === 0x52 && bytes[at + 3] === 0x31;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
