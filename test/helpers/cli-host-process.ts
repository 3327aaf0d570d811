/**
 * Child-process entry that runs CLI invocations one after another in one Node process: `bin/telemetry-rollup.js`
 * without paying the module loading and worker start-up of a new process per invocation (see cli-host.ts).
 */
import { prestartWorkers } from '../../src/cli/prestart.js';
import { main } from '../../src/cli/main.js';

/** One invocation asked for by the parent. */
interface Request {
  readonly id: number;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>; // the complete environment of the invocation
  readonly timeoutMs: number;
}

/** Counts of the resources (timers, sockets, file requests...) that keep the event loop alive, by type. */
function liveResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

/** The resources alive now beyond `baseline`, e.g. a socket or timer a finished command left behind. */
function leftBehind(baseline: ReadonlyMap<string, number>): string[] {
  return [...liveResources()].filter(([r, n]) => n > (baseline.get(r) ?? 0)).map(([r, n]) => `${r} x${n}`);
}

const send = (message: unknown): void => void process.send!(message);

/** Replaces process.stdout/stderr.write for one invocation, forwarding each chunk to the parent. */
function captureOutput(id: number): () => void {
  const original = { stdout: process.stdout.write, stderr: process.stderr.write };
  for (const stream of ['stdout', 'stderr'] as const) {
    // `write(chunk, encoding?, callback?)`: the callback is the last function argument
    process[stream].write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      send({ id, stream, text });
      const callback = rest.find((x) => typeof x === 'function') as (() => void) | undefined;
      if (callback) queueMicrotask(callback);
      return true;
    }) as typeof process.stdout.write;
  }
  return () => {
    process.stdout.write = original.stdout;
    process.stderr.write = original.stderr;
  };
}

/** Runs one invocation as bin/telemetry-rollup.js does, then waits until what it started has ended. */
async function invoke(request: Request): Promise<void> {
  const started = Date.now();
  for (const key of Object.keys(process.env)) if (!(key in request.env)) delete process.env[key];
  Object.assign(process.env, request.env);
  const baseline = liveResources();
  const restore = captureOutput(request.id);
  let code: number;
  try {
    await prestartWorkers(request.args);
    code = await main(request.args);
  } finally {
    restore();
  }
  // A process exits only once nothing keeps its event loop alive: a command that leaves a timer or a socket behind
  // would hang, so the invocation is not over until they are gone (or the timeout says it hung).
  let left = leftBehind(baseline);
  while (left.length > 0 && Date.now() - started < request.timeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    left = leftBehind(baseline);
  }
  send({ id: request.id, code, hung: left });
}

// The standard streams open lazily on first use: open them now, so that they are not taken for something an
// invocation left behind.
void process.stdout;
void process.stderr;
let queue = Promise.resolve();
process.on('message', (request: Request) => {
  queue = queue.then(() => invoke(request)); // one at a time: the environment and the output are process-wide
});
send({ ready: true });
