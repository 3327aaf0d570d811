import { createHash } from 'node:crypto';
import { builtWithConfig, type ConfigHashes } from '../config/config-hashes.js';
import type { ObjectStore } from '../storage/object-store.js';
import { NotFoundError } from '../storage/storage-error.js';
import { fileSignaturesOf, isBuiltFromHourFiles } from './day-tier-source.js';
import type { CommittedManifest } from './committed-manifest.js';
import { listedFiles, type ListedFile, type Manifest } from './manifest.js';
import { readAhead, wholeFiles } from '../storage/read-ahead.js';

/** One way a committed partition differs from what its manifest promises. */
export interface PartitionMismatch {
  readonly key: string; // the object (or manifest) concerned
  readonly problem: string;
  readonly cause?: 'config'; // built with another config than the current one: its files are as committed
}

/** Objects the manifest lists that are missing or whose size differs (one HEAD each): the cheap check before a skip. */
export async function checkListedSizes(store: ObjectStore, manifest: Manifest): Promise<PartitionMismatch[]> {
  const found = await Promise.all(listedFiles(manifest).map(async (f) => ({ f, info: await store.head(f.key) })));
  return found.flatMap(({ f, info }) =>
    !info
      ? [{ key: f.key, problem: 'missing' }]
      : info.size !== f.bytes
        ? [{ key: f.key, problem: `has ${info.size} bytes, the manifest lists ${f.bytes}` }]
        : [],
  );
}

/**
 * Everything that makes a committed partition untrustworthy: an absent or unreadable manifest, a config hash other
 * than the current config's, and listed objects that are missing, of another size, or whose sha256 differs. When
 * `hour` is given (a day-tier partition), its inputs must be exactly the files of that committed hour partition, and
 * its rows those the hour partition's records hold.
 */
export async function verifyPartition(
  store: ObjectStore,
  committed: CommittedManifest,
  config: ConfigHashes,
  hour?: Pick<Manifest, 'outputs' | 'rows'>,
): Promise<PartitionMismatch[]> {
  if (committed.kind === 'absent') return [{ key: committed.key, problem: 'not committed (no manifest)' }];
  if (committed.kind === 'unreadable')
    return [{ key: committed.key, problem: `manifest unreadable: ${committed.problem}` }];
  const m = committed.manifest;
  const out: PartitionMismatch[] = [];
  if (!builtWithConfig(m.configHash, config))
    out.push({
      key: committed.key,
      problem: `configHash ${m.configHash} differs from the current config's ${config.current} (run rebuilds it)`,
      cause: 'config',
    });
  if (hour) {
    if (!isBuiltFromHourFiles(fileSignaturesOf(m), fileSignaturesOf({ inputs: [], outputs: hour.outputs })))
      out.push({
        key: committed.key,
        problem: 'built from hour files that are not the committed hour partition (stale day tier; run rebuilds it)',
      });
    // the day tier reads the hour records (data-contract: rows): as many as the hour partition wrote, same samples
    else if (m.rows.in !== hour.rows.out || m.rows.accepted !== hour.rows.accepted)
      out.push({
        key: committed.key,
        problem:
          `rows.in ${m.rows.in} and rows.accepted ${m.rows.accepted} are not the hour partition's rows.out ` +
          `${hour.rows.out} and rows.accepted ${hour.rows.accepted}`,
      });
  }
  out.push(...countMismatches(m, committed.key));
  const fetch = async (f: ListedFile) => ({
    f,
    bytes: await store.get(f.key).catch((e: unknown) => {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }),
  });
  for await (const { f, bytes } of readAhead(listedFiles(m), store.overlappedReads ?? 1, fetch, wholeFiles)) {
    if (bytes === undefined) {
      out.push({ key: f.key, problem: 'missing' });
      continue;
    }
    if (bytes.length !== f.bytes)
      out.push({ key: f.key, problem: `has ${bytes.length} bytes, the manifest lists ${f.bytes}` });
    else {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      if (sha256 !== f.sha256)
        out.push({ key: f.key, problem: `sha256 ${sha256} differs from the manifest's ${f.sha256}` });
    }
  }
  return out;
}

/**
 * The manifest's own counts that do not add up (an edit that kept every file as it was): raw rows in and late against
 * rows accepted, rejected and routed; the own inputs' rows against rows in (where every input records its rows); the
 * base files' rows against rows out.
 */
function countMismatches(m: Manifest, key: string): PartitionMismatch[] {
  const out: PartitionMismatch[] = [];
  const r = m.rows;
  const rejected = Object.values(r.rejected).reduce((a, b) => a + b, 0);
  if (m.grain === 'hour' && r.in + r.late !== r.accepted + rejected + r.routed)
    out.push({
      key,
      problem:
        `rows do not add up: in ${r.in} + late ${r.late} is not accepted ${r.accepted} + rejected ${rejected} + ` +
        `routed ${r.routed}`,
    });
  if (m.grain === 'hour' && m.inputs.length > 0 && m.inputs.every((i) => i.rows !== undefined)) {
    const read = m.inputs.filter((i) => !i.late).reduce((a, i) => a + i.rows!.read, 0);
    if (read !== r.in) out.push({ key, problem: `rows.in ${r.in} is not the ${read} rows its own inputs record` });
  }
  if (m.grain === 'day' && r.late + r.routed + rejected !== 0)
    out.push({
      key,
      problem: `a day tier reads no raw row, yet rows.late ${r.late}, routed ${r.routed}, rejected ${rejected}`,
    });
  const segments = m.segments?.list;
  const segmentsAccepted = segments?.reduce((a, s) => a + s.accepted, 0);
  if (segmentsAccepted !== undefined && segmentsAccepted !== r.accepted)
    out.push({ key, problem: `rows.accepted ${r.accepted} is not the ${segmentsAccepted} its segments record` });
  const baseRows = m.outputs.filter((o) => isBaseFile(o.key)).reduce((a, o) => a + o.rows, 0);
  if (baseRows !== r.out) out.push({ key, problem: `rows.out ${r.out} is not the ${baseRows} rows of its base files` });
  return out;
}

/** A base records file (`part-...`) among a partition's outputs. */
function isBaseFile(key: string): boolean {
  return key.slice(key.lastIndexOf('/') + 1).startsWith('part-');
}
