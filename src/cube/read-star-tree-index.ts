import { parseSidecar, type StarTreeSidecar } from './star-tree-sidecar.js';
import { nodeColumnNames, type StarTreeIndex } from './star-tree-index.js';
import { decodeStarTreeIndexV2 } from './star-tree-index-v2.js';
import { decodeStarTreeIndexV3, openStarTreeIndexV3, type IndexByteSource } from './star-tree-index-v3.js';

/**
 * Reads a whole star-tree index file of any format, told apart by the first byte and the version: `{` is a format 1
 * JSON sidecar (as partitions committed before format 2 hold), anything else must be binary, format 2 or 3.
 * `source` names it in errors; `crc32` may be a native CRC-32 (IEEE) to check binary formats with (the pure one when
 * omitted).
 */
export function readStarTreeIndex(
  bytes: Uint8Array,
  source: string,
  crc32?: (bytes: Uint8Array) => number,
): StarTreeIndex {
  if (bytes[0] !== 0x7b)
    return isFormat3(bytes) ? decodeStarTreeIndexV3(bytes, source, crc32) : decodeStarTreeIndexV2(bytes, source, crc32);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new Error(`star-tree index ${source} is not valid JSON (${(e as Error).message})`, { cause: e });
  }
  return indexFromSidecar(parseSidecar(json, source), source);
}

/** Bytes read first by `openStarTreeIndex`: the head, the dictionaries and the first node blocks of most indexes. */
export const indexFirstReadBytes = 32 * 1024;

/**
 * Opens a star-tree index for a query that visits few of its nodes. A format 3 index is read in part: its head and
 * dictionaries now, node blocks when the traversal asks for them (`nodeBlocks`); an index of format 1 or 2 is read
 * whole. `fetched.bytes` counts every byte read from `source`. The first read returns what the file holds (fewer
 * bytes than asked: the file is refused as truncated); later reads may fail if the object changed since.
 */
export async function openStarTreeIndex(
  source: IndexByteSource,
  name: string,
  crc32: (bytes: Uint8Array) => number,
  fetched: { bytes: number },
): Promise<StarTreeIndex> {
  const wanted = Math.min(source.byteLength, indexFirstReadBytes);
  const first = await source.read(0, wanted);
  fetched.bytes += first.length;
  if (first.length < wanted) return readStarTreeIndex(first, name, crc32); // shorter than listed: refused as such
  if (isFormat3(first)) return openStarTreeIndexV3(first, source, name, crc32, fetched);
  if (first.length === source.byteLength) return readStarTreeIndex(first, name, crc32);
  const rest = await source.read(first.length, source.byteLength);
  fetched.bytes += rest.length;
  const whole = new Uint8Array(source.byteLength);
  whole.set(first);
  whole.set(rest, first.length);
  return readStarTreeIndex(whole, name, crc32);
}

/** Whether the first bytes of an index say format 3 (binary, version field 3); the version checks come later. */
function isFormat3(bytes: Uint8Array): boolean {
  return (
    bytes[0] !== 0x7b && bytes.length >= 12 && new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true) === 3
  );
}

/** A format 1 sidecar as an index: its node columns copied into Int32Arrays. */
function indexFromSidecar(s: StarTreeSidecar, source: string): StarTreeIndex {
  const lengths = nodeColumnNames.map((name) => (Array.isArray(s.nodes?.[name]) ? s.nodes[name].length : -1));
  if (lengths.some((n) => n !== lengths[0] || n < 0))
    throw new Error(`star-tree sidecar ${source} has node columns of lengths ${lengths.join(', ')} (-1: missing)`);
  return {
    formatVersion: 1,
    timeGrain: 'hour',
    dayStartMs: s.dayStartMs,
    splitOrder: s.splitOrder,
    skipStar: s.skipStar,
    starAlso: s.starAlso,
    maxLeafRecords: s.maxLeafRecords,
    dictionaries: s.dictionaries,
    records: s.records,
    nodes: Object.fromEntries(
      nodeColumnNames.map((name) => [name, Int32Array.from(s.nodes[name])]),
    ) as unknown as StarTreeIndex['nodes'],
  };
}
