import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FilePartial } from '../ingest/aggregate-raw-file.js';
import { decodeFilePartial, encodeFilePartial } from '../ingest/file-partial-codec.js';

/**
 * The pieces of every segment while a partition's raw files are decoded, kept in memory up to a byte budget and
 * written to a private temporary folder beyond it (a radix-partitioned hash aggregation's spill): each segment is then
 * built from its own pieces alone, so memory follows the largest segment, not the day. The folder is removed by
 * `close`; a killed run leaves only that folder, never anything in the store, and the next run on the same host
 * removes it (`removeStaleSpills`): the folder is named after the host and the process id that own it.
 */
export class SegmentSpill {
  private readonly held = new Map<SpillKey, (FilePartial | string)[]>(); // a piece, or the path of its spilled bytes
  private readonly groupsOf = new Map<SpillKey, number[]>(); // groups of each piece of a segment, in order
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
  async add(segment: SpillKey, piece: FilePartial): Promise<void> {
    let list = this.held.get(segment);
    if (!list) this.held.set(segment, (list = []));
    let groups = this.groupsOf.get(segment);
    if (!groups) this.groupsOf.set(segment, (groups = []));
    groups.push(piece.state.groups);
    const bytes = partialBytesOf(piece);
    if (this.heldBytes + bytes <= this.memoryBytes) {
      list.push(piece);
      this.heldBytes += bytes;
      return;
    }
    await this.flushHeld();
    list.push(await this.write(piece));
  }

  /** The group count of each piece of `segment`, in the order added: what its build is planned from. */
  groups(segment: SpillKey): readonly number[] {
    return this.groupsOf.get(segment) ?? [];
  }

  /** The pieces of `segment` in the order they were added, released from the spill. */
  async take(segment: SpillKey): Promise<FilePartial[]> {
    const out: FilePartial[] = [];
    await this.each(segment, async (piece) => {
      out.push(piece);
    });
    await this.release(segment);
    return out;
  }

  /** Visits the pieces of `segment` in the order added, one at a time (each visit awaited), keeping them. */
  async each(segment: SpillKey, visit: (piece: FilePartial) => Promise<void>): Promise<void> {
    for (const item of [...(this.held.get(segment) ?? [])])
      await visit(typeof item !== 'string' ? item : decodeFilePartial(await readFile(item), item));
  }

  /** Drops the pieces of `segment`: from memory, and their spilled files from disk. */
  async release(segment: SpillKey): Promise<void> {
    const list = this.held.get(segment) ?? [];
    this.held.delete(segment);
    this.groupsOf.delete(segment);
    for (const item of list) {
      if (typeof item !== 'string') this.heldBytes -= partialBytesOf(item);
      else await rm(item, { force: true });
    }
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
    this.folder ??= await makeSpillFolder(this.parent);
    const bytes = encodeFilePartial(piece);
    const path = join(this.folder, `${String(this.written++).padStart(8, '0')}.partial`);
    await writeFile(path, bytes);
    this.spilledBytes += bytes.length;
    this.spilledPieces++;
    return path;
  }
}

/**
 * A new private folder under `parent` for a run's spilled bytes, named after this host and process so that the next
 * run on the host removes it once this process is gone (`removeStaleSpills`, run here first: a run killed in any phase
 * that spills, the day tier's included, leaves a folder that a rerun skipping that phase would not remove otherwise).
 */
export async function makeSpillFolder(parent: string = tmpdir()): Promise<string> {
  await removeStaleSpills(parent);
  return mkdtemp(join(parent, `${spillPrefix}${hostTag()}.${process.pid}-`));
}

/** What a spill files pieces under: a segment's index, or a name (the parts of a split segment). */
export type SpillKey = number | string;

const spillPrefix = 'telemetry-rollup-spill-';

/** The host part of a spill folder's name: letters, digits, `.`, `-` and `_` kept, anything else `_`. */
function hostTag(): string {
  return hostname().replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * Removes the spill folders under `parent` left by killed runs of this host: those named after this host and a
 * process id that no longer runs. Folders of live processes and of other hosts (a shared folder) are left alone, so
 * are folders named as before owners were recorded. Returns the folders removed.
 */
export async function removeStaleSpills(parent: string = tmpdir()): Promise<string[]> {
  const owner = new RegExp(`^${spillPrefix}${escapeRegExp(hostTag())}\\.(\\d+)-`);
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return removed; // no such folder: nothing to clean
  }
  for (const name of names) {
    const pid = Number(owner.exec(name)?.[1] ?? Number.NaN);
    if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    await rm(join(parent, name), { recursive: true, force: true });
    removed.push(join(parent, name));
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Approximate memory of a file's partial aggregate, or of a piece of it: its typed arrays plus its strings. */
export function partialBytesOf(p: FilePartial): number {
  const s = p.state;
  let bytes = s.keys.byteLength + s.groups * 8 * 8 + p.counterSamples.group.length * 20;
  for (const v of p.metrics) bytes += 40 + (v?.length ?? 0) * 2;
  for (const d of p.dimensionValues) for (const v of d) bytes += 40 + (v?.length ?? 0) * 2;
  return bytes;
}
