/**
 * The rollup worker's script (decodes raw files, builds segments), in a module light enough to load first. Beside
 * this module's file both compiled (dist/src/rollup/) and bundled (dist/cli/, scripts/bundle-cli.ts names the entry).
 */
export const rollupWorkerScript = new URL('./rollup-worker.js', import.meta.url);
