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

/**
 * Reads by blocking system calls, for a process with nothing else to do while it waits (a one-shot query): each read
 * on the thread pool is five round trips to it (open, stat, read, stat, close), ~0.15 ms of the main thread's time
 * apiece and a wait for a pool thread, where the calls themselves take microseconds on a file in the page cache. A
 * cold query of 7 days (168 segments, ~500 reads) took 0.86 s of CPU and 0.80 s wall on the thread pool, 0.71 and
 * 0.61 s so. Errors are the same as the thread pool's, thrown from the returned promise.
 */
export const blockingReads: FileReads = {
  open: async (file) => {
    const fd = openSync(file, 'r');
    return {
      stat: async () => fstatSync(fd),
      read: async (buffer, offset, length, position) => ({ bytesRead: readSync(fd, buffer, offset, length, position) }),
      readFile: async () => readFileSync(fd),
      close: async () => closeSync(fd),
    };
  },
  readFile: async (file) => readFileSync(file),
  stat: async (file) => statSync(file),
};
