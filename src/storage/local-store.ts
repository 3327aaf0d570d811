import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, rmdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { ObjectInfo, ObjectPage, ObjectStore, PutOptions } from './object-store.js';
import { compareKeys, controlChars, tempPrefix, unsafeKeyReason, unsafePrefixReason } from './object-key.js';
import { NotFoundError, PreconditionFailedError, StorageError } from './storage-error.js';

const transientCodes = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY']);
const missingCodes = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

/** An entry of a directory walk: `sortKey` is the key of a file, or the key prefix (ending in '/') of a directory. */
interface WalkEntry {
  readonly sortKey: string;
  readonly dir: boolean;
}

/** The embedded default store: objects are files under a root directory, keys are relative paths. */
export class LocalStore implements ObjectStore {
  readonly root: string; // absolute path of the store root directory
  readonly description: string;
  readonly #rootWithSep: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.description = `file://${this.root}`;
    this.#rootWithSep = this.root.endsWith(path.sep) ? this.root : this.root + path.sep;
  }

  /** One page of the objects under `prefix`; the token is the last key of the previous page. */
  async listPage(prefix: string, token?: string, pageSize = 1000): Promise<ObjectPage> {
    const reason = unsafePrefixReason(prefix);
    if (reason !== undefined) throw this.#unsafe('list', prefix, reason);
    if (!Number.isInteger(pageSize) || pageSize < 1) {
      throw new StorageError(`storage list page size ${pageSize} is not a positive integer in ${this.description}`, false);
    }
    const lastSlash = prefix.lastIndexOf('/');
    const keys: string[] = [];
    await this.#walk(prefix.slice(0, lastSlash + 1), prefix.slice(lastSlash + 1), token, keys, pageSize + 1);
    const pageKeys = keys.slice(0, pageSize);
    const objects = await Promise.all(pageKeys.map((key) => this.head(key)));
    return {
      objects: objects.filter((o): o is ObjectInfo => o !== undefined),
      nextToken: keys.length > pageSize ? pageKeys[pageKeys.length - 1] : undefined,
    };
  }

  /** Metadata of a regular file, or undefined when there is none at `key`. */
  async head(key: string): Promise<ObjectInfo | undefined> {
    const file = this.#path('head', key);
    try {
      const st = await stat(file);
      return st.isFile() ? { key, size: st.size, mtimeMs: st.mtimeMs } : undefined;
    } catch (err) {
      if (missingCodes.has(codeOf(err))) return undefined;
      throw this.#fsError('head', key, err);
    }
  }

  /** The whole file at `key`; throws NotFoundError when missing. */
  async get(key: string): Promise<Uint8Array> {
    const file = this.#path('get', key);
    try {
      return new Uint8Array(await readFile(file));
    } catch (err) {
      throw this.#fsError('get', key, err);
    }
  }

  /** Bytes [start, end) read through a file handle; truncated at the end of the file, as S3 does. */
  async getRange(key: string, start: number, end: number): Promise<Uint8Array> {
    const file = this.#path('getRange', key);
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
      throw new StorageError(`storage getRange invalid range [${start}, ${end}) for '${key}' in ${this.description}`, false);
    }
    let handle;
    try {
      handle = await open(file, 'r');
      const size = (await handle.stat()).size;
      if (start >= size && end > start) {
        throw new StorageError(`storage getRange range [${start}, ${end}) not satisfiable for '${key}' of ${size} bytes in ${this.description}`, false);
      }
      const out = new Uint8Array(Math.min(end, size) - start);
      let filled = 0;
      while (filled < out.length) {
        const { bytesRead } = await handle.read(out, filled, out.length - filled, start + filled);
        if (bytesRead === 0) break; // the file shrank under us
        filled += bytesRead;
      }
      return filled === out.length ? out : out.subarray(0, filled);
    } catch (err) {
      throw err instanceof StorageError ? err : this.#fsError('getRange', key, err);
    } finally {
      await handle?.close();
    }
  }

  /** Writes a temp file in the target directory, then renames it (or links it, for ifNoneMatch) over the key. */
  async put(key: string, body: Uint8Array, options?: PutOptions): Promise<void> {
    const file = this.#path('put', key);
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

  /** Creates and fills the temp file, recreating its directory when a concurrent delete pruned it. */
  async #writeTemp(temp: string, body: Uint8Array): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      let handle;
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

  /** Appends up to `limit` keys under `dirKey` whose name starts with `namePrefix`, in key order, after `token`. */
  async #walk(dirKey: string, namePrefix: string, token: string | undefined, out: string[], limit: number): Promise<void> {
    let dirents: Dirent[];
    try {
      dirents = await readdir(dirKey === '' ? this.root : this.#path('list', dirKey.slice(0, -1)), { withFileTypes: true });
    } catch (err) {
      if (missingCodes.has(codeOf(err))) return;
      throw this.#fsError('list', dirKey, err);
    }
    const entries: WalkEntry[] = [];
    for (const d of dirents) {
      if (!d.name.startsWith(namePrefix) || d.name.startsWith(tempPrefix)) continue;
      if (d.name.includes('\\') || controlChars.test(d.name)) continue; // not addressable as a key
      if (d.isDirectory()) entries.push({ sortKey: `${dirKey}${d.name}/`, dir: true });
      else if (d.isFile()) entries.push({ sortKey: `${dirKey}${d.name}`, dir: false });
    }
    // A directory's keys all sort between 'name/' and the next sibling, so this DFS yields global key order.
    entries.sort((a, b) => compareKeys(a.sortKey, b.sortKey));
    for (const e of entries) {
      if (out.length >= limit) return;
      if (e.dir) {
        const before = token !== undefined && compareKeys(e.sortKey, token) < 0 && !token.startsWith(e.sortKey);
        if (!before) await this.#walk(e.sortKey, '', token, out, limit);
      } else if (token === undefined || compareKeys(e.sortKey, token) > 0) {
        out.push(e.sortKey);
      }
    }
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
    if ((op === 'get' || op === 'getRange') && missingCodes.has(code)) {
      const notFound = new NotFoundError(key, this.description);
      notFound.cause = err;
      return notFound;
    }
    const detail = err instanceof Error ? err.message : String(err);
    return new StorageError(`storage ${op} failed for '${key}' in ${this.description}: ${detail}`, transientCodes.has(code), { cause: err });
  }
}

function codeOf(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : '';
}
