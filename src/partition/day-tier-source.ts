import { createRequire } from 'node:module';
import type { ManifestInput, ManifestOutput } from './manifest.js';

/** The day tier's inputs: the committed hour partition's base files, each with its sha256 as its etag. */
export function dayTierInputsOf(hourOutputs: readonly ManifestOutput[]): ManifestInput[] {
  return hourOutputs.map((o) => ({ key: o.key, size: o.bytes, etag: o.sha256 }));
}

/**
 * The files a manifest lists, as the sha256 (hex) of one `key tag` line each: its inputs' (tag: etag) and its
 * outputs' (tag: sha256). A day tier is current when its inputs' lines are its hour partition's outputs' lines.
 * A manifest's layout holds them, so that a query compares the two without reading either list.
 */
export interface FileSignatures {
  readonly inputs: string;
  readonly outputs: string;
}

/** The signatures of a manifest's file lists (fields as the manifest schema has them). */
export function fileSignaturesOf(m: {
  readonly inputs: readonly Pick<ManifestInput, 'key' | 'etag'>[];
  readonly outputs: readonly Pick<ManifestOutput, 'key' | 'sha256'>[];
}): FileSignatures {
  return {
    inputs: sha256Hex(m.inputs.map((i) => `${i.key} ${i.etag ?? ''}`).join('\n')),
    outputs: sha256Hex(m.outputs.map((o) => `${o.key} ${o.sha256}`).join('\n')),
  };
}

function sha256Hex(text: string): string {
  // node:crypto loaded here, not with this module (~5 ms): a query reads the digests from the manifests' layouts
  const { createHash } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return createHash('sha256').update(text).digest('hex');
}

/** What `ls` and `inspect` say of a day tier that is not built from the hour files committed now. */
export const staleDayTierNote =
  'stale day tier: hours were rebuilt after it was built; queries merge the hours; run rebuilds it';

/**
 * Whether a day-tier partition was built from exactly the hour files committed now. Not when hours were rebuilt since
 * (an hourly `run --hour`, a late file): the day tier is stale until the day's next plain `run` rebuilds it.
 */
export function isBuiltFromHourFiles(day: FileSignatures, hour: FileSignatures): boolean {
  return day.inputs === hour.outputs;
}
