import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { parquetWasmModule } from '../parquet/parquet-wasm-module.js';

interface Pending {
  readonly message: unknown;
  readonly transfer: readonly ArrayBuffer[];
  readonly onProgress: ((value: unknown) => Promise<void>) | undefined;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** A value a worker posts before its reply (a chunk of a file being decoded). */
interface Progress {
  readonly progress: unknown;
}

/** The main thread's answer to a worker's progress: taken (go on) or cancelled (stop the task). */
export interface ChunkAck {
  readonly kind: 'chunk-ack';
  readonly cancel: boolean;
}

/**
 * A fixed set of worker threads running one script; tasks queue until a worker is free. A worker that dies (out of
 * memory, a crash) fails its task and, if it had started fine, is replaced, so a pool shared by many runs keeps its
 * size.
 */
export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly queue: Pending[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private readonly all = new Set<Worker>();
  private readonly answered = new WeakSet<Worker>(); // workers that replied at least once
  private held = true;
  private closing = false;

  constructor(
    private readonly script: URL,
    size: number,
  ) {
    for (let i = 0; i < size; i++) this.spawn();
  }

  private spawn(): void {
    workerHeapFlags();
    // the workers decode and write Parquet: they share the decoder's compiled code (see parquetWasmModule)
    const worker = new Worker(this.script, { workerData: { parquetWasm: parquetWasmModule() } });
    if (!this.held) worker.unref();
    worker.on(
      'message',
      (reply: { ok: true; value: unknown } | { ok: false; error: { name: string; message: string } } | Progress) => {
        const task = this.busy.get(worker);
        if ('progress' in reply) {
          // the worker waits for this ack before it goes on; a failed taker cancels the task
          const taken = task?.onProgress?.(reply.progress) ?? Promise.reject(new Error('progress of no task'));
          taken.then(
            () => worker.postMessage({ kind: 'chunk-ack', cancel: false } satisfies ChunkAck),
            (error: unknown) => {
              task?.reject(error);
              worker.postMessage({ kind: 'chunk-ack', cancel: true } satisfies ChunkAck);
            },
          );
          return;
        }
        this.busy.delete(worker);
        this.answered.add(worker);
        if (task) {
          if (reply.ok) task.resolve(reply.value);
          else task.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name }));
        }
        this.release(worker);
      },
    );
    worker.on('error', (error) => {
      this.busy.get(worker)?.reject(error);
      this.busy.delete(worker);
    });
    worker.on('exit', () => {
      this.busy.get(worker)?.reject(new Error('decode worker exited during a task'));
      this.busy.delete(worker);
      this.all.delete(worker);
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
      if (this.closing) return;
      if (this.answered.has(worker))
        this.spawn(); // it started fine and died of a task: replace it
      else if (this.all.size === 0)
        for (const task of this.queue.splice(0)) task.reject(new Error('no decode worker could start'));
    });
    this.all.add(worker);
    this.release(worker);
  }

  /**
   * Runs one task on the next free worker; `transfer` buffers move to the worker without a copy. Values the worker
   * posts as `{ progress }` before its reply go to `onProgress`, one at a time: the worker waits until each is taken.
   */
  run<T, P = never>(
    message: unknown,
    transfer: readonly ArrayBuffer[] = [],
    onProgress?: (value: P) => Promise<void>,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.all.size === 0) return reject(new Error('no decode worker could start'));
      this.queue.push({
        message,
        transfer,
        onProgress: onProgress as ((value: unknown) => Promise<void>) | undefined,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      this.dispatch();
    });
  }

  /** Number of worker threads. */
  get size(): number {
    return this.all.size;
  }

  /** Whether the workers keep the process alive (a pool started ahead of need does not, until it is used). */
  hold(held: boolean): void {
    this.held = held;
    for (const worker of this.all) {
      if (held) worker.ref();
      else worker.unref();
    }
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.all].map((w) => w.terminate()));
  }

  private release(worker: Worker): void {
    this.idle.push(worker);
    this.dispatch();
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const task = this.queue.shift()!;
      this.busy.set(worker, task);
      worker.postMessage(task.message, [...task.transfer]);
    }
  }
}

/** Old-generation size (MiB) a worker's heap starts with; see workerHeapFlags. */
const workerOldSpaceMb = 64;

let heapFlagsSet = false;

/**
 * Sets, once and before the first worker's isolate exists, the initial old-generation size of the isolates created
 * from then on (the workers'; V8 reads it when it creates an isolate). A worker keeps ~9 MB live; with V8's default
 * limit (live + 16 MB, no more than a young generation of headroom) it started a full mark-compact after nearly every
 * scavenge: ~35 per worker on the 50M-row day's base rollup, each marking on the helper threads too. With 64 MB it
 * runs a handful; the cost is up to ~50 MB more heap per worker before the first one.
 */
function workerHeapFlags(): void {
  if (heapFlagsSet) return;
  heapFlagsSet = true;
  setFlagsFromString(`--initial-old-space-size=${workerOldSpaceMb}`);
}

const prestarted = new Map<string, WorkerPool>();

/**
 * Starts a pool ahead of need (a CLI does it before loading its own modules, so that the workers' start-up overlaps
 * with that); the pool does not keep the process alive until `openPool` hands it out.
 */
export function prestartPool(script: URL, size: number): void {
  const key = `${script.href}#${size}`;
  if (size <= 0 || prestarted.has(key)) return;
  const pool = new WorkerPool(script, size);
  pool.hold(false);
  prestarted.set(key, pool);
}

/** The pool prestarted for this script and size, else a new one. */
export function openPool(script: URL, size: number): WorkerPool {
  const key = `${script.href}#${size}`;
  const pool = prestarted.get(key);
  if (!pool) return new WorkerPool(script, size);
  prestarted.delete(key);
  pool.hold(true);
  return pool;
}
