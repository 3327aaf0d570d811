// Over 300 lines: the whole ObjectStore contract on a directory (atomic put, exclusive create, paged listing in S3
// byte order with links followed and loops detected, identity-checked reads).
import type { Dirent, Stats } from 'node:fs';
import { type FileHandle, link, mkdir, open, readdir, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { blockingReads, threadPoolReads, type FileReads, type ReadHandle } from './file-reads.js';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type {
  GetOptions,
  ObjectInfo,
  ObjectPage,
  ObjectStore,
  ObjectVersion,
  PutOptions,
  UnlistedEntry,
} from './object-store.js';
import {
  compareKeys,
  controlChars,
  temporaryReason,
  tempPrefix,
  unsafeKeyReason,
  unsafePrefixReason,
} from './object-key.js';
import { NotFoundError, ObjectChangedError, PreconditionFailedError, StorageError } from './storage-error.js';

const transientCodes = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY']);
const missingCodes = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

/** An entry of a directory walk; `sortKey` is the key of a file, or the key prefix (ending in '/') of a directory. */
type WalkEntry =
  | { readonly kind: 'file'; readonly sortKey: string }
  | { readonly kind: 'dir'; readonly sortKey: string; readonly path: string }
  | { readonly kind: 'unlisted'; readonly sortKey: string; readonly reason: string }; // seen, but not a readable object

/** The embedded default store: objects are files under a root directory, keys are relative paths. */
export class LocalStore implements ObjectStore {
  readonly root: string; // absolute path of the store root directory
  readonly description: string;
  readonly #rootWithSep: string;
  readonly #reads: FileReads;
  #rootSeen: Promise<void> | undefined; // checkRoot passed (once is enough: a put creates the root)

  /**
   * `syncReads`: read (head, get, getRange, listings' heads) by blocking system calls, for a process with nothing
   * else to do while it waits, such as a one-shot query (`file-reads.ts`); writes always go through the thread pool.
   */
  constructor(root: string, options: { readonly syncReads?: boolean } = {}) {
    this.root = path.resolve(root);
    // percent-encoded ('@' too, which openStore refuses in a URL): the description pastes back as --store
    this.description = pathToFileURL(this.root).href.replaceAll('@', '%40');
    this.#rootWithSep = this.root.endsWith(path.sep) ? this.root : this.root + path.sep;
    this.#reads = options.syncReads ? blockingReads : threadPoolReads;
  }

  /**
   * One page of the objects under `prefix`; the token is the last key of the previous page. Symbolic links are
   * followed (a link back to an enclosing folder is reported, not walked); names that cannot be keys (control
   * characters, backslashes), broken links, loops, FIFOs, sockets and devices come back in `unlisted`.
   */
  async listPage(prefix: string, token?: string, pageSize = 1000): Promise<ObjectPage> {
    const reason = unsafePrefixReason(prefix);
    if (reason !== undefined) throw this.#unsafe('list', prefix, reason);
    if (!Number.isInteger(pageSize) || pageSize < 1) {
      throw new StorageError(
        `storage list page size ${pageSize} is not a positive integer in ${this.description}`,
        false,
      );
    }
    const lastSlash = prefix.lastIndexOf('/');
    const dirKey = prefix.slice(0, lastSlash + 1);
    const found: WalkEntry[] = [];
    await this.#walk(dirKey, prefix.slice(lastSlash + 1), token, found, pageSize + 1, await this.#enclosingIds(dirKey));
    const page = found.slice(0, pageSize);
    const objects = await Promise.all(page.filter((e) => e.kind === 'file').map((e) => this.head(e.sortKey)));
    const unlisted: UnlistedEntry[] = page.flatMap((e) =>
      e.kind === 'unlisted' ? [{ key: e.sortKey, reason: e.reason }] : [],
    );
    return {
      objects: objects.filter((o): o is ObjectInfo => o !== undefined),
      ...(unlisted.length > 0 ? { unlisted } : {}),
      nextToken: found.length > pageSize ? page[page.length - 1]!.sortKey : undefined,
    };
  }

  /** Metadata of a regular file, or undefined when there is none at `key`. */
  async head(key: string): Promise<ObjectInfo | undefined> {
    const file = this.#path('head', key);
    try {
      const st = await this.#reads.stat(file);
      return st.isFile() ? { key, size: st.size, mtimeMs: st.mtimeMs } : undefined;
    } catch (err) {
      if (!missingCodes.has(codeOf(err))) throw this.#fsError('head', key, err);
      await this.#requireRoot();
      return undefined;
    }
  }

  /**
   * The whole file at `key`; throws NotFoundError when missing. With `expect`, the open file is checked before and
   * after the read (size and mtime), so a file rewritten in place or replaced since the listing is reported as
   * changed (ObjectChangedError), never handed on as bytes that look corrupt.
   */
  async get(key: string, options?: GetOptions): Promise<Uint8Array> {
    const file = this.#path('get', key);
    const expect = options?.expect;
    if (!expect) {
      try {
        const buffer = await this.#reads.readFile(file);
        // a Buffer of its own memory is handed on as is (no copy); one in Node's shared pool (small files) is copied
        return buffer.byteOffset === 0 && buffer.byteLength === buffer.buffer.byteLength
          ? new Uint8Array(buffer.buffer, 0, buffer.byteLength)
          : new Uint8Array(buffer);
      } catch (err) {
        if (missingCodes.has(codeOf(err))) await this.#requireRoot();
        throw this.#fsError('get', key, err);
      }
    }
    let handle: ReadHandle | undefined;
    try {
      handle = await this.#reads.open(file);
    } catch (err) {
      if (missingCodes.has(codeOf(err)))
        throw new ObjectChangedError(key, this.description, expect, { size: undefined }, { cause: err });
      throw this.#fsError('get', key, err);
    }
    try {
      this.#checkVersion(key, expect, await handle.stat());
      const into = options?.into;
      const bytes =
        into && into.length >= expect.size
          ? await readInto(handle, into.subarray(0, expect.size))
          : await handle.readFile();
      const after = await handle.stat();
      this.#checkVersion(key, expect, after);
      if (bytes.length !== expect.size)
        throw new ObjectChangedError(key, this.description, expect, { size: bytes.length, mtimeMs: after.mtimeMs });
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (err) {
      throw err instanceof StorageError ? err : this.#fsError('get', key, err);
    } finally {
      await handle.close();
    }
  }

  #checkVersion(key: string, expect: ObjectVersion, st: Stats): void {
    if (st.size !== expect.size || (expect.mtimeMs !== undefined && st.mtimeMs !== expect.mtimeMs)) {
      throw new ObjectChangedError(key, this.description, expect, { size: st.size, mtimeMs: st.mtimeMs });
    }
  }

  /**
   * Bytes [start, end) read through a file handle (a positional read); truncated at the end of the file, as S3 does.
   * With `expect`, the open file's size (and mtime when given) is checked before and after the read, as `get` does.
   */
  async getRange(key: string, start: number, end: number, options?: GetOptions): Promise<Uint8Array> {
    const file = this.#path('getRange', key);
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
      throw new StorageError(
        `storage getRange invalid range [${start}, ${end}) for '${key}' in ${this.description}`,
        false,
      );
    }
    const expect = options?.expect;
    let handle: ReadHandle | undefined;
    try {
      try {
        handle = await this.#reads.open(file);
      } catch (err) {
        if (expect && missingCodes.has(codeOf(err)))
          throw new ObjectChangedError(key, this.description, expect, { size: undefined }, { cause: err });
        throw err;
      }
      const before = await handle.stat();
      if (expect) this.#checkVersion(key, expect, before);
      const size = before.size;
      if (start >= size && end > start) {
        throw new StorageError(
          `storage getRange range [${start}, ${end}) not satisfiable for '${key}' of ${size} bytes ` +
            `in ${this.description}`,
          false,
        );
      }
      const out = new Uint8Array(Math.min(end, size) - start);
      let filled = 0;
      while (filled < out.length) {
        const { bytesRead } = await handle.read(out, filled, out.length - filled, start + filled);
        if (bytesRead === 0) break; // the file shrank under us
        filled += bytesRead;
      }
      if (expect) this.#checkVersion(key, expect, await handle.stat());
      return filled === out.length ? out : out.subarray(0, filled);
    } catch (err) {
      if (err instanceof StorageError) throw err;
      if (missingCodes.has(codeOf(err))) await this.#requireRoot();
      throw this.#fsError('getRange', key, err);
    } finally {
      await handle?.close();
    }
  }

  /** The first `length` bytes of the file at `key` and its size and mtime, read through one open handle. */
  async getStart(key: string, length: number): Promise<{ bytes: Uint8Array; version: ObjectVersion }> {
    const file = this.#path('getStart', key);
    let handle: ReadHandle | undefined;
    try {
      handle = await this.#reads.open(file);
      const st = await handle.stat();
      const out = new Uint8Array(Math.min(length, st.size));
      const bytes = await readInto(handle, out);
      return { bytes, version: { size: st.size, mtimeMs: st.mtimeMs } };
    } catch (err) {
      if (err instanceof StorageError) throw err;
      if (missingCodes.has(codeOf(err))) await this.#requireRoot();
      throw this.#fsError('getStart', key, err);
    } finally {
      await handle?.close();
    }
  }

  /** Writes a temp file in the target directory, then renames it (or links it, for ifNoneMatch) over the key. */
  async put(key: string, body: Uint8Array, options?: PutOptions): Promise<void> {
    const file = this.#path('put', key);
    const { randomBytes } = await import('node:crypto'); // not at load: a query, which never writes, skips loading it
    const temp = path.join(path.dirname(file), `${tempPrefix}${randomBytes(8).toString('hex')}`);
    try {
      await this.#writeTemp(temp, body);
      if (options?.ifNoneMatch === '*') {
        try {
          await link(temp, file); // atomic exclusive create, also across processes
        } catch (err) {
          if (codeOf(err) === 'EEXIST') throw new PreconditionFailedError(key, this.description);
          throw err;
        }
      } else {
        await rename(temp, file);
      }
    } catch (err) {
      throw err instanceof StorageError ? err : this.#fsError('put', key, err);
    } finally {
      await unlink(temp).catch(() => undefined); // already gone after a rename
    }
  }

  /** Removes the file at `key` (missing is fine), then the directories it leaves empty. */
  async delete(key: string): Promise<void> {
    const file = this.#path('delete', key);
    try {
      await unlink(file);
    } catch (err) {
      if (missingCodes.has(codeOf(err))) return;
      throw this.#fsError('delete', key, err);
    }
    for (let dir = path.dirname(file); dir.startsWith(this.#rootWithSep); dir = path.dirname(dir)) {
      try {
        await rmdir(dir); // fails unless empty, so a concurrent put's temp file keeps its directory
      } catch {
        break;
      }
    }
  }

  /** Rejects when the root is not a directory that exists. */
  async checkRoot(): Promise<void> {
    const info = await stat(this.root).catch((e: unknown) => {
      if (missingCodes.has(codeOf(e))) return undefined;
      throw new StorageError(`store root ${this.root} cannot be read: ${(e as Error).message}`, false, { cause: e });
    });
    if (!info?.isDirectory()) throw new StorageError(`store root ${this.root} is not a directory that exists`, false);
  }

  /**
   * Removes the temp files (`.tmp-*`) of puts whose process died before its rename or unlink (kill -9), under the
   * folder `prefix` and its subfolders (symbolic links not followed), last modified before `beforeMs`, then the
   * folders that leaves empty. Returns their names as keys would read.
   */
  async removeAbandonedPuts(prefix: string, beforeMs: number): Promise<string[]> {
    if (!prefix.endsWith('/')) throw new StorageError(`removeAbandonedPuts prefix '${prefix}' is not a folder`, false);
    const removed: string[] = [];
    const visit = async (dirKey: string, dirPath: string): Promise<void> => {
      for (const d of await this.#entriesOf(dirKey, dirPath)) {
        const file = path.join(dirPath, d.name);
        if (d.isDirectory()) await visit(`${dirKey}${d.name}/`, file);
        else if (d.isFile() && d.name.startsWith(tempPrefix)) {
          const info = await stat(file).catch(() => undefined);
          if (info === undefined || info.mtimeMs >= beforeMs) continue;
          await unlink(file).catch((err: unknown) => {
            if (!missingCodes.has(codeOf(err))) throw this.#fsError('delete', `${dirKey}${d.name}`, err);
          });
          removed.push(`${dirKey}${d.name}`);
        }
      }
      if (removed.length > 0) await rmdir(dirPath).catch(() => undefined); // only when empty
    };
    await visit(prefix, this.#path('list', prefix.slice(0, -1)));
    return removed;
  }

  /** The entries of the folder of `dirKey` at `dirPath`; none when it does not exist. */
  async #entriesOf(dirKey: string, dirPath: string): Promise<Dirent[]> {
    try {
      return await readdir(dirPath, { withFileTypes: true });
    } catch (err) {
      if (!missingCodes.has(codeOf(err))) throw this.#fsError('list', dirKey, err);
      await this.#requireRoot();
      return [];
    }
  }

  /**
   * Where a read finds nothing: rejects when the root itself is missing (a mistyped store, a volume not mounted), so
   * that no command takes such a store for an empty one (no data, nothing to do).
   */
  #requireRoot(): Promise<void> {
    this.#rootSeen ??= this.checkRoot().catch((e: unknown) => {
      this.#rootSeen = undefined;
      throw e;
    });
    return this.#rootSeen;
  }

  /** Creates and fills the temp file, recreating its directory when a concurrent delete pruned it. */
  async #writeTemp(temp: string, body: Uint8Array): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      let handle: FileHandle | undefined;
      try {
        await mkdir(path.dirname(temp), { recursive: true }); // ENOENT too when a delete prunes a parent mid-way
        handle = await open(temp, 'wx');
      } catch (err) {
        if (codeOf(err) === 'ENOENT' && attempt < 5) continue;
        throw err;
      }
      try {
        await handle.writeFile(body);
        await handle.datasync();
      } finally {
        await handle.close();
      }
      return;
    }
  }

  /**
   * Appends up to `limit` files and unlisted entries under `dirKey` whose name starts with `namePrefix`, in key order,
   * after `token`. `enclosing` holds the device:inode of every folder from the root down to `dirKey`: a folder reached
   * again through a symbolic link is a loop, reported instead of walked.
   */
  async #walk(
    dirKey: string,
    namePrefix: string,
    token: string | undefined,
    out: WalkEntry[],
    limit: number,
    enclosing: ReadonlySet<string>,
  ): Promise<void> {
    const dirPath = dirKey === '' ? this.root : this.#path('list', dirKey.slice(0, -1));
    const entries: WalkEntry[] = [];
    for (const d of await this.#entriesOf(dirKey, dirPath)) {
      if (!d.name.startsWith(namePrefix)) continue;
      // a put in flight (or abandoned by a killed process) is not an object, but is seen: said, not skipped
      if (d.name.startsWith(tempPrefix))
        entries.push({ kind: 'unlisted', sortKey: `${dirKey}${d.name}`, reason: temporaryReason });
      else entries.push(await this.#entryOf(dirKey, dirPath, d));
    }
    // A directory's keys all sort between 'name/' and the next sibling, so this DFS yields global key order.
    entries.sort((a, b) => compareKeys(a.sortKey, b.sortKey));
    for (const e of entries) {
      if (out.length >= limit) return;
      if (e.kind === 'dir') {
        const before = token !== undefined && compareKeys(e.sortKey, token) < 0 && !token.startsWith(e.sortKey);
        if (before) continue;
        const id = await this.#idOf(e);
        if (id === undefined) continue; // removed while we walked
        if (enclosing.has(id)) {
          if (token === undefined || compareKeys(e.sortKey, token) > 0)
            out.push({
              kind: 'unlisted',
              sortKey: e.sortKey,
              reason: 'symbolic link loop: leads back to an enclosing folder',
            });
        } else {
          await this.#walk(e.sortKey, '', token, out, limit, new Set([...enclosing, id]));
        }
      } else if (token === undefined || compareKeys(e.sortKey, token) > 0) {
        out.push(e);
      }
    }
  }

  /** What one directory entry is, following a symbolic link to its target. */
  async #entryOf(dirKey: string, dirPath: string, d: Dirent): Promise<WalkEntry> {
    const key = `${dirKey}${d.name}`;
    const full = path.join(dirPath, d.name);
    if (d.name.includes('\\') || controlChars.test(d.name)) {
      return {
        kind: 'unlisted',
        sortKey: d.isDirectory() ? `${key}/` : key,
        reason: 'name contains a control character or backslash: not addressable as a key',
      };
    }
    if (d.isDirectory()) return { kind: 'dir', sortKey: `${key}/`, path: full };
    if (d.isFile()) return { kind: 'file', sortKey: key };
    if (!d.isSymbolicLink())
      return { kind: 'unlisted', sortKey: key, reason: 'not a regular file or folder (FIFO, socket or device)' };
    let target: Stats;
    try {
      target = await stat(full);
    } catch (err) {
      const code = codeOf(err);
      if (code === 'ELOOP') return { kind: 'unlisted', sortKey: key, reason: 'symbolic link loop' };
      if (missingCodes.has(code))
        return { kind: 'unlisted', sortKey: key, reason: 'broken symbolic link: its target does not exist' };
      throw this.#fsError('list', key, err);
    }
    if (target.isDirectory()) return { kind: 'dir', sortKey: `${key}/`, path: full };
    if (target.isFile()) return { kind: 'file', sortKey: key };
    return { kind: 'unlisted', sortKey: key, reason: 'symbolic link to a FIFO, socket or device' };
  }

  /** device:inode of a folder entry's target, or undefined when it is gone. */
  async #idOf(e: WalkEntry & { kind: 'dir' }): Promise<string | undefined> {
    try {
      return idOf(await stat(e.path));
    } catch (err) {
      if (missingCodes.has(codeOf(err))) return undefined;
      throw this.#fsError('list', e.sortKey, err);
    }
  }

  /** device:inode of the root and of every folder down to `dirKey` (those that exist). */
  async #enclosingIds(dirKey: string): Promise<Set<string>> {
    const ids = new Set<string>();
    const segments = dirKey === '' ? [] : dirKey.slice(0, -1).split('/');
    for (let i = 0; i <= segments.length; i++) {
      try {
        ids.add(idOf(await stat(path.join(this.root, ...segments.slice(0, i)))));
      } catch {
        break; // a folder that does not exist: nothing below it to walk
      }
    }
    return ids;
  }

  /** The absolute file path of a validated key, guaranteed inside the root. */
  #path(op: string, key: string): string {
    const reason = unsafeKeyReason(key);
    if (reason !== undefined) throw this.#unsafe(op, key, reason);
    const resolved = path.resolve(this.root, ...key.split('/'));
    if (!resolved.startsWith(this.#rootWithSep)) throw this.#unsafe(op, key, 'resolves outside the store root');
    return resolved;
  }

  #unsafe(op: string, key: string, reason: string): StorageError {
    return new StorageError(`storage ${op} key ${JSON.stringify(key)} ${reason} in ${this.description}`, false);
  }

  #fsError(op: string, key: string, err: unknown): StorageError {
    const code = codeOf(err);
    if ((op === 'get' || op === 'getRange' || op === 'getStart') && missingCodes.has(code)) {
      const notFound = new NotFoundError(key, this.description);
      notFound.cause = err;
      return notFound;
    }
    const detail = err instanceof Error ? err.message : String(err);
    return new StorageError(
      `storage ${op} failed for '${key}' in ${this.description}: ${detail}`,
      transientCodes.has(code),
      { cause: err },
    );
  }
}

function idOf(st: Stats): string {
  return `${st.dev}:${st.ino}`;
}

function codeOf(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : '';
}

/** Reads the open file from its start into `target` until it is full or the file ends; the bytes read. */
async function readInto(handle: ReadHandle, target: Uint8Array): Promise<Uint8Array> {
  let at = 0;
  while (at < target.length) {
    const { bytesRead } = await handle.read(target, at, target.length - at, at);
    if (bytesRead === 0) break;
    at += bytesRead;
  }
  return target.subarray(0, at);
}
