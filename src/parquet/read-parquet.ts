import { tableFromIPC, type Schema, type Table as ArrowTable } from 'apache-arrow';
import { parseTable } from 'arrow-js-ffi';
import * as wasm from 'parquet-wasm';
import { arrowSchemaValue, dictionaryHint, readFooter, schemaKeyOf, withArrowSchema, type ParquetFooter } from './arrow-schema-hint.js';

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
}

/** Opens Parquet bytes (never decoding the whole file at once). */
export async function openParquet(bytes: Uint8Array, name: string, options: OpenParquetOptions = {}): Promise<ParquetSource> {
  if (bytes.length < 12) throw new ParquetReadError(`parquet ${name} is not a Parquet file: ${bytes.length} bytes is shorter than header and footer`);
  if (!hasMagic(bytes, 0) || !hasMagic(bytes, bytes.length - 4)) {
    throw new ParquetReadError(`parquet ${name} is not a Parquet file: magic bytes 'PAR1' missing at start or end (truncated or not Parquet)`);
  }
  const file = options.dictionaryColumns ? await openWithDictionaryColumns(bytes, name, options.dictionaryColumns) : await openFile(new Blob([bytes]), name);
  const meta = file.metadata();
  const rowGroups = meta.numRowGroups();
  const rows = meta.fileMetadata().numRows();
  const schema = tableFromIPC(file.schema().intoIPCStream()).schema;
  return {
    name,
    rowGroups,
    rows,
    schema,
    async withRowGroup(index, columns, use) {
      let ffi: wasm.FFIStream;
      try {
        const table = await decoderCall(() => file.read({ rowGroups: [index], columns: [...columns], batchSize: 1 << 20 }));
        ffi = table.intoFFI();
      } catch (cause) {
        throw new ParquetReadError(`parquet ${name} row group ${index} cannot be decoded: ${messageOf(cause)}`, { cause });
      }
      try {
        return use(parseTable(wasm.wasmMemory().buffer, ffi.arrayAddrs(), ffi.schemaAddr(), false));
      } finally {
        ffi.free();
      }
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

async function openFile(blob: Blob, name: string): Promise<wasm.ParquetFile> {
  try {
    return await decoderCall(() => wasm.ParquetFile.fromFile(blob));
  } catch (cause) {
    throw new ParquetReadError(`parquet ${name} footer cannot be decoded: ${messageOf(cause)}`, { cause });
  }
}

/** `ARROW:schema` values that make the decoder return dictionaries, by columns and file schema; null: none applies. */
const hintsBySchema = new Map<string, string | null>();

/**
 * Opens the file with a footer that asks the decoder for the given string columns as dictionaries. The hint depends
 * only on the file's schema, so it is worked out once per schema (a day's files share one) and the file is opened
 * once. A footer that cannot be rewritten, or a rewritten one the decoder refuses, leaves the file as it is: the hint
 * only saves time.
 */
async function openWithDictionaryColumns(bytes: Uint8Array, name: string, columns: ReadonlySet<string>): Promise<wasm.ParquetFile> {
  let footer: ParquetFooter;
  try {
    footer = readFooter(bytes);
  } catch {
    return openFile(new Blob([bytes]), name); // the decoder gives the real error, if any
  }
  const key = `${[...columns].join('\u0000')}\u0001${schemaKeyOf(footer)}`;
  let hint = hintsBySchema.get(key);
  if (hint === undefined) {
    const plain = await openFile(new Blob([bytes]), name);
    try {
      const schema = dictionaryHint(tableFromIPC(plain.schema().intoIPCStream()).schema, columns);
      hint = schema ? arrowSchemaValue(schema) : null;
    } catch {
      hint = null;
    }
    if (hintsBySchema.size >= 256) hintsBySchema.clear();
    hintsBySchema.set(key, hint);
    if (hint === null) return plain;
    plain.free();
  }
  if (hint === null) return openFile(new Blob([bytes]), name);
  try {
    return await decoderCall(() => wasm.ParquetFile.fromFile(withArrowSchema(bytes, footer, hint)));
  } catch {
    return openFile(new Blob([bytes]), name);
  }
}

/**
 * Runs an async decoder call, turning a panic of the WebAssembly decoder on corrupt bytes (thrown from a callback,
 * so it would escape as an uncaught exception and kill the process) into a rejection of this call.
 */
async function decoderCall<T>(call: () => Promise<T>): Promise<T> {
  let onCrash: ((e: unknown) => void) | undefined;
  const crashed = new Promise<never>((_, reject) => {
    onCrash = (e: unknown) => reject(e instanceof Error && e.name === 'RuntimeError' ? new Error(`decoder crashed (${e.message})`, { cause: e }) : e);
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
