import { performance } from 'node:perf_hooks';
import { parentPort, threadId } from 'node:worker_threads';
import { aggregateRawFile } from '../ingest/aggregate-raw-file.js';
import { transferablesOf, type AggregateReply, type AggregateTask } from '../ingest/aggregate-worker.js';
import type { BuildSegmentTask, TimedSegment } from './build-segment.js';
import type { DayUnitTask } from './encode-day-unit.js';

/**
 * The rollup worker: decodes one raw file into its partial aggregate, builds one hour segment from its pieces, or
 * encodes one day unit from its shard's hour files.
 */
parentPort?.on('message', (task: AggregateTask | BuildSegmentTask | DayUnitTask) => {
  const reply = (error: Error): void =>
    parentPort!.postMessage({ ok: false, error: { name: error.name, message: error.message } });
  if (task.kind === 'day-unit') {
    import('./encode-day-unit.js')
      .then(async ({ encodeDayUnit, dayUnitTransferables }) => {
        const value = await encodeDayUnit(task);
        parentPort!.postMessage({ ok: true, value }, dayUnitTransferables(value));
      }, reply)
      .catch(reply);
    return;
  }
  if (task.kind === 'decode') {
    aggregateRawFile(task.key, task.bytes, task.spec).then((partial) => {
      const value: AggregateReply = { partial, bytes: task.bytes }; // the raw bytes go back to be read into again
      parentPort!.postMessage({ ok: true, value }, [...transferablesOf(partial), task.bytes.buffer as ArrayBuffer]);
    }, reply);
    return;
  }
  // the build modules (cube, encoders, job schema) load with the first segment: a decode-only thread never pays them
  import('./build-segment.js')
    .then(({ buildSegmentFromPieces, segmentTransferables }) => {
      const started = performance.now();
      const segment = buildSegmentFromPieces(task);
      const value: TimedSegment = { segment, ms: performance.now() - started, thread: threadId };
      parentPort!.postMessage({ ok: true, value }, segmentTransferables(segment));
    }, reply)
    .catch(reply);
});
