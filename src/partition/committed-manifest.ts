import type { ObjectStore } from '../storage/object-store.js';
import { NotFoundError } from '../storage/storage-error.js';
import { parseManifest, type Manifest } from './manifest.js';

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
  let bytes: Uint8Array;
  try {
    bytes = await store.get(key);
  } catch (e) {
    if (e instanceof NotFoundError) return { kind: 'absent', key };
    throw e;
  }
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
  throw new ManifestUnreadableError(
    `${state.problem}; the partition cannot be read until it is rebuilt from raw: run \`telemetry-rollup run ` +
      `--date ${date}\` (a run rebuilds over an unreadable manifest)`,
  );
}
