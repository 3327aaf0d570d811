import { performance } from 'node:perf_hooks';
import { parentPort, threadId } from 'node:worker_threads';
import { aggregateRawFile } from '../ingest/aggregate-raw-file.js';
import { transferablesOf, type AggregateReply, type AggregateTask } from '../ingest/aggregate-worker.js';
import type { BuildSegmentTask, TimedSegment } from './build-segment.js';
import type { DayUnitTask } from './encode-day-unit.js';
import type { DaySplitTask } from './split-day-shard.js';
import type { FilePartial } from '../ingest/aggregate-raw-file.js';
import type { ChunkAck } from './worker-pool.js';

/** A task's answer and the buffers it moves to the main thread. */
interface Answer {
  readonly value: unknown;
  readonly transfer: ArrayBuffer[];
}

/** Resolvers of the chunks posted and not yet taken by the main thread (one at most: a decode waits for its ack). */
const chunkAcks: ((cancel: boolean) => void)[] = [];

/**
 * Posts a chunk of the file being decoded and waits until the main thread has taken it, so that a file of many series
 * is held a chunk at a time on both threads; a cancelled ack (the run failed) stops the decode.
 */
function emitChunk(chunk: FilePartial): Promise<void> {
  return new Promise((resolve, reject) => {
    chunkAcks.push((cancel) => (cancel ? reject(new Error('decode cancelled: the run stopped')) : resolve()));
    parentPort!.postMessage({ progress: chunk }, transferablesOf(chunk));
  });
}

/**
 * The rollup worker: decodes one raw file into its partial aggregate, builds one hour segment from its pieces, or
 * encodes one day unit from its shard's hour files.
 */
parentPort?.on('message', (task: AggregateTask | BuildSegmentTask | DayUnitTask | DaySplitTask | ChunkAck) => {
  if (task.kind === 'chunk-ack') {
    chunkAcks.shift()?.(task.cancel);
    return;
  }
  const reply = (error: Error): void =>
    parentPort!.postMessage({ ok: false, error: { name: error.name, message: error.message } });
  /** Loads a task's module (with the thread's first such task), runs the task and answers, its buffers moved. */
  const answerWith = <M>(load: () => Promise<M>, run: (module: M) => Promise<Answer> | Answer): void => {
    load()
      .then(run)
      .then(({ value, transfer }) => parentPort!.postMessage({ ok: true, value }, transfer), reply)
      .catch(reply);
  };
  if (task.kind === 'day-unit')
    return answerWith(
      () => import('./encode-day-unit.js'),
      async ({ encodeDayUnit, dayUnitTransferables }) => {
        const value = await encodeDayUnit(task);
        return { value, transfer: dayUnitTransferables(value) };
      },
    );
  if (task.kind === 'day-split')
    return answerWith(
      () => import('./split-day-shard.js'),
      async ({ splitHourFiles, splitTransferables }) => {
        const value = await splitHourFiles(task);
        return { value, transfer: splitTransferables(value) };
      },
    );
  if (task.kind === 'decode') {
    aggregateRawFile(task.key, task.bytes, task.spec, emitChunk).then((partial) => {
      const value: AggregateReply = { partial, bytes: task.bytes }; // the raw bytes go back to be read into again
      parentPort!.postMessage({ ok: true, value }, [...transferablesOf(partial), task.bytes.buffer as ArrayBuffer]);
    }, reply);
    return;
  }
  // the build modules (cube, encoders, job schema) load with the first segment: a decode-only thread never pays them
  answerWith(
    () => import('./build-segment.js'),
    ({ buildSegmentFromPieces, segmentTransferables }) => {
      const started = performance.now();
      const segment = buildSegmentFromPieces(task);
      const value: TimedSegment = { segment, ms: performance.now() - started, thread: threadId };
      return { value, transfer: segmentTransferables(segment) };
    },
  );
});
