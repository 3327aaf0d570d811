/** Why a raw row was not aggregated; counted per reason in the manifest. */
export const rejectReasons = [
  'null_timestamp',
  'timestamp_outside_day',
  'null_metric',
  'null_value',
  'nan_value',
  'infinite_value',
  'unknown_metric',
] as const;
export type RejectReason = (typeof rejectReasons)[number];
