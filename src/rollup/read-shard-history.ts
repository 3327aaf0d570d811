import { readManifestState } from '../partition/committed-manifest.js';
import type { ManifestInput } from '../partition/manifest.js';
import type { ObjectStore } from '../storage/object-store.js';
import { manifestKey, previousDate } from '../storage/partition-path.js';
import { planShards, type ShardHistory, shardHistoryOf } from './plan-shards.js';

/**
 * The previous day's build memory per raw byte, from its committed hour manifest; undefined when that day is not
 * committed or its manifest cannot be read (the planner then falls back to its constant: a broken previous day never
 * stops this one).
 */
async function readShardHistory(
  store: ObjectStore,
  rollupPrefix: string,
  date: string,
): Promise<ShardHistory | undefined> {
  const before = previousDate(date);
  if (before === undefined) return undefined;
  const state = await readManifestState(store, manifestKey(rollupPrefix, 'hour', before));
  return state.kind === 'committed' ? shardHistoryOf(state.manifest) : undefined;
}

/**
 * The day's shard count: the job's declared `segments.shards`, or (auto) planned from the listing, the budget and the
 * previous day's manifest, which is read only then.
 */
export async function planShardsWithHistory(
  store: ObjectStore,
  config: { readonly output: { readonly prefix: string; readonly segments: { readonly shards: 'auto' | number } } },
  date: string,
  memoryBytes: number,
  inputs: readonly ManifestInput[],
): Promise<number> {
  const declared = config.output.segments.shards;
  const history = declared === 'auto' ? await readShardHistory(store, config.output.prefix, date) : undefined;
  return planShards(declared, memoryBytes, inputs, history);
}
