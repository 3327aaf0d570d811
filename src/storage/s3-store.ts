// Over 300 lines: the whole ObjectStore contract on S3, with the error classification (retry vs halt) of each call.
import { setTimeout as sleep } from 'node:timers/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import type { LimitFunction } from 'p-limit';
import { silenceKnownRuntimeNotices } from '../config/environment.js';
import { unsafeKeyReason, unsafePrefixReason } from './object-key.js';
import type {
  GetOptions,
  ObjectInfo,
  ObjectPage,
  ObjectStore,
  ObjectVersion,
  PutOptions,
  UnlistedEntry,
} from './object-store.js';
import { NotFoundError, ObjectChangedError, PreconditionFailedError, StorageError } from './storage-error.js';

const transientNames = new Set([
  'SlowDown',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'InternalError',
  'ServiceUnavailable',
  'ConditionalRequestConflict', // 409 on racing conditional puts: AWS says retry
]);
const networkCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Options of an S3Store. */
export interface S3StoreOptions {
  readonly bucket: string;
  readonly prefix: string; // key prefix inside the bucket, without leading or trailing '/'; '' for the bucket root
  readonly client?: S3Client; // injected client (tests); otherwise built by createS3Client on first use
  readonly maxConcurrency?: number; // requests in flight per store; default 16
  readonly maxAttempts?: number; // SDK attempts per request, first included; default 5 (ignored with `client`)
}

type S3Sdk = typeof import('@aws-sdk/client-s3');

/** The AWS SDK, loaded on first use: a run on a local store never pays for loading it. */
let sdkModule: Promise<S3Sdk> | undefined;

/** An ObjectStore over `s3://bucket/prefix`, with bounded concurrency and SDK retries. */
export class S3Store implements ObjectStore {
  readonly bucket: string;
  readonly prefix: string; // without trailing '/'
  readonly description: string;
  // a query's segments: each reads its index and footer together, then its pages; 8 of them fill the request limit of 16
  readonly overlappedReads = 8;
  readonly #injected: S3Client | undefined;
  readonly #maxAttempts: number;
  readonly #maxConcurrency: number;
  #limit: Promise<LimitFunction> | undefined; // loaded with the first request: a query of a local store never loads it
  #loaded: Promise<{ client: S3Client; sdk: S3Sdk }> | undefined;

  constructor(options: S3StoreOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix.replace(/^\/+|\/+$/g, '');
    this.description = this.prefix === '' ? `s3://${this.bucket}` : `s3://${this.bucket}/${this.prefix}`;
    this.#injected = options.client;
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#maxConcurrency = options.maxConcurrency ?? 16;
  }

