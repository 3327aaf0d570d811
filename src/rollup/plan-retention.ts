/** Retention planning: which whole partitions are past their tier's age. Pure: the clock is passed in. */
import type { JobConfig } from '../config/job-config.js';
import { isPartitionDate } from '../storage/partition-path.js';

/** The tiers retention knows: raw input days and each rollup grain. */
export type RetentionTier = 'raw' | 'hour' | 'day';

/** One partition the store holds. */
export interface RetentionCandidate {
  readonly tier: RetentionTier;
  readonly date: string; // YYYY-MM-DD, UTC
  readonly rolledUp?: boolean; // raw days only: the hour tier of this day is committed
  // committed hour partitions only, when the job declares a day tier: the day tier of this date is not built from the
  // hour files committed now ('stale': hours were rebuilt after it, by `run --hour` or late files; 'missing': none
  // is committed), so the hour partition holds rows the day tier does not
  readonly dayTier?: 'stale' | 'missing';
  // raw days only: objects of the day its committed hour tier has not read as they are now (added or changed since,
  // or in hour folders that hourly runs have not listed yet)
  readonly notRolledUp?: readonly string[];
  // raw days only: its committed hour tier is a partial day (built by `run --hour` runs only, manifest `hourFolders`):
  // the day's plain run, which reads every folder and the next day's late ones, has not run
  readonly partialDay?: boolean;
  // raw days only: late objects (of its first lateArrivalHours folders, or of the next day's) that the committed run
  // of `date`, the day whose late rows they hold, has not read as they are now
  // (rawGone: `date` has no raw object of its own left, so no run can read them)
  readonly lateNotRead?: readonly {
    readonly date: string;
    readonly keys: readonly string[];
    readonly rawGone?: boolean;
  }[];
}

/** Days to keep per tier; a tier without a value is kept forever. */
export type RetentionPolicy = Readonly<Partial<Record<RetentionTier, number>>>;

/** What retention does with one partition. */
export type RetentionDecision =
  | {
      readonly kind: 'delete';
      readonly tier: RetentionTier;
      readonly date: string;
      readonly ageDays: number;
      readonly retentionDays: number;
    }
  | {
      readonly kind: 'keep';
      readonly tier: RetentionTier;
      readonly date: string;
      readonly because: KeepCause;
      readonly reason: string;
    };

/**
 * Why a partition is kept: no retention for its tier, not old enough, a folder name that is no date, raw that no
 * committed run has (all) read, or an hour partition whose rows the day tier does not hold yet.
 */
export type KeepCause = 'no-retention' | 'younger' | 'not-a-date' | 'not-rolled-up' | 'day-tier-behind';

const dayMs = 86_400_000;

/** The retention policy a job declares: `retentionDays` of each output tier and of raw. */
export function retentionPolicyOf(config: JobConfig): RetentionPolicy {
  const policy: Partial<Record<RetentionTier, number>> = {};
  if (config.raw.retentionDays !== undefined) policy.raw = config.raw.retentionDays;
  for (const t of config.output.tiers) if (t.retentionDays !== undefined) policy[t.grain] = t.retentionDays;
  return policy;
}

/**
 * Whether a partition of day `date` is past its tier's `retentionDays` at `nowMs`: its whole day lies more than that
 * many days before (7 days: from D+8 00:00 UTC on). Never without a retention, nor for a folder name that is no date.
 */
export function isPastRetention(date: string, retentionDays: number | undefined, nowMs: number): boolean {
  const endMs = Date.parse(`${date}T00:00:00Z`) + dayMs;
  return retentionDays !== undefined && Number.isFinite(endMs) && nowMs >= endMs + retentionDays * dayMs;
}

/**
 * Decides for each partition: a partition is deleted once its whole day lies more than its tier's `retentionDays`
 * before `nowMs` (day D with 7 days is deleted from D+8 00:00 UTC on). A raw day is deleted only when its hour tier is
 * committed and has read every object of the day as it is now, and its late objects were read by the days they hold
 * rows of: raw that was not rolled up is never lost to retention. Likewise an hour partition is deleted only when
 * the day tier the job declares is built from it as it is now (or is past its own age). Decisions come in tier, then
 * date order.
 */
