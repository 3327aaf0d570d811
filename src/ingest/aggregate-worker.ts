import { parentPort } from 'node:worker_threads';
import { aggregateRawFile, type FilePartial } from './aggregate-raw-file.js';
import type { RawFileSpec } from './raw-file-spec.js';
import { sampleMeasureNames } from '../measures/measure-state.js';

/** A task for the aggregation worker: one raw file's bytes. */
export interface AggregateTask {
  readonly key: string;
  readonly bytes: Uint8Array;
  readonly spec: RawFileSpec;
}

/** The typed-array buffers of a partial aggregate, moved (not copied) back to the main thread. */
export function transferablesOf(partial: FilePartial): ArrayBuffer[] {
  const s = partial.state;
  const c = partial.counterSamples;
  return [s.keys, ...sampleMeasureNames.map((n) => s[n]), c.group, c.time, c.value].map((a) => a.buffer as ArrayBuffer);
}

parentPort?.on('message', (task: AggregateTask) => {
  aggregateRawFile(task.key, task.bytes, task.spec).then(
    (partial) => parentPort!.postMessage({ ok: true, value: partial }, transferablesOf(partial)),
    (error: Error) => parentPort!.postMessage({ ok: false, error: { name: error.name, message: error.message } }),
  );
});