  /** One ListObjectsV2 page under `prefix`; the token is S3's continuation token. */
  async listPage(prefix: string, token?: string, pageSize = 1000): Promise<ObjectPage> {
    const reason = unsafePrefixReason(prefix);
    if (reason !== undefined)
      throw new StorageError(`storage list prefix ${JSON.stringify(prefix)} ${reason} in ${this.description}`, false);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
      throw new StorageError(`storage list page size ${pageSize} is not in 1..1000 in ${this.description}`, false);
    }
    const strip = this.prefix === '' ? 0 : this.prefix.length + 1;
    const out = await this.#send('list', prefix, async () => {
      const { client, sdk } = await this.#ready();
      return client.send(
        new sdk.ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.#fullKey(prefix),
          ContinuationToken: token,
          MaxKeys: pageSize,
        }),
      );
    });
    const objects: ObjectInfo[] = [];
    const unlisted: UnlistedEntry[] = [];
    for (const o of out.Contents ?? []) {
      if (o.Key === undefined) continue;
      const key = o.Key.slice(strip);
      if (key.endsWith('/')) {
        // an empty one is a console "folder" marker, not an object; one with bytes is data no key here can address
        if ((o.Size ?? 0) > 0)
          unlisted.push({ key, reason: `key ends with '/' and holds ${o.Size} bytes: not addressable by this job` });
        continue;
      }
      const unsafe = unsafeKeyReason(key);
      if (unsafe !== undefined) unlisted.push({ key, reason: `key ${unsafe}: not addressable by this job` });
      else objects.push({ key, size: o.Size ?? 0, etag: unquote(o.ETag), mtimeMs: o.LastModified?.getTime() });
    }
    // a truncated page without a token (a broken endpoint) would end the listing early: a day read in part, silently
    if (out.IsTruncated && !out.NextContinuationToken)
      throw new StorageError(
        `storage s3 list of ${this.description}/${prefix} answered a truncated page (IsTruncated) without a ` +
          'NextContinuationToken: the rest of the listing cannot be asked for (a fault of the endpoint)',
        false,
      );
    return {
      objects,
      ...(unlisted.length > 0 ? { unlisted } : {}),
      nextToken: out.IsTruncated ? out.NextContinuationToken : undefined,
    };
  }

  /** HeadObject; undefined on 404. */
  async head(key: string): Promise<ObjectInfo | undefined> {
    this.#check('head', key);
    try {
      const out = await this.#send('head', key, async () => {
        const { client, sdk } = await this.#ready();
        return client.send(new sdk.HeadObjectCommand({ Bucket: this.bucket, Key: this.#fullKey(key) }));
      });
      return { key, size: out.ContentLength ?? 0, etag: unquote(out.ETag), mtimeMs: out.LastModified?.getTime() };
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  /**
   * GetObject of the whole body. With `expect`, asks for the listed version (`If-Match` its ETag) and checks the
   * response's ETag and length too (servers that ignore `If-Match`), so a replaced object is ObjectChangedError.
   */
  async get(key: string, options?: GetOptions): Promise<Uint8Array> {
    this.#check('get', key);
    const expect = options?.expect;
    try {
      return await this.#send('get', key, async () => {
        const { client, sdk } = await this.#ready();
        const ifMatch = expect?.etag !== undefined ? `"${expect.etag}"` : undefined;
        const out = await client.send(
          new sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.#fullKey(key), IfMatch: ifMatch }),
        );
        const bytes = out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
        const etag = unquote(out.ETag);
        if (
          expect &&
          (bytes.length !== expect.size || (expect.etag !== undefined && etag !== undefined && etag !== expect.etag))
        ) {
          throw new ObjectChangedError(key, this.description, expect, {
            size: bytes.length,
            etag,
            mtimeMs: out.LastModified?.getTime(),
          });
        }
        return bytes;
      });
    } catch (err) {
      throw expect ? await this.#changedError(key, expect, err) : err;
    }
  }

  /** The error a read that expected `expect` throws for `err`: a missing or replaced object is ObjectChangedError. */
  async #changedError(key: string, expect: ObjectVersion, err: unknown): Promise<unknown> {
    if (err instanceof ObjectChangedError || !(err instanceof StorageError)) return err;
    const status = (err.cause as { httpStatusCode?: number } | undefined)?.httpStatusCode;
    if (err instanceof NotFoundError)
      return new ObjectChangedError(key, this.description, expect, { size: undefined }, { cause: err });
    if (status === 412 || (err.cause as Error | undefined)?.name === 'PreconditionFailed') {
      const now = await this.head(key);
      return new ObjectChangedError(key, this.description, expect, now ?? { size: undefined }, { cause: err });
    }
    return err;
  }

  /**
   * GetObject with `Range: bytes=start-(end-1)`; an empty range only checks that the object exists. With `expect`, as
   * `get`: `If-Match` its ETag, and the response's ETag and total size (Content-Range) must be the listed version's.
   */
  async getRange(key: string, start: number, end: number, options?: GetOptions): Promise<Uint8Array> {
    this.#check('getRange', key);
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
      throw new StorageError(
        `storage getRange invalid range [${start}, ${end}) for '${key}' in ${this.description}`,
        false,
      );
    }
    const expect = options?.expect;
    if (start === end) {
      const now = await this.head(key);
      if (now === undefined) {
        if (expect) throw new ObjectChangedError(key, this.description, expect, { size: undefined });
        throw new NotFoundError(key, this.description);
      }
      if (expect && (now.size !== expect.size || (expect.etag !== undefined && now.etag !== expect.etag)))
        throw new ObjectChangedError(key, this.description, expect, now);
      return new Uint8Array(0);
    }
    try {
      return await this.#send('getRange', key, async () => {
        const { client, sdk } = await this.#ready();
        const ifMatch = expect?.etag !== undefined ? `"${expect.etag}"` : undefined;
        const out = await client.send(
          new sdk.GetObjectCommand({
            Bucket: this.bucket,
            Key: this.#fullKey(key),
            Range: `bytes=${start}-${end - 1}`,
            IfMatch: ifMatch,
          }),
        );
        const bytes = out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
        const etag = unquote(out.ETag);
        // A server that ignores Range answers 200 with the whole object.
        const whole = out.$metadata.httpStatusCode === 200;
        const total = whole ? bytes.length : Number(/\/(\d+)$/.exec(out.ContentRange ?? '')?.[1] ?? Number.NaN);
        if (
          expect &&
          ((!Number.isNaN(total) && total !== expect.size) ||
            (expect.etag !== undefined && etag !== undefined && etag !== expect.etag))
        ) {
          throw new ObjectChangedError(key, this.description, expect, {
            size: Number.isNaN(total) ? undefined : total,
            etag,
            mtimeMs: out.LastModified?.getTime(),
          });
        }
        if (whole) return bytes.slice(start, end);
        // s3rver 3.7 answers bytes=0-0 with the whole object (a longer range, cut here); anything that does not start
        // where we asked, or holds less than we asked of the object, is refused naming what the server sent
        const served = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(out.ContentRange ?? '');
        const wanted = Number.isNaN(total) ? end - start : Math.min(end, total) - start;
        if (served === null || Number(served[1]) !== start || bytes.length < wanted) {
          throw new StorageError(
            `storage s3 getRange got ${out.ContentRange ? `'${out.ContentRange}'` : 'no Content-Range'} and ` +
              `${bytes.length} bytes for bytes=${start}-${end - 1} of ${this.description}/${key}`,
            false,
          );
        }
        return bytes.length > end - start ? bytes.slice(0, end - start) : bytes;
      });
    } catch (err) {
      throw expect ? await this.#changedError(key, expect, err) : err;
    }
  }

  /**
   * GetObject with `Range: bytes=0-(length-1)`: the start of the object and its version (ETag, and the total size from
   * Content-Range; a server that ignores Range answers 200 with the whole object). An empty object, whose every range
   * is unsatisfiable (416), is read whole.
   */
  async getStart(key: string, length: number): Promise<{ bytes: Uint8Array; version: ObjectVersion }> {
    this.#check('getStart', key);
    if (!Number.isSafeInteger(length) || length < 1)
      throw new StorageError(`storage getStart invalid length ${length} for '${key}' in ${this.description}`, false);
    try {
      return await this.#send('getStart', key, async () => {
        const { client, sdk } = await this.#ready();
        const out = await client.send(
          new sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.#fullKey(key), Range: `bytes=0-${length - 1}` }),
        );
        const bytes = out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
        const etag = unquote(out.ETag);
        const total =
          out.$metadata.httpStatusCode === 200
            ? bytes.length
            : Number(/^bytes 0-\d+\/(\d+)$/.exec(out.ContentRange ?? '')?.[1] ?? Number.NaN);
        if (Number.isNaN(total) || bytes.length < Math.min(length, total))
          throw new StorageError(
            `storage s3 getStart got ${out.ContentRange ? `'${out.ContentRange}'` : 'no Content-Range'} and ` +
              `${bytes.length} bytes for bytes=0-${length - 1} of ${this.description}/${key}`,
            false,
          );
        const mtimeMs = out.LastModified?.getTime();
        const version = {
          size: total,
          ...(etag === undefined ? {} : { etag }),
          ...(mtimeMs === undefined ? {} : { mtimeMs }),
        };
        return { bytes: bytes.length > length ? bytes.slice(0, length) : bytes, version };
      });
    } catch (err) {
      const status = err instanceof StorageError ? (err.cause as { httpStatusCode?: number } | undefined) : undefined;
      if (status?.httpStatusCode !== 416) throw err;
      const info = await this.head(key);
      if (info === undefined) throw new NotFoundError(key, this.description);
      const version = {
        size: info.size,
        ...(info.etag === undefined ? {} : { etag: info.etag }),
        ...(info.mtimeMs === undefined ? {} : { mtimeMs: info.mtimeMs }),
      };
      return { bytes: await this.get(key, { expect: version }), version };
    }
  }

  /** PutObject of the whole body (S3 puts are atomic); `ifNoneMatch: '*'` maps 412 to PreconditionFailedError. */
  async put(key: string, body: Uint8Array, options?: PutOptions): Promise<void> {
    this.#check('put', key);
    await this.#send('put', key, async () => {
      const { client, sdk } = await this.#ready();
      return client.send(
        new sdk.PutObjectCommand({
          Bucket: this.bucket,
          Key: this.#fullKey(key),
          Body: body,
          ContentLength: body.byteLength,
          ContentType: options?.contentType,
          IfNoneMatch: options?.ifNoneMatch,
        }),
      );
    });
  }

  /** DeleteObject; S3 answers 204 for a missing key too. */
  async delete(key: string): Promise<void> {
    this.#check('delete', key);
    await this.#send('delete', key, async () => {
      const { client, sdk } = await this.#ready();
      return client.send(new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: this.#fullKey(key) }));
    });
  }

  /** The client and the SDK's command classes, loaded by the first request. */
  #ready(): Promise<{ client: S3Client; sdk: S3Sdk }> {
    this.#loaded ??= (async () => {
      silenceKnownRuntimeNotices(); // the library's callers too: a service's logs get no multi-line SDK notice
      const sdk = await (sdkModule ??= import('@aws-sdk/client-s3'));
      const client = this.#injected ?? (await import('./s3-client.js')).createS3Client(this.#maxAttempts);
      return { client, sdk };
    })();
    return this.#loaded;
  }

  #fullKey(key: string): string {
    return this.prefix === '' ? key : `${this.prefix}/${key}`;
  }

  #check(op: string, key: string): void {
    const reason = unsafeKeyReason(key);
    if (reason !== undefined)
      throw new StorageError(`storage ${op} key ${JSON.stringify(key)} ${reason} in ${this.description}`, false);
  }

  /**
   * Runs one request under the concurrency limit and maps its final error (after SDK retries). A read whose body
   * stream fails (a connection reset midway) is sent again, `bodyReadAttempts` reads in all: the SDK retries a request
   * until its response starts, not the reading of its body.
   */
  async #send<T>(op: string, key: string, request: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const limit = await (this.#limit ??= import('p-limit').then((m) => m.default(this.#maxConcurrency)));
        return await limit(request);
      } catch (err) {
        if (err instanceof StorageError) throw err;
        const mapped = mapS3Error(op, this.bucket, this.#fullKey(key), this.description, key, err);
        const bodyFailed = typeof err === 'object' && err !== null && !('$metadata' in err); // no response error
        if (!(mapped.transient && bodyFailed && readOps.has(op) && attempt < bodyReadAttempts)) throw mapped;
        await sleep(100 * 4 ** (attempt - 1));
      }
    }
  }
}