export function planRetention(
  candidates: readonly RetentionCandidate[],
  policy: RetentionPolicy,
  nowMs: number,
): RetentionDecision[] {
  const order: readonly RetentionTier[] = ['raw', 'hour', 'day'];
  const sorted = [...candidates].sort(
    (a, b) => order.indexOf(a.tier) - order.indexOf(b.tier) || (a.date < b.date ? -1 : a.date > b.date ? 1 : 0),
  );
  return sorted.map((c): RetentionDecision => {
    const days = policy[c.tier];
    if (days === undefined)
      return {
        kind: 'keep',
        tier: c.tier,
        date: c.date,
        because: 'no-retention',
        reason: `no retention declared for the ${c.tier} tier`,
      };
    const endMs = Date.parse(`${c.date}T00:00:00Z`) + dayMs;
    // Date.parse reads 2026-02-30 as March 2nd: a folder that is no partition day is kept, never aged
    if (!isPartitionDate(c.date))
      return {
        kind: 'keep',
        tier: c.tier,
        date: c.date,
        because: 'not-a-date',
        reason: `folder dt=${c.date} is no partition day: no run reads it, retention leaves it (delete it by hand)`,
      };
    const ageDays = Math.floor((nowMs - endMs) / dayMs);
    if (!isPastRetention(c.date, days, nowMs))
      return { kind: 'keep', tier: c.tier, date: c.date, because: 'younger', reason: `younger than ${days} days` };
    const dayTierKept = !isPastRetention(c.date, policy.day, nowMs);
    if (c.tier === 'hour' && c.dayTier !== undefined && dayTierKept)
      return {
        kind: 'keep',
        tier: c.tier,
        date: c.date,
        because: 'day-tier-behind',
        reason:
          c.dayTier === 'stale'
            ? 'hour partition past its age, but the day tier was built before hours of the day were rebuilt (run ' +
              '--hour, or late files): deleting it would lose those rows from every answer; kept until ' +
              `\`run --date ${c.date}\` rebuilds the day tier`
            : 'hour partition past its age, but the day tier the job declares was never built from it: deleting ' +
              `it would lose the day; kept until \`run --date ${c.date}\` builds the day tier`,
      };
    if (c.tier === 'raw' && c.rolledUp !== true) {
      const hourDays = policy.hour;
      // the hour tier's own retention removed what shows the day was rolled up: the raw cannot be proven read
      const expired = hourDays !== undefined && hourDays < days && nowMs >= endMs + hourDays * dayMs;
      return {
        kind: 'keep',
        tier: c.tier,
        date: c.date,
        because: 'not-rolled-up',
        reason: expired
          ? `raw day past its age, but its hour partition is gone (the hour tier's retention, ${hourDays} days, is ` +
            `shorter than raw's, ${days}): nothing shows every object was rolled up, so it is kept; keep raw at most ` +
            `${hourDays} days`
          : 'raw day past its age but never rolled up: kept until its hour tier is committed',
      };
    }
    const pending = c.tier === 'raw' ? (c.notRolledUp ?? []) : [];
    const late = c.tier === 'raw' ? (c.lateNotRead ?? []) : [];
    const partial = c.tier === 'raw' && c.partialDay === true;
    if (pending.length > 0 || late.length > 0 || partial) {
      const named = (keys: readonly string[]): string =>
        `${keys.slice(0, 3).join(', ')}${keys.length > 3 ? ', ...' : ''}`;
      const why = [
        ...(partial
          ? [
              'its hour tier is a partial day, built by `run --hour` runs only: kept until its plain run ' +
                `(\`run --date ${c.date}\`) reads every folder and the next day's late ones, and builds its day tier`,
            ]
          : []),
        ...(pending.length > 0
          ? [
              `${pending.length} of its objects are not rolled up as they are now (${named(pending)}): kept until ` +
                `\`run --date ${c.date}\` reads them`,
            ]
          : []),
        ...late.map((l) =>
          l.rawGone
            ? `${l.keys.length} late objects hold rows of ${l.date} that no run can read, as ${l.date}'s own raw ` +
              `objects are gone (${named(l.keys)}): kept until ${l.date}'s raw objects are restored and ` +
              `\`run --date ${l.date}\` reads them, or these objects are deleted`
            : `${l.keys.length} late objects are not read by the run of ${l.date} as they are now (${named(l.keys)}): ` +
              `kept until \`run --date ${l.date}\` reads them`,
        ),
      ];
      return {
        kind: 'keep',
        tier: c.tier,
        date: c.date,
        because: 'not-rolled-up',
        reason: `raw day past its age, but ${why.join('; and ')}`,
      };
    }
    return { kind: 'delete', tier: c.tier, date: c.date, ageDays, retentionDays: days };
  });
}
