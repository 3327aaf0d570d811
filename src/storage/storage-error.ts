/** A storage operation failed; `transient` says whether retrying later may succeed. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    message: string,
    readonly transient: boolean, // true for throttling, 5xx, timeouts, connection resets
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The object asked for does not exist. */
export class NotFoundError extends StorageError {
  override readonly name = 'StorageError';
  constructor(
    readonly key: string,
    where: string,
  ) {
    super(`storage object not found: ${key} in ${where}`, false);
  }
}

/** A conditional write lost: the key already exists (If-None-Match) or changed (If-Match). */
export class PreconditionFailedError extends StorageError {
  constructor(
    readonly key: string,
    where: string,
  ) {
    super(`storage precondition failed: ${key} already exists in ${where}`, false);
  }
}

/** What a listing said of an object, and what a read found: the two versions ObjectChangedError compares. */
export interface ObjectIdentity {
  readonly size: number | undefined; // bytes
  readonly etag?: string | undefined;
  readonly mtimeMs?: number | undefined;
}

/**
 * The object was replaced or rewritten between the listing and the read (or during the read): transient, since the
 * next run lists the new version and reads it whole.
 */
export class ObjectChangedError extends StorageError {
  override readonly name = 'StorageError';
  constructor(
    readonly key: string,
    where: string,
    readonly listed: ObjectIdentity,
    readonly found: ObjectIdentity,
    options?: { cause?: unknown },
  ) {
    super(
      `storage object changed while being read: ${key} in ${where} was listed as ${describeIdentity(listed)}, ` +
        `now ${describeIdentity(found)}`,
      true,
      options,
    );
  }
}

function describeIdentity(v: ObjectIdentity): string {
  if (v.size === undefined) return 'deleted';
  const parts = [`size ${v.size}`];
  if (v.etag !== undefined) parts.push(`etag ${v.etag}`);
  if (v.mtimeMs !== undefined) parts.push(`mtime ${new Date(v.mtimeMs).toISOString()} (${v.mtimeMs} ms)`);
  return parts.join(', ');
}
