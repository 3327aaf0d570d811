import type { FilePartial } from './aggregate-raw-file.js';
import type { RawFileSpec } from './raw-file-spec.js';
import { sampleMeasureNames } from '../measures/measure-state.js';

/** A task for the aggregation worker: one raw file's bytes. */
export interface AggregateTask {
  readonly kind: 'decode';
  readonly key: string;
  readonly bytes: Uint8Array;
  readonly spec: RawFileSpec;
}

/** A worker's answer to an AggregateTask: the partial, and the task's bytes handed back for the next read. */
export interface AggregateReply {
  readonly partial: FilePartial;
  readonly bytes: Uint8Array;
}

/** The typed-array buffers of a partial aggregate, moved (not copied) back to the main thread. */
export function transferablesOf(partial: FilePartial): ArrayBuffer[] {
  const s = partial.state;
  const c = partial.counterSamples;
  return [s.keys, ...sampleMeasureNames.map((n) => s[n]), c.group, c.time, c.value].map((a) => a.buffer as ArrayBuffer);
}
