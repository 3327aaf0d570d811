import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FilePartial } from '../ingest/aggregate-raw-file.js';
import { decodeFilePartial, encodeFilePartial } from '../ingest/file-partial-codec.js';

/**
 * The pieces of every segment while a partition's raw files are decoded, kept in memory up to a byte budget and
 * written to a private temporary folder beyond it (a radix-partitioned hash aggregation's spill): each segment is then
 * built from its own pieces alone, so memory follows the largest segment, not the day. The folder is removed by
 * `close`; a killed run leaves only that folder, never anything in the store.
 */
export class SegmentSpill {
  private readonly held = new Map<number, (FilePartial | string)[]>(); // a piece, or the path of its spilled bytes
  private heldBytes = 0;
  private spilledBytes = 0;
  private spilledPieces = 0;
  private folder: string | undefined;
  private written = 0;

  constructor(
    private readonly memoryBytes: number, // pieces held in memory before the spill starts
    private readonly parent: string = tmpdir(),
  ) {}

  /** Bytes and pieces written to disk so far. */
  get spilled(): { readonly bytes: number; readonly pieces: number } {
    return { bytes: this.spilledBytes, pieces: this.spilledPieces };
  }

  /** Adds the next piece of `segment` (pieces of one segment are given in file order and kept in that order). */
  async add(segment: number, piece: FilePartial): Promise<void> {
    let list = this.held.get(segment);
    if (!list) this.held.set(segment, (list = []));
    const bytes = sizeOf(piece);
    if (this.heldBytes + bytes <= this.memoryBytes) {
      list.push(piece);
      this.heldBytes += bytes;
      return;
    }
    await this.flushHeld();
    list.push(await this.write(piece));
  }

  /** The pieces of `segment` in the order they were added, released from the spill. */
  async take(segment: number): Promise<FilePartial[]> {
    const list = this.held.get(segment) ?? [];
    this.held.delete(segment);
    const out: FilePartial[] = [];
    for (const item of list) {
      if (typeof item !== 'string') {
        this.heldBytes -= sizeOf(item);
        out.push(item);
      } else {
        out.push(decodeFilePartial(await readFile(item), item));
        await rm(item, { force: true });
      }
    }
    return out;
  }

  /** Removes the temporary folder and everything in it. */
  async close(): Promise<void> {
    this.held.clear();
    if (this.folder) await rm(this.folder, { recursive: true, force: true });
    this.folder = undefined;
  }

  /** Writes every piece held in memory to disk, keeping each segment's order. */
  private async flushHeld(): Promise<void> {
    if (this.heldBytes === 0) return;
    for (const list of this.held.values()) {
      for (let i = 0; i < list.length; i++) {
        const item = list[i]!;
        if (typeof item !== 'string') list[i] = await this.write(item);
      }
    }
    this.heldBytes = 0;
  }

  private async write(piece: FilePartial): Promise<string> {
    this.folder ??= await mkdtemp(join(this.parent, 'telemetry-rollup-spill-'));
    const bytes = encodeFilePartial(piece);
    const path = join(this.folder, `${String(this.written++).padStart(8, '0')}.partial`);
    await writeFile(path, bytes);
    this.spilledBytes += bytes.length;
    this.spilledPieces++;
    return path;
  }
}

/** Approximate memory of a piece: its typed arrays plus its dictionary strings. */
function sizeOf(p: FilePartial): number {
  const s = p.state;
  let bytes = s.keys.byteLength + s.groups * 8 * 8 + p.counterSamples.group.length * 20;
  for (const v of p.metrics) bytes += 40 + (v?.length ?? 0) * 2;
  for (const d of p.dimensionValues) for (const v of d) bytes += 40 + (v?.length ?? 0) * 2;
  return bytes;
}
