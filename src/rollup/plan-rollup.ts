import { builtWithConfig, type ConfigHashes } from '../config/config-hashes.js';
import type { CommittedManifest } from '../partition/committed-manifest.js';
import type { Manifest, ManifestIgnored, ManifestInput } from '../partition/manifest.js';

/** What a run of one partition will do, and why. Pure: inventory and prior manifest in, decision out. */
export type RollupPlan =
  | { readonly action: 'skip'; readonly reason: string }
  | { readonly action: 'build'; readonly reasons: readonly string[] };

/**
 * Decides whether a partition must be (re)built from its raw inventory and what its manifest key holds. An
 * unreadable manifest (truncated, empty, unknown formatVersion, wrong shape) is rebuilt over: output is reproducible
 * from raw.
 */
export function planRollup(
  inputs: readonly ManifestInput[],
  committed: CommittedManifest,
  config: ConfigHashes,
  force: boolean,
): RollupPlan {
  if (committed.kind === 'absent') return { action: 'build', reasons: ['not committed yet'] };
  if (committed.kind === 'unreadable')
    return { action: 'build', reasons: [`rebuild: manifest unreadable (${committed.problem})`] };
  const previous = committed.manifest;
  const kept = rawGoneReason(previous, inputs);
  if (kept) return { action: 'skip', reason: kept };
  const reasons: string[] = [];
  if (force) reasons.push('--force');
  if (!builtWithConfig(previous.configHash, config))
    reasons.push(`config changed (${previous.configHash.slice(7, 19)} -> ${config.current.slice(7, 19)})`);
  const before = new Map(previous.inputs.map((i) => [i.key, i]));
  const now = new Map(inputs.map((i) => [i.key, i]));
  const added = inputs.filter((i) => !before.has(i.key)).map((i) => i.key);
  const removed = previous.inputs.filter((i) => !now.has(i.key)).map((i) => i.key);
  const changed = inputs
    .filter((i) => {
      const p = before.get(i.key);
      return p !== undefined && !sameIdentity(p, i);
    })
    .map((i) => i.key);
  const inputNoun = previous.grain === 'day' ? 'hour files' : 'raw objects'; // what the tier is built from
  if (added.length) reasons.push(`${added.length} ${inputNoun} added (${listed(added)})`);
  if (removed.length) reasons.push(`${removed.length} ${inputNoun} removed (${listed(removed)})`);
  if (changed.length) reasons.push(`${changed.length} ${inputNoun} changed (${listed(changed)})`);
  return reasons.length === 0
    ? { action: 'skip', reason: 'committed with the same inputs and config' }
    : { action: 'build', reasons };
}

/**
 * Why a committed hour partition is kept whatever else changed (`--force`, the config, its files): the raw objects of
 * its own day it was built from are all gone (raw retention deleted them, or someone did) and none came instead, so
 * it is the only copy of their rows, and a build would start from the next day's late objects alone. Undefined when
 * the day has raw objects of its own, or was built without any.
 */
export function rawGoneReason(previous: Manifest, inputs: readonly ManifestInput[]): string | undefined {
  if (previous.grain !== 'hour' || inputs.some((i) => !i.late)) return undefined;
  const own = previous.inputs.filter((i) => !i.late).length;
  if (own === 0) return undefined;
  return (
    `kept as committed: the ${own} raw objects of its own day it was built from are gone (raw retention, or ` +
    'deleted), so it is the only copy of their rows; no run rebuilds it (not --force, not a changed config)'
  );
}

/** True when two listings of one raw object name the same bytes (size, S3 ETag, local modification time). */
export function sameIdentity(a: ManifestInput, b: ManifestInput): boolean {
  return a.size === b.size && a.etag === b.etag && a.mtimeMs === b.mtimeMs;
}

function listed(keys: readonly string[]): string {
  return keys.length <= 3 ? keys.join(', ') : `${keys.slice(0, 3).join(', ')}, ...`;
}

/**
 * One line per raw object a run would ignore, with its reason, marked `new` when the committed manifest did not list
 * it as ignored (a change among ignored objects does not rebuild the day: they are not read, but they are shown).
 */
export function ignoredLines(ignored: readonly ManifestIgnored[], previous: Manifest | undefined): string[] {
  const before = previous?.ignored === undefined ? undefined : new Set(previous.ignored.map((i) => i.key));
  return ignored.map(
    (i) =>
      `ignored ${JSON.stringify(i.key)}: ${i.reason}${
        before !== undefined && !before.has(i.key) ? ' (new since the commit)' : ''
      }`,
  );
}
