/** The aggregation worker's script, in a module light enough to load before everything else. */
export const aggregateWorkerScript = new URL('./aggregate-worker.js', import.meta.url);
