import { createHash } from 'node:crypto';
import { aggregateState } from './series-aggregate.js';
import type { FilePartial } from './aggregate-raw-file.js';
import type { RawFileSpec } from './raw-file-spec.js';
import type { ObjectInfo } from '../storage/object-store.js';
import { sampleMeasureNames, type SampleMeasures } from '../measures/measure-state.js';
import { toolVersion } from '../version.js';

const magic = 'telemetry-rollup/file-partial/2'; // v2: a first line `<magic> <tool version> <sha256 of the rest>`
const arrays = [...sampleMeasureNames, 'keys'] as const; // doubles first: aligned offsets

/**
 * Bytes of a file's partial aggregate, so that a shard (one process of several, each taking some hours of a day) can
 * hand its work to the process that merges and commits: a JSON header line, then the typed arrays back to back. A
 * file decoded in chunks is cached as one object per chunk, the first of which records how many there are (`chunks`).
 */
export function encodeFilePartial(p: FilePartial, chunks?: number): Uint8Array {
  const { state, counterSamples: c, ...rest } = p;
  const header = new TextEncoder().encode(
    JSON.stringify({
      magic,
      ...rest,
      groups: state.groups,
      width: state.width,
      samples: c.group.length,
      ...(chunks !== undefined ? { chunks } : {}),
    }) + '\n',
  );
  const parts = [c.time, c.value, ...arrays.map((name) => state[name]), c.group].map(
    (a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength),
  );
  const body = new Uint8Array(header.length + parts.reduce((n, a) => n + a.length, 0));
  body.set(header, 0);
  let at = header.length;
  for (const a of parts) {
    body.set(a, at);
    at += a.length;
  }
  const seal = new TextEncoder().encode(
    `${magic} ${toolVersion.version} ${createHash('sha256').update(body).digest('hex')}\n`,
  );
  const out = new Uint8Array(seal.length + body.length);
  out.set(seal, 0);
  out.set(body, seal.length);
  return out;
}

/** A shard partial that must not be merged: damaged (checksum, layout) or written by another version of the tool. */
export class PartialRejectedError extends Error {
  override readonly name = 'PartialRejectedError';
}

/**
 * The payload of a sealed partial after checking its magic, tool version and sha256; throws PartialRejectedError
 * otherwise.
 */
function unseal(bytes: Uint8Array, source: string): Uint8Array {
  const newline = bytes.indexOf(10);
  const first = newline < 0 || newline > 200 ? '' : new TextDecoder().decode(bytes.subarray(0, newline));
  const [m, version, sha256] = first.split(' ');
  if (m !== magic || version === undefined || sha256 === undefined)
    throw new PartialRejectedError(
      `shard partial ${source} is not a ${magic} file (first line ${JSON.stringify(first.slice(0, 80))})`,
    );
  if (version !== toolVersion.version)
    throw new PartialRejectedError(
      `shard partial ${source} was written by version ${version}, this is ${toolVersion.version}`,
    );
  const body = bytes.subarray(newline + 1);
  const actual = createHash('sha256').update(body).digest('hex');
  if (actual !== sha256)
    throw new PartialRejectedError(
      `shard partial ${source} is damaged: sha256 of its ${body.length} payload bytes is ${actual}, its header ` +
        `says ${sha256}`,
    );
  return body;
}

/** The partial aggregate encoded by `encodeFilePartial`; `source` names the bytes in errors. */
export function decodeFilePartial(sealed: Uint8Array, source: string): FilePartial {
  return decodeCachedPartial(sealed, source).partial;
}

/** The partial aggregate encoded by `encodeFilePartial`, and the chunks of its file that the first one records (else 1). */
export function decodeCachedPartial(sealed: Uint8Array, source: string): { partial: FilePartial; chunks: number } {
  const bytes = unseal(sealed, source);
  const newline = bytes.indexOf(10);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(0, newline))) as Omit<
    FilePartial,
    'state' | 'counterSamples'
  > & { magic: string; groups: number; width: number; samples: number; chunks?: number };
  if (header.magic !== magic) throw new PartialRejectedError(`shard partial ${source} is not a ${magic} file`);
  const { magic: _m, groups, width, samples, chunks = 1, ...rest } = header;
  // an aligned copy of its own (typed arrays need aligned offsets; a Buffer's slice would be a view into its pool)
  const copy = new Uint8Array(bytes.subarray(newline + 1));
  let at = 0;
  const take = <T>(make: (buf: ArrayBuffer, offset: number, length: number) => T, length: number, size: number): T => {
    const v = make(copy.buffer, at, length);
    at += length * size;
    return v;
  };
  const f64 = (n: number): Float64Array => take((b, o, k) => new Float64Array(b, o, k), n, 8);
  const sampleTime = f64(samples);
  const sampleValue = f64(samples);
  const doubles = Object.fromEntries(arrays.slice(0, -1).map((name) => [name, f64(groups)]));
  const state = aggregateState(
    groups,
    width,
    take((b, o, n) => new Int32Array(b, o, n), groups * width, 4),
    doubles as unknown as SampleMeasures,
  );
  const counterSamples = {
    time: sampleTime,
    value: sampleValue,
    group: take((b, o, n) => new Int32Array(b, o, n), samples, 4),
  };
  if (at !== copy.length)
    throw new PartialRejectedError(`shard partial ${source} holds ${copy.length} bytes of arrays, expected ${at}`);
  if (!(Number.isSafeInteger(chunks) && chunks >= 1))
    throw new PartialRejectedError(`shard partial ${source} records ${JSON.stringify(chunks)} chunks`);
  return { partial: { ...rest, state, counterSamples }, chunks };
}

/**
 * Where a shard leaves the partial of one input: named by the input's identity, everything that shapes the aggregate,
 * and the tool version (`_shards/<id>.v<version>.partial`), so a partial of another version is never looked up.
 */
export function partialKey(
  partitionPrefix: string,
  input: ObjectInfo,
  spec: RawFileSpec,
  configHash: string,
  version: string = toolVersion.version,
): string {
  const id = createHash('sha256')
    .update(
      JSON.stringify([input.key, input.size, input.etag ?? null, input.mtimeMs ?? null, spec, configHash, version]),
    )
    .digest('hex');
  return `${partitionPrefix}_shards/${id.slice(0, 32)}${partialSuffix(version)}`;
}

/** Where chunk `chunk` (1, 2, ...) of a file decoded in chunks is left, beside its first chunk's `partialKey`. */
export function chunkKey(firstKey: string, chunk: number, version: string = toolVersion.version): string {
  return `${firstKey.slice(0, -partialSuffix(version).length)}.c${chunk}${partialSuffix(version)}`;
}

/** How the key of every partial written by `version` ends: `.v<version>.partial`. */
export function partialSuffix(version: string = toolVersion.version): string {
  return `.v${version.replace(/[^0-9A-Za-z.-]/g, '_')}.partial`;
}
