import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TimedCliRun } from './run-cli-timed.js';

/**
 * One long-lived child process that runs `telemetry-rollup ...args` invocations one after another through the CLI's
 * `main`, as bin/telemetry-rollup.js does, each with its own environment, output and exit code. For tests about what
 * a command does, not about the process: it saves the start-up (module loading) of a new process per invocation.
 * An invocation that leaves a timer or socket behind counts as hung, as the process would; one that crashes the host
 * reports its exit code and signal, and the next invocation starts a fresh host.
 */
export interface CliHost {
  /** Runs one invocation (queued behind earlier ones); `timeoutMs` bounds it as runCliTimed does. */
  run(args: readonly string[], env?: Readonly<Record<string, string>>, timeoutMs?: number): Promise<TimedCliRun>;
  /** Stops the host process. */
  stop(): Promise<void>;
}

const script = fileURLToPath(new URL('./cli-host-process.js', import.meta.url));

type HostMessage =
  | { readonly ready: true }
  | { readonly id: number; readonly stream: 'stdout' | 'stderr'; readonly text: string }
  | { readonly id: number; readonly code: number; readonly hung: readonly string[] };

/** A running host process and the invocation it is working on. */
interface Host {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
  stderr: string; // what the process itself printed (a crash), not captured output
  current?: (message: HostMessage) => void;
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

function startHost(): Host {
  const child = fork(script, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [] });
  let markReady: () => void = () => {};
  const host: Host = {
    child,
    ready: new Promise<void>((resolve) => (markReady = resolve)),
    exited: new Promise<void>((resolve) => child.once('exit', () => resolve())),
    stderr: '',
  };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (host.stderr += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (host.stderr += d));
  child.on('message', (m: HostMessage) => {
    if ('ready' in m) markReady();
    else host.current?.(m);
  });
  child.once('exit', (code, signal) => host.onExit?.(code, signal));
  child.on('error', (e) => (host.stderr += `\n(cli host: ${String(e)})`)); // e.g. a send to a host that died
  return host;
}

/** Starts nothing yet: the host process starts with the first invocation (and again after a crash or hang). */
export function startCliHost(): CliHost {
  let host: Host | undefined;
  let nextId = 1;
  let queue: Promise<unknown> = Promise.resolve();

  const invoke = async (
    args: readonly string[],
    env: Readonly<Record<string, string>>,
    timeoutMs: number,
  ): Promise<TimedCliRun> => {
    if (!host || host.child.exitCode !== null || host.child.signalCode !== null) host = startHost();
    const h = host;
    const started = Date.now();
    await Promise.race([h.ready, h.exited]);
    if (h.child.exitCode !== null || h.child.signalCode !== null) {
      host = undefined; // it died starting: report it as a process that failed, and start afresh next time
      const r = { code: h.child.exitCode, signal: h.child.signalCode, stdout: '', stderr: h.stderr };
      return { ...r, ms: Date.now() - started, timedOut: false };
    }
    const id = nextId++;
    h.stderr = '';
    return new Promise<TimedCliRun>((resolve) => {
      let stdout = '';
      let stderr = '';
      const finish = (r: Omit<TimedCliRun, 'stdout' | 'stderr' | 'ms'>, extra = ''): void => {
        clearTimeout(timer);
        h.current = undefined;
        h.onExit = undefined;
        resolve({ ...r, stdout, stderr: stderr + h.stderr + extra, ms: Date.now() - started });
      };
      const kill = (): void => {
        if (host === h) host = undefined; // the next invocation starts a fresh host
        h.child.kill('SIGKILL');
      };
      const timer = setTimeout(() => {
        kill();
        finish({ code: null, signal: 'SIGKILL', timedOut: true });
      }, timeoutMs);
      h.current = (m) => {
        if ('ready' in m || m.id !== id) return;
        if ('stream' in m) {
          if (m.stream === 'stdout') stdout += m.text;
          else stderr += m.text;
        } else if (m.hung.length > 0) {
          kill(); // the process would not have exited: do not reuse what it left behind
          finish({ code: null, signal: 'SIGKILL', timedOut: true }, `\n(cli host: still alive after exit: ${m.hung})`);
        } else finish({ code: m.code, signal: null, timedOut: false });
      };
      h.onExit = (code, signal) => {
        if (host === h) host = undefined;
        finish({ code, signal, timedOut: false });
      };
      h.child.send({ id, args, env: { ...process.env, ...env }, timeoutMs });
    });
  };

  return {
    run(args, env = {}, timeoutMs = 120_000) {
      const result = queue.then(() => invoke(args, env, timeoutMs));
      queue = result.catch(() => undefined);
      return result;
    },
    async stop() {
      await queue;
      if (host && host.child.exitCode === null && host.child.signalCode === null) {
        host.child.kill('SIGTERM');
        await host.exited;
      }
    },
  };
}
