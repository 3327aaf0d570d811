import { once } from 'node:events';
import type { Writable } from 'node:stream';

/**
 * Writes `chunks` to `out` one after another, waiting for the stream to drain when its buffer is full: an answer of
 * millions of rows is never one string (V8 caps a string at 512 MiB) nor wholly queued in memory twice.
 */
export async function writeChunks(out: Writable, chunks: Iterable<string>): Promise<void> {
  for (const chunk of chunks) if (!out.write(chunk)) await once(out, 'drain');
}
