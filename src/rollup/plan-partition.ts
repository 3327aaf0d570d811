import type { ObjectStore } from '../storage/object-store.js';
import { readManifestState, type CommittedManifest } from '../partition/committed-manifest.js';
import type { ManifestInput } from '../partition/manifest.js';
import { planRollup, type RollupPlan } from './plan-rollup.js';
import { checkListedSizes } from '../partition/verify-partition.js';

/**
 * Plans a partition against what the store holds: reads its manifest (an unreadable one is rebuilt over), and before
 * deciding to skip checks that every object the manifest lists exists with its size (HEAD), rebuilding otherwise.
 */
export async function planPartition(
  store: ObjectStore,
  inputs: readonly ManifestInput[],
  manifestKey: string,
  configHash: string,
  force: boolean,
): Promise<{ plan: RollupPlan; committed: CommittedManifest }> {
  const committed = await readManifestState(store, manifestKey);
  const plan = planRollup(inputs, committed, configHash, force);
  if (plan.action === 'build' || committed.kind !== 'committed') return { plan, committed };
  const damaged = await checkListedSizes(store, committed.manifest);
  if (damaged.length === 0) return { plan, committed };
  const list = damaged
    .slice(0, 3)
    .map((d) => `${d.key} ${d.problem}`)
    .join('; ');
  return {
    plan: {
      action: 'build',
      reasons: [
        `rebuild: ${damaged.length} committed files missing or of another size ` +
          `(${list}${damaged.length > 3 ? '; ...' : ''})`,
      ],
    },
    committed,
  };
}
