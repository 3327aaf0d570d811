import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** The repository's jobs/ folder (tests run compiled from dist/test/jobs/). */
export const jobsDir = fileURLToPath(new URL('../../../jobs/', import.meta.url));

/** One YAML document of a manifest file. */
export interface Manifest {
  readonly file: string; // path relative to jobs/, e.g. k8s/cronjob.yaml
  readonly doc: Record<string, unknown>; // the parsed document
}

/** Parses every document of every YAML file under jobs/k8s; a YAML error or warning throws with the file and line. */
export async function loadManifests(): Promise<Manifest[]> {
  const files = (await readdir(join(jobsDir, 'k8s'))).filter((f) => /\.ya?ml$/.test(f)).sort();
  const manifests: Manifest[] = [];
  for (const f of files) {
    const file = `k8s/${f}`;
    const text = await readFile(join(jobsDir, file), 'utf8');
    for (const document of parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true })) {
      const problems = [...document.errors, ...document.warnings];
      if (problems.length > 0) throw new Error(`yaml ${file}: ${problems.map((p) => p.message).join('; ')}`);
      const doc: unknown = document.toJS();
      if (doc === null || doc === undefined) continue; // an empty document, e.g. after a trailing '---'
      if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`yaml ${file}: a document is not a mapping`);
      manifests.push({ file, doc: doc as Record<string, unknown> });
    }
  }
  return manifests;
}

/** Every file under jobs/, recursively, as paths relative to jobs/. */
export async function listJobFiles(): Promise<string[]> {
  const entries = await readdir(jobsDir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(jobsDir, join(e.parentPath, e.name)))
    .sort();
}
