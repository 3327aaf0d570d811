import { StorageError } from './storage-error.js';
/** Metadata of one stored object, as a listing or a head request reports it. */
export interface ObjectInfo {
  readonly key: string; // full key relative to the store root, '/'-separated, no leading '/'
  readonly size: number; // bytes
  readonly etag?: string; // S3 ETag without quotes; absent on the local store
  readonly mtimeMs?: number; // last modification, epoch milliseconds
}

/**
 * An entry a listing found under the prefix but cannot serve as an object (so it is reported, never dropped silently).
 */
export interface UnlistedEntry {
  readonly key: string; // the name as found, '/'-separated (may hold the control characters that make it unusable)
  readonly reason: string; // why it cannot be read: a control character, a broken symbolic link, a link loop, a FIFO...
}

/** One page of a listing; pass `nextToken` back to get the next page. */
export interface ObjectPage {
  readonly objects: readonly ObjectInfo[];
  readonly unlisted?: readonly UnlistedEntry[]; // entries under the prefix that are not readable objects
  readonly nextToken?: string;
}

/**
 * The identity a listing gave an object; a read that expects it fails with ObjectChangedError when the object differs.
 */
export interface ObjectVersion {
  readonly size: number; // bytes
  readonly etag?: string; // S3 ETag without quotes
  readonly mtimeMs?: number; // local store modification time, epoch ms
}

/** Options of a read. */
export interface GetOptions {
  readonly expect?: ObjectVersion; // fail with ObjectChangedError (transient) unless the bytes read are this version's
  // memory the store may read the object into (its start, when it is big enough; the answer then views it), so that a
  // caller reading many objects reuses one buffer instead of faulting in fresh pages for each; a store may ignore it
  readonly into?: Uint8Array;
}

/** Options of a conditional put. */
export interface PutOptions {
  readonly ifNoneMatch?: '*'; // fail with PreconditionFailedError when the key exists
  readonly contentType?: string;
}

/**
 * The only way the job touches storage: a flat key space, as S3 has.
 * Keys are relative to the store root (a local directory or s3://bucket/prefix).
 */
export interface ObjectStore {
  /** Human-readable location of the store root, with no secrets (for logs and errors). */
  readonly description: string;
  /**
   * Reads worth having in flight at once for a reader that can overlap them (a query's segments): more than 1 where
   * each read waits for a network round trip; 1 (the default) where a read costs only CPU, as on a local disk.
   */
  readonly overlappedReads?: number;
  /** One page of the objects whose key starts with `prefix`, in key order. */
  listPage(prefix: string, token?: string, pageSize?: number): Promise<ObjectPage>;
  /** Metadata of one object, or undefined when it does not exist. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /**
   * The whole object; throws NotFoundError when it does not exist, ObjectChangedError when it is not `expect`'s
   * version.
   */
  get(key: string, options?: GetOptions): Promise<Uint8Array>;
  /**
   * Bytes [start, end) of an object (explicit ranges only, never suffix ranges); with `expect`, ObjectChangedError
   * when the object is not that version (as `get`), so ranges of one version are never mixed with another's.
   */
  getRange(key: string, start: number, end: number, options?: GetOptions): Promise<Uint8Array>;
  /**
   * The first `length` bytes of an object (all of it when it is shorter) and the version read, in one request, so that
   * later ranges of that version can `expect` it; throws NotFoundError when it does not exist. A store without it is
   * read whole (`get`).
   */
  getStart?(key: string, length: number): Promise<{ readonly bytes: Uint8Array; readonly version: ObjectVersion }>;
  /** Writes an object atomically: readers see the old bytes or the new, never a mix. */
  put(key: string, body: Uint8Array, options?: PutOptions): Promise<void>;
  /** Removes an object; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Removes the store's own files of puts that never finished (their process was killed) under `prefix`, last
   * modified before `beforeMs`, and returns their names. Absent where a put is one atomic request (S3).
   */
  removeAbandonedPuts?(prefix: string, beforeMs: number): Promise<string[]>;
  /**
   * Rejects when the store's root does not exist, so nothing can ever have been written to it (a local directory that
   * is not there: mistyped, or a volume not mounted). Absent where listing already rejects then (S3: no such bucket).
   */
  checkRoot?(): Promise<void>;
}

/**
 * Deletes every object of `objects` at once: on S3 each DELETE is a round trip, and the store bounds how many run
 * together. An object already gone is not an error; a failure rejects once the deletes under way are settled.
 */
export async function deleteAll(store: ObjectStore, objects: readonly { readonly key: string }[]): Promise<void> {
  const results = await Promise.allSettled(objects.map((o) => store.delete(o.key)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Every object under `prefix`, following pagination to the end. */
export async function listAll(store: ObjectStore, prefix: string): Promise<ObjectInfo[]> {
  return (await listInventory(store, prefix)).objects;
}

/**
 * Every object under `prefix` and every entry the store found there but cannot serve, following pagination to the end.
 * A listing that gives a key twice or a continuation token again (a broken endpoint) is refused: it would count an
 * object twice, or never end.
 */
export async function listInventory(
  store: ObjectStore,
  prefix: string,
): Promise<{ objects: ObjectInfo[]; unlisted: UnlistedEntry[] }> {
  const objects: ObjectInfo[] = [];
  const unlisted: UnlistedEntry[] = [];
  const keys = new Set<string>();
  const tokens = new Set<string>();
  let token: string | undefined;
  do {
    const page = await store.listPage(prefix, token);
    for (const entry of [...page.objects, ...(page.unlisted ?? [])]) {
      if (keys.has(entry.key))
        throw new StorageError(
          `storage list of '${prefix}' in ${store.description} gave key '${entry.key}' twice: the listing cannot be ` +
            'trusted (a fault of the endpoint)',
          false,
        );
      keys.add(entry.key);
    }
    objects.push(...page.objects);
    unlisted.push(...(page.unlisted ?? []));
    token = page.nextToken;
    if (token !== undefined && tokens.has(token))
      throw new StorageError(
        `storage list of '${prefix}' in ${store.description} gave continuation token '${token}' again: the listing ` +
          'would never end (a fault of the endpoint)',
        false,
      );
    if (token !== undefined) tokens.add(token);
  } while (token !== undefined);
  return { objects, unlisted };
}
