import type { ObjectStore } from '../storage/object-store.js';
import { NotFoundError } from '../storage/storage-error.js';
import { parseManifest, type Manifest } from './manifest.js';
import { type CommittedHead, type ManifestParts, openManifestParts, wholeHead } from './manifest-parts.js';

/** What a partition's manifest key holds: nothing (never committed), a manifest, or bytes no reader can trust. */
export type CommittedManifest =
  | { readonly kind: 'absent'; readonly key: string }
  | { readonly kind: 'committed'; readonly key: string; readonly manifest: Manifest }
  | { readonly kind: 'unreadable'; readonly key: string; readonly problem: string; readonly bytes: number };

/**
 * A reader needs a committed manifest that is truncated, empty, of an unknown formatVersion or of the wrong shape
 * (halt).
 */
export class ManifestUnreadableError extends Error {
  override readonly name = 'ManifestUnreadableError';
}

/**
 * Reads the manifest at `key` without throwing on bad content (storage failures still throw): one GET, whose 404 says
 * the partition is not committed.
 */
export async function readManifestState(store: ObjectStore, key: string): Promise<CommittedManifest> {
  const bytes = await readManifestBytes(store, key);
  if (bytes === undefined) return { kind: 'absent', key };
  try {
    return { kind: 'committed', key, manifest: parseManifest(bytes, key) };
  } catch (e) {
    return {
      kind: 'unreadable',
      key,
      problem: bytes.length === 0 ? `manifest ${key} is empty (0 bytes)` : (e as Error).message,
      bytes: bytes.length,
    };
  }
}

/** The manifest of a state, or a ManifestUnreadableError naming the key and how to recover; undefined when absent. */
export function manifestOf(state: CommittedManifest, date: string): Manifest | undefined {
  if (state.kind === 'absent') return undefined;
  if (state.kind === 'committed') return state.manifest;
  throw unreadableManifest(state.problem, date);
}

/**
 * The committed manifest at `key` as a query reads it, by one GET: every field checked but the segment list, whose
 * segments are checked as they are taken (`SegmentList`); undefined when never committed. Bad content is a
 * ManifestUnreadableError naming the key and how to recover, here or when a bad segment is taken.
 */
export async function readManifestHead(store: ObjectStore, key: string): Promise<CommittedHead | undefined> {
  const bytes = await readManifestBytes(store, key);
  return bytes === undefined ? undefined : wholeHead(bytes, key, unreadableIn(key));
}

/**
 * The committed manifest at `key` read in part (`openManifestParts`): its first `startBytes`, then by ranged reads what
 * each `take` needs; undefined when never committed. Errors as `readManifestHead`'s.
 */
export function openManifest(store: ObjectStore, key: string, startBytes?: number): Promise<ManifestParts | undefined> {
  return openManifestParts(store, key, unreadableIn(key), startBytes);
}

/** The ManifestUnreadableError of a problem with the manifest at `key`. */
export function unreadableIn(key: string): (problem: string) => Error {
  const date = dateOf(key);
  return (problem) => unreadableManifest(problem, date);
}

/** The day of a partition's manifest key (YYYY-MM-DD), or 'D' when the key names none. */
export function dateOf(key: string): string {
  return /\/dt=(\d{4}-\d{2}-\d{2})\//.exec(key)?.[1] ?? 'D';
}

function unreadableManifest(problem: string, date: string): ManifestUnreadableError {
  return new ManifestUnreadableError(
    `${problem}; the partition cannot be read until it is rebuilt from raw: run \`telemetry-rollup run ` +
      `--date ${date}\` (a run rebuilds over an unreadable manifest)`,
  );
}

/** The bytes at `key`, or undefined when there is no object (one GET: its 404 says the partition is not committed). */
async function readManifestBytes(store: ObjectStore, key: string): Promise<Uint8Array | undefined> {
  try {
    return await store.get(key);
  } catch (e) {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  }
}
