/** The rollup worker's script (decodes raw files, builds segments), in a module light enough to load first. */
export const rollupWorkerScript = new URL('./rollup-worker.js', import.meta.url);
