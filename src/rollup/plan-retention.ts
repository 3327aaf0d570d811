/** Retention planning: which whole partitions are past their tier's age. Pure: the clock is passed in. */

/** The tiers retention knows: raw input days and each rollup grain. */
export type RetentionTier = 'raw' | 'hour' | 'day';

/** One partition the store holds. */
export interface RetentionCandidate {
  readonly tier: RetentionTier;
  readonly date: string; // YYYY-MM-DD, UTC
  readonly rolledUp?: boolean; // raw days only: the hour tier of this day is committed
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
  | { readonly kind: 'keep'; readonly tier: RetentionTier; readonly date: string; readonly reason: string };

const dayMs = 86_400_000;

/**
 * Decides for each partition: a partition is deleted once its whole day lies more than its tier's `retentionDays`
 * before `nowMs` (day D with 7 days is deleted from D+8 00:00 UTC on). A raw day is deleted only when its hour tier is
 * committed: raw that was never rolled up is never lost to retention. Decisions come in tier, then date order.
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
      return { kind: 'keep', tier: c.tier, date: c.date, reason: `no retention declared for the ${c.tier} tier` };
    const endMs = Date.parse(`${c.date}T00:00:00Z`) + dayMs;
    if (!Number.isFinite(endMs))
      return { kind: 'keep', tier: c.tier, date: c.date, reason: `'${c.date}' is not a date` };
    const ageDays = Math.floor((nowMs - endMs) / dayMs);
    if (nowMs < endMs + days * dayMs)
      return { kind: 'keep', tier: c.tier, date: c.date, reason: `younger than ${days} days` };
    if (c.tier === 'raw' && c.rolledUp !== true)
      return {
        kind: 'keep',
        tier: c.tier,
        date: c.date,
        reason: 'raw day past its age but never rolled up: kept until its hour tier is committed',
      };
    return { kind: 'delete', tier: c.tier, date: c.date, ageDays, retentionDays: days };
  });
}
