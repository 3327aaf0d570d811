/** Object key rules shared by every store: which keys and prefixes are safe, and S3's listing order. Pure. */

/** Prefix of a local store's in-flight put; never listed as an object, never a valid key. */
export const tempPrefix = '.tmp-';
/** Why an entry named `.tmp-*` is not read: a local store's put in flight, or another writer's temporary file. */
export const temporaryReason = "a temporary file ('.tmp-*': a write in progress or abandoned), not an object";

/** Whether a segment of `key` is named `.tmp-*`: a temporary file or a folder of them. */
export function isTemporaryKey(key: string): boolean {
  return key.split('/').some((segment) => segment.startsWith(tempPrefix));
}
/** Characters no key may hold. */
export const controlChars = /[\u0000-\u001f\u007f]/;

/**
 * Why `key` is not a safe object key ('/'-separated, relative, no '.'/'..'/empty segments), or undefined when it is.
 */
export function unsafeKeyReason(key: string): string | undefined {
  if (key === '') return 'is empty';
  if (key.startsWith('/')) return 'is absolute';
  if (key.includes('\\')) return 'contains a backslash';
  if (controlChars.test(key)) return 'contains a control character';
  for (const segment of key.split('/')) {
    if (segment === '') return 'has an empty segment';
    if (segment === '.' || segment === '..') return `has a '${segment}' segment`;
    if (segment.startsWith(tempPrefix)) return `has a segment starting with '${tempPrefix}'`;
  }
  return undefined;
}

/** Why `prefix` is not a safe listing prefix (a key prefix that may end mid-segment), or undefined when it is. */
export function unsafePrefixReason(prefix: string): string | undefined {
  if (prefix === '') return undefined;
  const lastSlash = prefix.lastIndexOf('/');
  const dirs = prefix.slice(0, lastSlash + 1);
  const rest = prefix.slice(lastSlash + 1);
  if (rest.includes('\\') || controlChars.test(rest)) return 'contains a backslash or control character';
  return dirs === '' ? undefined : unsafeKeyReason(dirs.slice(0, -1));
}

/** Byte order of the UTF-8 encodings (S3 listing order), which differs from UTF-16 `<` for astral characters. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
