/** Metadata of one stored object, as a listing or a head request reports it. */
export interface ObjectInfo {
  readonly key: string; // full key relative to the store root, '/'-separated, no leading '/'
  readonly size: number; // bytes
  readonly etag?: string; // S3 ETag without quotes; absent on the local store
  readonly mtimeMs?: number; // last modification, epoch milliseconds
}

/** One page of a listing; pass `nextToken` back to get the next page. */
export interface ObjectPage {
  readonly objects: readonly ObjectInfo[];
  readonly nextToken?: string;
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
  /** One page of the objects whose key starts with `prefix`, in key order. */
  listPage(prefix: string, token?: string, pageSize?: number): Promise<ObjectPage>;
  /** Metadata of one object, or undefined when it does not exist. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** The whole object; throws NotFoundError when it does not exist. */
  get(key: string): Promise<Uint8Array>;
  /** Bytes [start, end) of an object (explicit ranges only, never suffix ranges). */
  getRange(key: string, start: number, end: number): Promise<Uint8Array>;
  /** Writes an object atomically: readers see the old bytes or the new, never a mix. */
  put(key: string, body: Uint8Array, options?: PutOptions): Promise<void>;
  /** Removes an object; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
}

/** Every object under `prefix`, following pagination to the end. */
export async function listAll(store: ObjectStore, prefix: string): Promise<ObjectInfo[]> {
  const all: ObjectInfo[] = [];
  let token: string | undefined;
  do {
    const page = await store.listPage(prefix, token);
    all.push(...page.objects);
    token = page.nextToken;
  } while (token !== undefined);
  return all;
}
