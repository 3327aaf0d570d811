import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync, type Stats } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';

/** The reads of an open file the local store makes (a FileHandle has them). */
export interface ReadHandle {
  stat(): Promise<Stats>;
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  readFile(): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** How the local store reads files: on Node's thread pool, or by blocking system calls. */
export interface FileReads {
  open(file: string): Promise<ReadHandle>;
  readFile(file: string): Promise<Uint8Array>;
  stat(file: string): Promise<Stats>;
}

/** Reads on Node's thread pool: the process goes on with other work while the disk answers (serve, run). */
export const threadPoolReads: FileReads = {
  open: (file) => open(file, 'r'),
  readFile: (file) => readFile(file),
  stat: (file) => stat(file),
};

/** Files a blocking reader keeps open between reads, at most (the least recently used is closed first). */
const openFilesKept = 64;

/** Open descriptors by path, most recently used last, with the file they were opened on (device and inode). */
const openFiles = new Map<string, { readonly fd: number; readonly dev: number; readonly ino: number }>();

/**
 * The descriptor of `file` as it is now: a kept one while the path still names the file it was opened on (a file
 * replaced by a rename is opened again), else a new one. A query reads a record file's footer and then each column
 * chunk it needs: each read opened, stat-ed twice and closed the file (5 system calls, ~50 us each here).
 */
function openKept(file: string): { fd: number; now: Stats } {
  let now: Stats;
  try {
    now = statSync(file);
  } catch (err) {
    forget(file);
    throw err;
  }
  const kept = openFiles.get(file);
  if (kept && kept.dev === now.dev && kept.ino === now.ino) {
    openFiles.delete(file); // most recently used: to the end
    openFiles.set(file, kept);
    return { fd: kept.fd, now };
  }
  forget(file);
  const fd = openSync(file, 'r');
  openFiles.set(file, { fd, dev: now.dev, ino: now.ino });
  for (const [oldest] of openFiles) {
    if (openFiles.size <= openFilesKept) break;
    forget(oldest);
  }
  return { fd, now };
}

function forget(file: string): void {
  const kept = openFiles.get(file);
  if (kept === undefined) return;
  openFiles.delete(file);
  closeSync(kept.fd);
}

/** The whole file behind `fd` by positioned reads (a kept descriptor's own position is never used). */
function readWhole(fd: number): Uint8Array {
  const out = new Uint8Array(fstatSync(fd).size);
  let filled = 0;
  while (filled < out.length) {
    const n = readSync(fd, out, filled, out.length - filled, filled);
    if (n === 0) return out.subarray(0, filled); // the file shrank under us
    filled += n;
  }
  return out;
}

/**
 * Reads by blocking system calls, for a process with nothing else to do while it waits (a one-shot query): each read
 * on the thread pool is five round trips to it (open, stat, read, stat, close), ~0.15 ms of the main thread's time
 * apiece and a wait for a pool thread, where the calls themselves take microseconds on a file in the page cache. A
 * cold query of 7 days (168 segments, ~500 reads) took 0.86 s of CPU and 0.80 s wall on the thread pool, 0.71 and
 * 0.61 s so. Files stay open between reads (up to 64, `openKept`); the process exits with them open. Errors are the
 * same as the thread pool's, thrown from the returned promise.
 */
export const blockingReads: FileReads = {
  open: async (file) => {
    const { fd, now } = openKept(file);
    let stats: Stats | undefined = now; // the first stat is the path's, just taken; later ones are the descriptor's
    return {
      stat: async () => {
        const s = stats ?? fstatSync(fd);
        stats = undefined;
        return s;
      },
      read: async (buffer, offset, length, position) => ({ bytesRead: readSync(fd, buffer, offset, length, position) }),
      readFile: async () => readWhole(fd),
      close: async () => {}, // kept open for the next read
    };
  },
  readFile: async (file) => readFileSync(file),
  stat: async (file) => statSync(file),
};
