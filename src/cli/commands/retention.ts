import { loadJobConfig } from '../../config/load-job-config.js';
import { applyRetention, listRetentionCandidates, type RetentionAction } from '../../rollup/apply-retention.js';
import type { Logger } from '../../logger.js';
import { planRetention, retentionPolicyOf } from '../../rollup/plan-retention.js';
import { openStore } from '../../storage/open-store.js';
import { unusableLeasesError } from '../../partition/lease.js';

/** Options of `telemetry-rollup retention`. */
export interface RetentionOptions {
  readonly store: string;
  readonly config?: string;
  readonly apply: boolean; // false: dry run, nothing deleted
  readonly format: 'table' | 'json';
}

/**
 * `retention`: deletes whole partitions past their tier's `retentionDays` (dry run unless `apply`); `now` is the clock.
 */
export async function retentionCommand(
  o: RetentionOptions,
  logger: Logger,
  now: () => Date,
): Promise<RetentionAction[]> {
  const config = await loadJobConfig(o.config);
  const store = openStore(o.store);
  const policy = retentionPolicyOf(config);
  const decisions = planRetention(await listRetentionCandidates(store, config, policy), policy, now().getTime());
  const actions = await applyRetention(store, config, decisions, o.apply, logger, () => new Date());
  const kept = decisions.filter((d) => d.kind === 'keep').length;
  const declared = (['raw', 'hour', 'day'] as const)
    .map((t) => `${t} ${policy[t] === undefined ? 'kept forever' : `${policy[t]} days`}`)
    .join(', ');
  logger.event('retention_done', {
    apply: o.apply,
    deleted: actions.filter((a) => a.outcome === 'deleted').length,
    planned: actions.filter((a) => a.outcome === 'would-delete').length,
    skipped: actions.filter((a) => a.outcome === 'skipped').length,
    kept,
  });
  if (o.format === 'json') {
    process.stdout.write(
      JSON.stringify(
        {
          apply: o.apply,
          policy,
          actions,
          kept: decisions.flatMap((d) => (d.kind === 'keep' ? [{ tier: d.tier, date: d.date, reason: d.reason }] : [])),
        },
        null,
        2,
      ) + '\n',
    );
    haltOnUnusableLeases(actions);
    return actions;
  }
  const lines = [`retention (${declared})${o.apply ? '' : ': dry run, nothing deleted (--apply deletes)'}`];
  for (const a of actions)
    lines.push(
      `  ${a.outcome.padEnd(12)} ${a.tier.padEnd(4)} ${a.date}  ${a.objects} objects, ` +
        `${a.bytes} bytes  ${a.prefix}${a.skippedBecause !== undefined ? `  (${a.skippedBecause})` : ''}`,
    );
  for (const d of decisions)
    if (
      d.kind === 'keep' &&
      (d.because === 'not-rolled-up' || d.because === 'day-tier-behind' || d.because === 'not-a-date')
    )
      lines.push(`  kept         ${d.tier.padEnd(4)} ${d.date}  ${d.reason.replace(/^(raw day|hour partition) /, '')}`);
  lines.push(
    `${actions.filter((a) => a.outcome !== 'skipped').length} ` +
      `partitions ${o.apply ? 'deleted' : 'to delete'}, ${actions.filter((a) => a.outcome === 'skipped').length} ` +
      `skipped, ${kept} kept`,
  );
  process.stdout.write(lines.join('\n') + '\n');
  haltOnUnusableLeases(actions);
  return actions;
}

/** After the summary: a partition skipped on a lease no run can take needs a human (exit 1), naming each prefix. */
function haltOnUnusableLeases(actions: readonly RetentionAction[]): void {
  const unusable = actions.filter((a) => a.leaseUnusable);
  if (unusable.length > 0)
    throw unusableLeasesError(
      'retention',
      unusable.map((a) => `${a.prefix}_lease.json`),
    );
}
