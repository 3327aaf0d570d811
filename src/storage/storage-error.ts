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
  constructor(readonly key: string, where: string) {
    super(`storage object not found: ${key} in ${where}`, false);
  }
}

/** A conditional write lost: the key already exists (If-None-Match) or changed (If-Match). */
export class PreconditionFailedError extends StorageError {
  constructor(readonly key: string, where: string) {
    super(`storage precondition failed: ${key} already exists in ${where}`, false);
  }
}
