import type { JobConfig } from '../../src/config/job-config.js';

/**
 * The job without its cube and day tier: the hour tier's base records alone. For tests of what reaches the base
 * records (raw types, formats, chunks, late rows), whose oracles read nothing else; the star-trees and the day tier
 * built from those records are tested on their own.
 */
export function hourBaseJob(job: JobConfig): JobConfig {
  const { cube: _cube, ...rest } = job;
  return { ...rest, output: { ...rest.output, tiers: rest.output.tiers.filter((t) => t.grain === 'hour') } };
}
