import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { packageFile } from '../package-file.js';
import type { ConfigHashes } from './config-hashes.js';
import { duplicateKeysOf } from './duplicate-keys.js';
import { queryOnlySections, validateJobConfig, type JobConfig } from './job-config.js';

/** The job definition used when no --config is given. */
export const defaultJobConfigPath = fileURLToPath(packageFile('jobs/default-job.json'));

/** Raised for a job definition that cannot be used; always a halt (a human must fix it). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Validates a parsed job definition, naming `source` and the field path of every problem. */
export function parseJobConfig(raw: unknown, source: string): JobConfig {
  const result = validateJobConfig(raw);
  if (!result.ok) throw new ConfigError(`config ${source} is invalid: ${result.problems.join('; ')}`);
  return result.config;
}

let lastParsed: { json: string; config: JobConfig } | undefined;

/**
 * The job a build thread is handed as JSON, validated once per thread for as long as the same JSON comes (every task
 * of a run carries it).
 */
export function jobConfigOfJson(json: string): JobConfig {
  if (lastParsed?.json !== json) lastParsed = { json, config: parseJobConfig(JSON.parse(json), 'job') };
  return lastParsed.config;
}

/** Reads and validates a job definition file (JSON). */
export async function loadJobConfig(path: string = defaultJobConfigPath): Promise<JobConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`config ${path} cannot be read: ${(cause as Error).message}`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`config ${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  const repeated = duplicateKeysOf(text);
  if (repeated.length > 0)
    throw new ConfigError(
      `config ${path} is invalid: ${repeated.map((r) => `${r.path}: key '${r.key}' appears twice`).join('; ')} ` +
        '(JSON keeps only the last; remove or rename the others)',
    );
  return parseJobConfig(json, path);
}

/**
 * A stable hash of what in the validated config shapes the data: key order does not matter, values do. Left out: the
 * sections that only steer queries (`queryOnlySections`), retention (`withoutRetention`), the job's `name` and the
 * metrics' `unit` and `description` (text for readers, `withoutCatalogText`), and `output.limits` (the memory budget,
 * and the cardinality limits, which halt a run or let it commit, never change what it commits).
 */
export function hashJobConfig(config: JobConfig): string {
  const { name: _name, ...data } = withoutRetention(config);
  const { limits: _limits, ...output } = data.output as JobConfig['output'];
  return sha256Of({ ...data, output, metrics: withoutCatalogText(config.metrics) });
}

/**
 * The hashes of `config` (`current` as given, by default `hashJobConfig`'s); `earlier`: the hash versions before
 * 2026-11-28 wrote, which covered the job's name, the metrics' `unit` and `description` and the cardinality limits.
 */
export function configHashesOf(config: JobConfig, current: string = hashJobConfig(config)): ConfigHashes {
  const data = withoutRetention(config);
  const { valueBytes: _new, ...limits } = (data.output as JobConfig['output']).limits; // a limit they did not have
  return { current, earlier: [sha256Of({ ...data, output: { ...(data.output as object), limits } })] };
}

function sha256Of(dataConfig: Record<string, unknown>): string {
  const data: Record<string, unknown> = { ...dataConfig };
  for (const section of queryOnlySections) delete data[section];
  // node:crypto loaded here, not with this module: the commands that only read (queries) never hash the config
  const { createHash } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return 'sha256:' + createHash('sha256').update(canonicalJson(data)).digest('hex');
}

/** The metric catalog less each metric's `unit` and `description`. */
function withoutCatalogText(metrics: JobConfig['metrics']): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const [name, { unit: _unit, description: _description, ...shape }] of Object.entries(metrics)) out[name] = shape;
  return out;
}

/**
 * The config less its `retentionDays` settings and memory budget: how long partitions are kept, and how much memory
 * built them, does not change what they hold.
 */
function withoutRetention(config: JobConfig): Record<string, unknown> {
  const { memoryBytes: _budget, ...limits } = config.output.limits;
  return {
    ...config,
    raw: { ...config.raw, retentionDays: undefined },
    output: { ...config.output, tiers: config.output.tiers.map((t) => ({ ...t, retentionDays: undefined })), limits },
  };
}

/** JSON with object keys sorted at every level, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return '[' + value.map(canonicalJson).join(',') + ']';
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return '{' + entries.map(([k, v]) => JSON.stringify(k) + ':' + canonicalJson(v)).join(',') + '}';
  }
  return JSON.stringify(value);
}
