import { initSync } from 'parquet-wasm/esm';
import { parquetWasmModule } from './parquet-wasm-module.js';

/*
 * parquet-wasm's ES-module build, instantiated here from its WebAssembly bytes. Its Node build is CommonJS, which
 * Node's ES-module loader lexes for named exports on every thread that imports it: 100 KB of source, measured at
 * ~100 ms of CPU per decode thread (lexing plus optimising the lexer). Both builds ship the same .wasm file.
 */
initSync({ module: parquetWasmModule() });

export * from 'parquet-wasm/esm';
