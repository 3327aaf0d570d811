import * as glue from 'parquet-wasm/esm';
import { parquetWasmModule } from './parquet-wasm-module.js';

/*
 * parquet-wasm's ES-module build, instantiated here from its WebAssembly bytes on first use (not at import: a run
 * decides first how V8 compiles it, parquet-wasm-module.ts). Its Node build is CommonJS, which Node's ES-module loader
 * lexes for named exports on every thread that imports it: 100 KB of source, measured at ~100 ms of CPU per decode
 * thread (lexing plus optimising the lexer). Both builds ship the same .wasm file.
 */

/** The few raw WebAssembly exports that tableFromIpcWrittenInPlace calls (parquet-wasm 0.8's wasm-bindgen glue). */
interface RawExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  readonly __wbindgen_malloc: (bytes: number, align: number) => number;
  // consumes the allocation (ptr, length); answers [table pointer, error slot, failed]
  readonly table_fromIPCStream: (ptr: number, length: number) => [number, number, number];
  readonly __wbindgen_externrefs: { get(slot: number): unknown };
  readonly __externref_table_dealloc: (slot: number) => void;
}

let raw: RawExports | undefined;

/** The instantiated module's raw exports, instantiating it on the first call. */
function instance(): RawExports {
  raw ??= glue.initSync({ module: parquetWasmModule() }) as unknown as RawExports;
  return raw;
}

const wrapTable = (glue.Table as unknown as { __wrap?: (ptr: number) => glue.Table }).__wrap;

/**
 * Table.fromIPCStream of an Arrow IPC stream of `length` bytes that `fill` writes straight into the decoder's
 * memory: what Table.fromIPCStream(bytes) does without first joining the stream into a new JS buffer and copying it
 * across (fresh pages cost more than the copy: measured ~4 ms per MiB on this machine's VMs). Falls back to the
 * public call (one joined buffer) if this build of parquet-wasm lacks the exports it relies on.
 */
export function tableFromIpcWrittenInPlace(length: number, fill: (target: Uint8Array) => void): glue.Table {
  const exports = instance();
  if (
    typeof exports.__wbindgen_malloc !== 'function' ||
    typeof exports.table_fromIPCStream !== 'function' ||
    typeof wrapTable !== 'function'
  ) {
    const bytes = new Uint8Array(length);
    fill(bytes);
    return tableFromIpcStream(bytes);
  }
  const ptr = exports.__wbindgen_malloc(length, 1) >>> 0;
  fill(new Uint8Array(exports.memory.buffer, ptr, length)); // a view made after malloc: growing memory detaches old ones
  const [table, slot, failed] = exports.table_fromIPCStream(ptr, length);
  if (failed) {
    const error = exports.__wbindgen_externrefs.get(slot);
    exports.__externref_table_dealloc(slot);
    throw error;
  }
  return wrapTable(table);
}

/** Table.fromIPCStream (the public path: the stream joined in one JS buffer first), the module instantiated first. */
export function tableFromIpcStream(bytes: Uint8Array): glue.Table {
  instance();
  return glue.Table.fromIPCStream(bytes);
}

/** parquet-wasm's readParquet, the module instantiated first. */
export function readParquet(...args: Parameters<typeof glue.readParquet>): glue.Table {
  instance();
  return glue.readParquet(...args);
}

/** parquet-wasm's writeParquet, the module instantiated first. */
export function writeParquet(...args: Parameters<typeof glue.writeParquet>): Uint8Array {
  instance();
  return glue.writeParquet(...args);
}

/** A new WriterPropertiesBuilder, the module instantiated first. */
export function writerPropertiesBuilder(): glue.WriterPropertiesBuilder {
  instance();
  return new glue.WriterPropertiesBuilder();
}

/** ParquetFile.fromFile, the module instantiated first. */
export function parquetFileFromBlob(blob: Blob): Promise<glue.ParquetFile> {
  instance();
  return glue.ParquetFile.fromFile(blob);
}

/** The module's linear memory (a decoded table's buffers live there). */
export function wasmMemory(): ReturnType<typeof glue.wasmMemory> {
  instance();
  return glue.wasmMemory();
}

export { Compression, EnabledStatistics, Encoding } from 'parquet-wasm/esm';
export type { FFIStream, ParquetFile, Table } from 'parquet-wasm/esm';
