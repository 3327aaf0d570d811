import { initSync, Table } from 'parquet-wasm/esm';
import { parquetWasmModule } from './parquet-wasm-module.js';

/*
 * parquet-wasm's ES-module build, instantiated here from its WebAssembly bytes. Its Node build is CommonJS, which
 * Node's ES-module loader lexes for named exports on every thread that imports it: 100 KB of source, measured at
 * ~100 ms of CPU per decode thread (lexing plus optimising the lexer). Both builds ship the same .wasm file.
 */
const raw = initSync({ module: parquetWasmModule() }) as unknown as RawExports;

/** The few raw WebAssembly exports that tableFromIpcWrittenInPlace calls (parquet-wasm 0.8's wasm-bindgen glue). */
interface RawExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  readonly __wbindgen_malloc: (bytes: number, align: number) => number;
  // consumes the allocation (ptr, length); answers [table pointer, error slot, failed]
  readonly table_fromIPCStream: (ptr: number, length: number) => [number, number, number];
  readonly __wbindgen_externrefs: { get(slot: number): unknown };
  readonly __externref_table_dealloc: (slot: number) => void;
}

const wrapTable = (Table as unknown as { __wrap?: (ptr: number) => Table }).__wrap;
const inPlace =
  typeof raw.__wbindgen_malloc === 'function' &&
  typeof raw.table_fromIPCStream === 'function' &&
  typeof wrapTable === 'function';

/**
 * Table.fromIPCStream of an Arrow IPC stream of `length` bytes that `fill` writes straight into the decoder's
 * memory: what Table.fromIPCStream(bytes) does without first joining the stream into a new JS buffer and copying it
 * across (fresh pages cost more than the copy: measured ~4 ms per MiB on this machine's VMs). Falls back to the
 * public call (one joined buffer) if this build of parquet-wasm lacks the exports it relies on.
 */
export function tableFromIpcWrittenInPlace(length: number, fill: (target: Uint8Array) => void): Table {
  if (!inPlace) {
    const bytes = new Uint8Array(length);
    fill(bytes);
    return Table.fromIPCStream(bytes);
  }
  const ptr = raw.__wbindgen_malloc(length, 1) >>> 0;
  fill(new Uint8Array(raw.memory.buffer, ptr, length)); // a view made after malloc: growing memory detaches old ones
  const [table, slot, failed] = raw.table_fromIPCStream(ptr, length);
  if (failed) {
    const error = raw.__wbindgen_externrefs.get(slot);
    raw.__externref_table_dealloc(slot);
    throw error;
  }
  return wrapTable!(table);
}

export * from 'parquet-wasm/esm';
