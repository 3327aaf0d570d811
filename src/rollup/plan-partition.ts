import type { ConfigHashes } from '../config/config-hashes.js';
import type { ObjectStore } from '../storage/object-store.js';
import { readManifestState, type CommittedManifest } from '../partition/committed-manifest.js';
import type { Manifest, ManifestInput } from '../partition/manifest.js';
import { planRollup, rawGoneReason, type RollupPlan } from './plan-rollup.js';
import { checkListedSizes } from '../partition/verify-partition.js';

/**
 * Plans a partition against what the store holds: reads its manifest (an unreadable one is rebuilt over), and before
 * deciding to skip checks that every object the manifest lists exists with its size (HEAD), rebuilding otherwise.
 * `mustBuild` gives reasons to build a committed partition even when its inputs and config are unchanged; they are
 * added to the reasons of any build. A committed hour partition whose own raw objects are all gone is kept, whatever
 * else holds (`rawGoneReason`).
 */
export async function planPartition(
  store: ObjectStore,
  inputs: readonly ManifestInput[],
  manifestKey: string,
  config: ConfigHashes,
  force: boolean,
  mustBuild?: (committed: Manifest) => readonly string[],
): Promise<{ plan: RollupPlan; committed: CommittedManifest }> {
  const committed = await readManifestState(store, manifestKey);
  // kept by planRollup, damaged or not and whatever must build it: there is nothing to rebuild it from
  if (committed.kind === 'committed' && rawGoneReason(committed.manifest, inputs))
    return { plan: planRollup(inputs, committed, config, force), committed };
  const plan = await planInputs(store, inputs, committed, config, force);
  const must = committed.kind === 'committed' ? (mustBuild?.(committed.manifest) ?? []) : [];
  if (must.length === 0) return { plan, committed };
  return { plan: { action: 'build', reasons: [...(plan.action === 'build' ? plan.reasons : []), ...must] }, committed };
}

/** The plan from the inputs, the config and the committed files (HEADed before a skip). */
async function planInputs(
  store: ObjectStore,
  inputs: readonly ManifestInput[],
  committed: CommittedManifest,
  config: ConfigHashes,
  force: boolean,
): Promise<RollupPlan> {
  const plan = planRollup(inputs, committed, config, force);
  if (plan.action === 'build' || committed.kind !== 'committed') return plan;
  const damaged = await checkListedSizes(store, committed.manifest);
  if (damaged.length === 0) return plan;
  const list = damaged
    .slice(0, 3)
    .map((d) => `${d.key} ${d.problem}`)
    .join('; ');
  return {
    action: 'build',
    reasons: [
      `rebuild: ${damaged.length} committed files missing or of another size ` +
        `(${list}${damaged.length > 3 ? '; ...' : ''})`,
    ],
  };
}
