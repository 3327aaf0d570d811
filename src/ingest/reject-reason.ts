/** Why a raw row was not aggregated; counted per reason in the manifest. */
export const rejectReasons = [
  'null_timestamp',
  'timestamp_outside_day',
  'null_metric',
  'null_value',
  'nan_value',
  'infinite_value',
  'unknown_metric',
  'negative_distribution_value',
] as const;
export type RejectReason = (typeof rejectReasons)[number];

/** Reasons added after the first manifests were written: an older manifest lacks them (read as 0). */
export const laterRejectReasons: ReadonlySet<RejectReason> = new Set(['negative_distribution_value']);
