import { readManifestState } from '../partition/committed-manifest.js';
import type { ObjectStore } from '../storage/object-store.js';
import { addDays, manifestKey } from '../storage/partition-path.js';
import { type ShardHistory, shardHistoryOf } from './plan-shards.js';

/**
 * The previous day's build memory per raw byte, from its committed hour manifest; undefined when that day is not
 * committed or its manifest cannot be read (the planner then falls back to its constant: a broken previous day never
 * stops this one).
 */
export async function readShardHistory(
  store: ObjectStore,
  rollupPrefix: string,
  date: string,
): Promise<ShardHistory | undefined> {
  const state = await readManifestState(store, manifestKey(rollupPrefix, 'hour', addDays(date, -1)));
  return state.kind === 'committed' ? shardHistoryOf(state.manifest) : undefined;
}
