import { configHashesOf } from '../config/load-job-config.js';
import { silentLogger, type Logger } from '../logger.js';
import { collectGarbage } from '../partition/collect-garbage.js';
import { acquireLease, type Lease, runLeaseTtlMs } from '../partition/lease.js';
import type { Manifest, ManifestInput } from '../partition/manifest.js';
import { newRunId } from '../partition/run-id.js';
import { leaseKey, manifestKey } from '../storage/partition-path.js';
import { planPartition } from './plan-partition.js';
import { rawGoneReason } from './plan-rollup.js';
import type { RunRollupOptions } from './rollup-options.js';
import { resultOf, type RollupResult } from './rollup-result.js';

/** What the shared run skeleton needs from one tier: its inputs, and how to build and commit the partition. */
export interface PartitionRun {
  readonly grain: 'hour' | 'day';
  readonly inputs: readonly ManifestInput[]; // what the committed manifest is compared with (raw objects, hour files)
  readonly onSkip?: (committed: Manifest) => Partial<RollupResult>; // fields added to the result of a skipped run
  // reasons to build the committed partition even when its inputs and config are unchanged
  readonly mustBuild?: (committed: Manifest) => readonly string[];
  /** An outcome without building (the hour tier's allowed empty day), checked after the first plan. */
  readonly withoutBuilding?: (ms: number) => RollupResult | undefined;
  /** Builds and commits the partition (manifest last) while this run holds the lease. */
  build(context: BuildContext): Promise<RollupResult>;
  /**
   * The partition's lease, already taken by the caller (the day tier's, taken before the hour tier let its own go, so
   * that no moment shows a stale day tier with no run at work): used instead of taking one; the caller releases it.
   */
  readonly heldLease?: Lease;
  /** Called after a build, while the lease is still held (the hour tier takes the day tier's lease here). */
  readonly beforeRelease?: () => Promise<void>;
}

/** What a tier's build gets from the skeleton. */
export interface BuildContext {
  readonly runId: string;
  readonly lease: Lease;
  readonly now: () => Date;
  readonly logger: Logger;
  readonly started: number; // epoch ms when the run of this partition started
  readonly manifestKey: string;
}

/**
 * The one run skeleton of every tier: skip when the committed partition matches (inputs, config, listed files),
 * else take the partition lease, plan again (another run may have committed meanwhile), build and commit, then
 * collect the garbage of replaced runs under the same lease.
 */
export async function runPartition(options: RunRollupOptions, run: PartitionRun): Promise<RollupResult> {
  const { store, config, date } = options;
  const now = options.now ?? ((): Date => new Date());
  const logger = options.logger ?? silentLogger;
  const started = now().getTime();
  const key = manifestKey(config.output.prefix, run.grain, date);
  let reasons: readonly string[] = [];
  const skipped = async (): Promise<RollupResult | undefined> => {
    const force = options.force ?? false;
    const { plan, committed } = await planPartition(
      store,
      run.inputs,
      key,
      configHashesOf(options.config, options.configHash),
      force,
      run.mustBuild,
    );
    if (plan.action === 'build' || committed.kind !== 'committed') {
      reasons = plan.action === 'build' ? plan.reasons : [];
      return undefined;
    }
    logger.event('partition_skipped', { partition: key, reason: plan.reason, outcome: 'skipped' });
    const kept = rawGoneReason(committed.manifest, run.inputs) ? { keptBecause: plan.reason } : {};
    return {
      ...resultOf('skipped', committed.manifest, key, now().getTime() - started),
      ...kept,
      ...run.onSkip?.(committed.manifest),
    };
  };
  const early = (await skipped()) ?? run.withoutBuilding?.(now().getTime() - started);
  if (early) return early;
  const runId = run.heldLease?.runId ?? options.runId ?? newRunId(now());
  const lKey = leaseKey(config.output.prefix, run.grain, date);
  const lease = run.heldLease ?? (await acquireLease(store, lKey, runId, options.leaseTtlMs ?? runLeaseTtlMs, now));
  try {
    const late = await skipped(); // another run may have committed while we waited
    if (late) return late;
    if (reasons.some((r) => r.startsWith('rebuild: '))) {
      logger.event('partition_repairing', { partition: key, reasons, outcome: 'rebuilding' }); // unreadable or damaged
    }
    const built = await run.build({ runId, lease, now, logger, started, manifestKey: key });
    const result = { ...built, reasons: built.reasons ?? reasons }; // a build that widened says why itself
    const graceMs = options.graceMs ?? 60 * 60_000;
    const garbage = await collectGarbage(store, config.output.prefix, run.grain, date, graceMs, now, lease);
    if (garbage.deleted.length > 0) {
      logger.event('garbage_collected', {
        partition: key,
        deleted: garbage.deleted.length,
        waiting: garbage.waiting.length,
      });
    }
    await run.beforeRelease?.();
    return result;
  } finally {
    if (!run.heldLease) await lease.release();
  }
}