const readOps: ReadonlySet<string> = new Set(['get', 'getRange', 'getStart']);
const bodyReadAttempts = 3;

/**
 * Classifies an SDK error: 404 -> NotFoundError, 412 -> PreconditionFailedError, throttling/5xx/network -> transient.
 */
export function mapS3Error(
  op: string,
  bucket: string,
  fullKey: string,
  where: string,
  key: string,
  err: unknown,
): StorageError {
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
  };
  const status = e.$metadata?.httpStatusCode;
  const name = e.name ?? 'Error';
  const code = e.code ?? '';
  const objectOp = op === 'get' || op === 'getRange' || op === 'getStart' || op === 'head';
  // a missing bucket is a wrong store, not a missing object (a query would print "no data"); only a response with a
  // body names it (a HEAD's 404 cannot tell)
  if (name === 'NoSuchBucket' || code === 'NoSuchBucket')
    return new StorageError(
      `storage s3 ${op} failed for s3://${bucket}/${fullKey}: HTTP ${status ?? 'none'} NoSuchBucket: the bucket ` +
        `${bucket} does not exist at ${where} (check the store's bucket and AWS_ENDPOINT_URL)`,
      false,
      { cause: safeCause(name, status, e) },
    );
  if (objectOp && (status === 404 || name === 'NoSuchKey' || name === 'NotFound')) {
    return Object.assign(new NotFoundError(key, where), { cause: safeCause(name, status, e) });
  }
  if (op === 'put' && (status === 412 || name === 'PreconditionFailed')) {
    return Object.assign(new PreconditionFailedError(key, where), { cause: safeCause(name, status, e) });
  }
  const message = redact(e.message ?? String(err));
  // 501 Not Implemented: the endpoint lacks a feature the job needs (conditional writes), which no retry brings
  const transient =
    (status !== undefined && ((status >= 500 && status !== 501) || status === 429)) ||
    transientNames.has(name) ||
    transientNames.has(code) ||
    networkCodes.has(code) ||
    /socket hang up|ECONNRESET|ETIMEDOUT|EPIPE/i.test(message);
  const attempts = e.$metadata?.attempts !== undefined ? ` after ${e.$metadata.attempts} attempts` : '';
  const unsupported =
    status === 501
      ? ' (the endpoint does not implement this request: the job needs conditional writes, If-None-Match: *, ' +
        'and ranged reads)'
      : '';
  return new StorageError(
    `storage s3 ${op} failed for s3://${bucket}/${fullKey}: ` +
      `HTTP ${status ?? 'none'} ${name}${code ? ` ${code}` : ''}${attempts}: ${message}${unsupported}`,
    transient,
    { cause: safeCause(name, status, e) },
  );
}

/**
 * A cause that keeps the diagnosis but none of the SDK error's extra fields (which can echo access key ids and
 * signatures).
 */
function safeCause(
  name: string,
  status: number | undefined,
  e: { code?: string; message?: string; $metadata?: { requestId?: string } },
): Error {
  const cause = new Error(redact(e.message ?? name));
  cause.name = name;
  return Object.assign(cause, { httpStatusCode: status, code: e.code, requestId: e.$metadata?.requestId });
}

/** Removes signatures, credentials and query strings that an error message might echo. */
function redact(text: string): string {
  return text
    .replace(/(X-Amz-(?:Signature|Credential|Security-Token))=[^&\s"]+/gi, '$1=[redacted]')
    .replace(/\b(?:AKIA|ASIA)[A-Z0-9]{12,}\b/g, '[access-key-id]')
    .replace(/(https?:\/\/[^\s?"]+)\?[^\s"]*/g, '$1?[redacted]')
    .replace(/\/\/[^/\s@"]+@/g, '//[redacted]@');
}

function unquote(etag: string | undefined): string | undefined {
  return etag?.replace(/^"|"$/g, '');
}
