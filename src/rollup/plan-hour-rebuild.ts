import { builtWithConfig, type ConfigHashes } from '../config/config-hashes.js';
import type { Manifest, ManifestInput } from '../partition/manifest.js';
import { sameIdentity } from './plan-rollup.js';

/**
 * How a run of the hour tier rebuilds a day: every hour from every input, or (incremental) only the hours that new,
 * changed or removed inputs touch, carrying every other hour's segments from the committed manifest. Pure.
 */
export type HourRebuildPlan =
  | {
      readonly kind: 'full';
      readonly reason: string;
      readonly shards?: number; // the committed day's shard count, kept; absent: planned from the listing
    }
  | {
      readonly kind: 'incremental';
      readonly shards: number; // the committed day's shard count
      readonly decode: readonly string[]; // keys of new and changed inputs, decoded first to learn their hours
      readonly oldHours: readonly number[]; // recorded hours of changed and removed inputs (their old identity)
      readonly recorded: ReadonlyMap<string, readonly number[]>; // unchanged input key -> its recorded hours
      readonly added: readonly string[];
      readonly changed: readonly string[];
      readonly removed: readonly string[];
    };

/**
 * Compares the day's inputs with the committed hour manifest. Incremental when the manifest has the same config, has
 * segments and records each input's hours and rows (and each segment's cuboid rows when the job has a cube); a full
 * rebuild otherwise, keeping the committed shard count unless the config changed or `force`.
 */
export function planHourRebuild(
  inputs: readonly ManifestInput[],
  previous: Manifest | undefined,
  config: ConfigHashes,
  options: { readonly force: boolean; readonly cube: boolean },
): HourRebuildPlan {
  if (!previous) return { kind: 'full', reason: 'not committed yet' };
  if (!builtWithConfig(previous.configHash, config)) return { kind: 'full', reason: 'config changed' };
  if (options.force) return { kind: 'full', reason: '--force' };
  const segments = previous.segments;
  if (!segments) return { kind: 'full', reason: 'committed before segments' };
  const kept = { shards: segments.shards };
  if (previous.inputs.some((i) => i.hours === undefined || i.rows === undefined))
    return { kind: 'full', reason: 'committed before per-input hours', ...kept };
  if (options.cube && segments.list.some((s) => s.cube?.cuboidRows === undefined))
    return { kind: 'full', reason: 'committed before per-segment cuboid rows', ...kept };
  const before = new Map(previous.inputs.map((i) => [i.key, i]));
  const now = new Set(inputs.map((i) => i.key));
  const added: string[] = [];
  const changed: string[] = [];
  const oldHours = new Set<number>();
  const recorded = new Map<string, readonly number[]>();
  for (const i of inputs) {
    const p = before.get(i.key);
    if (p === undefined) added.push(i.key);
    else if (!sameIdentity(p, i) || p.late !== i.late) {
      changed.push(i.key);
      for (const h of p.hours ?? []) oldHours.add(h);
    } else recorded.set(i.key, p.hours ?? []);
  }
  const removed = previous.inputs.filter((i) => !now.has(i.key));
  for (const r of removed) for (const h of r.hours ?? []) oldHours.add(h);
  return {
    kind: 'incremental',
    shards: segments.shards,
    decode: [...added, ...changed].sort(byKey),
    oldHours: [...oldHours].sort((a, b) => a - b),
    recorded,
    added,
    changed,
    removed: removed.map((r) => r.key),
  };
}

/**
 * The hours an incremental run rebuilds: the hours of the new and changed inputs (`learned` by decoding them), the
 * recorded hours of changed and removed inputs, and hours whose committed files are missing or damaged.
 */
export function affectedHours(
  plan: Extract<HourRebuildPlan, { kind: 'incremental' }>,
  learned: ReadonlyMap<string, readonly number[]>,
  damaged: readonly number[] = [],
): number[] {
  const hours = new Set<number>([...plan.oldHours, ...damaged]);
  for (const key of plan.decode) for (const h of learned.get(key) ?? []) hours.add(h);
  return [...hours].sort((a, b) => a - b);
}

/**
 * The hours an incremental run is expected to rebuild before it decodes anything (a dry run): the recorded hours of
 * changed and removed inputs, and the folder hours of new and changed ones (decoding may add earlier hours, from
 * late rows), and the hours whose committed files are `damaged` (missing or of another size, as a run finds them).
 * `folderHourOf` gives undefined for an object whose
 * folder says nothing of its hours (a late object: a folder of the next day holds rows of any hour of this one).
 */
export function expectedHours(
  plan: Extract<HourRebuildPlan, { kind: 'incremental' }>,
  folderHourOf: (key: string) => number | undefined,
  damaged: readonly number[] = [],
): number[] {
  return affectedHours(
    plan,
    new Map(plan.decode.map((key) => [key, [folderHourOf(key)].filter((h) => h !== undefined)])),
    damaged,
  );
}

/** The unchanged inputs (keys, in key order) with rows in an affected hour: re-decoded to rebuild those hours. */
export function inputsOfHours(
  plan: Extract<HourRebuildPlan, { kind: 'incremental' }>,
  affected: readonly number[],
): string[] {
  const wanted = new Set(affected);
  return [...plan.recorded]
    .filter(([, hours]) => hours.some((h) => wanted.has(h)))
    .map(([key]) => key)
    .sort(byKey);
}

/**
 * The inputs an incremental run is expected to decode before it decodes anything: the new and changed ones, and the
 * unchanged ones of the hours it expects to rebuild (expectedHours). What sizes its threads (decodeLanes), not what it
 * decodes.
 */
export function likelyDecoded(
  plan: Extract<HourRebuildPlan, { kind: 'incremental' }>,
  folderHourOf: (key: string) => number | undefined,
): Set<string> {
  return new Set([...plan.decode, ...inputsOfHours(plan, expectedHours(plan, folderHourOf))]);
}

function byKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
