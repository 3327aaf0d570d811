import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalStore } from './local-store.js';
import type { ObjectStore } from './object-store.js';
import { S3Store } from './s3-store.js';

const controlChars = /[\u0000-\u001f\u007f]/;
const schemePattern = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;
const bucketPattern = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/; // 3..63 characters
const reservedBucketPrefixes = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const reservedBucketSuffixes = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/** A store location string that cannot be opened; the message never repeats credentials or query strings. */
export class StoreLocationError extends Error {
  override readonly name = 'StoreLocationError';
}

/** How a command reads its store: `syncReads` reads local files by blocking system calls (one-shot commands). */
export interface StoreOptions {
  readonly syncReads?: boolean;
}

/** Opens `s3://bucket/prefix` as an S3Store, and `file:///abs/path` or a plain path as a LocalStore. */
export function openStore(location: string, options: StoreOptions = {}): ObjectStore {
  if (location === '') throw refuse(location, 'is empty');
  if (controlChars.test(location)) throw refuse(location, 'contains a control character');
  const scheme = schemePattern.exec(location)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    if (location.includes('\\')) throw refuse(location, 'contains a backslash');
    return new LocalStore(path.resolve(process.cwd(), location), options);
  }
  if (scheme !== 's3' && scheme !== 'file')
    throw refuse(location, `has unsupported scheme '${scheme}:' (use s3://, file:// or a path)`);
  if (!location.slice(scheme.length + 1).startsWith('//')) throw refuse(location, `must start with '${scheme}://'`);
  if (location.includes('?')) throw refuse(location, 'has a query string');
  if (location.includes('#')) throw refuse(location, 'has a fragment');
  if (location.includes('\\')) throw refuse(location, 'contains a backslash');
  // Anywhere, not just in the authority: AWS secret keys may contain '/', which would split user:password@ early.
  if (location.includes('@'))
    throw refuse(location, "has '@' (credentials in the URL are refused; use the AWS credential chain)");
  const rest = location.slice(scheme.length + 3);
  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const pathPart = slash === -1 ? '' : rest.slice(slash + 1);
  const badSegment = pathPart
    .split('/')
    .find((s, i, all) => s === '.' || s === '..' || (s === '' && i < all.length - 1));
  if (badSegment !== undefined)
    throw refuse(
      location,
      badSegment === '' ? "has an empty path segment ('//')" : `has a '${badSegment}' path segment`,
    );
  return scheme === 's3' ? openS3(location, authority, pathPart) : openFile(location, authority, pathPart, options);
}

function openS3(location: string, bucket: string, prefix: string): ObjectStore {
  const reason = bucketProblem(bucket);
  if (reason !== undefined) throw refuse(location, `has invalid S3 bucket name '${bucket}': ${reason}`);
  return new S3Store({ bucket, prefix: prefix.replace(/\/$/, '') });
}

function openFile(location: string, host: string, pathPart: string, options: StoreOptions): ObjectStore {
  // The URL parser would silently resolve percent-encoded dot segments such as '%2e%2e'.
  if (pathPart.split('/').some((s) => /^(?:\.|%2e){1,2}$/i.test(s)))
    throw refuse(location, "has an encoded '.' or '..' path segment");
  if (host !== '' && host.toLowerCase() !== 'localhost')
    throw refuse(location, `names host '${host}'; only local files (file:///path) are supported`);
  let root: string;
  try {
    root = fileURLToPath(location);
  } catch (err) {
    throw refuse(location, `is not a valid file URL (${err instanceof Error ? err.message : String(err)})`);
  }
  if (controlChars.test(root)) throw refuse(location, 'decodes to a path with a control character');
  return new LocalStore(root, options);
}

/** Why `bucket` breaks the S3 general-purpose bucket naming rules, or undefined when it follows them. */
function bucketProblem(bucket: string): string | undefined {
  if (bucket.length < 3 || bucket.length > 63) return 'must be 3 to 63 characters';
  if (!bucketPattern.test(bucket))
    return 'only lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit';
  if (bucket.includes('..')) return 'must not contain two adjacent dots';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket)) return 'must not look like an IP address';
  if (reservedBucketPrefixes.some((p) => bucket.startsWith(p))) return 'uses a reserved prefix';
  if (reservedBucketSuffixes.some((s) => bucket.endsWith(s))) return 'uses a reserved suffix';
  return undefined;
}

function refuse(location: string, reason: string): StoreLocationError {
  return new StoreLocationError(`storage location ${JSON.stringify(redactLocation(location))} ${reason}`);
}

/** The location with everything up to the last '@', the query and the fragment replaced, safe to print. */
function redactLocation(location: string): string {
  return location
    .replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)?.*@/s, '$1[redacted]@')
    .replace(/\?.*$/s, '?[redacted]')
    .replace(/#.*$/s, '#[redacted]');
}
