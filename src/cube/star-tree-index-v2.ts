import { crc32 } from './crc32.js';
import type { StarTree } from './star-tree.js';
import { nodeColumnNames, type StarTreeIndex } from './star-tree-index.js';
import {
  decodeDictionaries,
  encodeDictionaries,
  headerOf,
  hex,
  indexFixedBytes,
  pad4,
  littleEndian,
  parseHeader,
  readFixedStart,
  writeHead,
} from './star-tree-index-sections.js';

/**
 * The star-tree index, binary format v2 (docs/star-tree-and-queries.md, "Star-tree index formats 2 and 3", byte by
 * byte): partitions committed before format 3 hold it, and the query path still reads it (whole: one CRC-32 covers
 * the file). All integers little-endian; every section starts at a multiple of 4.
 *
 *   0   8  magic 89 53 54 49 0D 0A 1A 0A ("\x89STI\r\n\x1A\n")
 *   8   4  u32 format version (2)
 *   12  4  u32 file bytes, this trailer included
 *   16  4  u32 header bytes H (a multiple of 4)
 *   20  H  header: UTF-8 JSON object, padded with spaces
 *   ..     node columns: level, value, start, end, aggregate, childLevel, firstChild, childCount, star
 *          (i32 x nodes each)
 *   ..     per split dimension: i32 byte offsets (values + 1), u8 null flags (values, padded to 4), UTF-8 text (padded)
 *   -4  4  u32 CRC-32 (IEEE) of every byte before it
 */
/** Encodes a built tree as a v2 binary index (what partitions before format 3 hold; tests write it to read it). */
export function encodeStarTreeIndexV2(tree: StarTree, dayStartMs: number): Uint8Array {
  const dictionaries = encodeDictionaries(tree);
  const n = tree.nodes.length;
  const header = headerOf(tree, dayStartMs, 2, dictionaries.header);
  const headerText = new TextEncoder().encode(JSON.stringify(header));
  const size = indexFixedBytes + pad4(headerText.length) + nodeColumnNames.length * 4 * n + dictionaries.bytes + 4;
  if (size > 0x7fffffff)
    throw new Error(`star-tree index of ${n} nodes would take ${size} bytes, over the 2 GiB limit`);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let pos = writeHead(out, header, headerText);
  const cols = tree.nodes.columns();
  for (const name of nodeColumnNames) pos = writeInt32s(view, pos, cols[name], n);
  pos = dictionaries.write(out, pos);
  view.setUint32(pos, crc32(out.subarray(0, pos)), true);
  return out;
}

/**
 * Writes the first n ints of `column` little-endian from byte `pos`; returns the byte after them. (A function of its
 * own: a loop in the encoder had it compiled on-stack, then deoptimised after the loop, once per segment.)
 */
export function writeInt32s(view: DataView, pos: number, column: Int32Array, n: number): number {
  for (let i = 0; i < n; i++, pos += 4) view.setInt32(pos, column[i]!, true);
  return pos;
}

/**
 * Decodes a v2 binary index; `source` names it in errors. Refuses a truncated or damaged file (size, CRC-32) and a
 * header that does not describe the sections. Node columns are views over `bytes` (copied once when misaligned).
 * `checksum` computes CRC-32 (IEEE); callers outside this pure core may pass a native one (node:zlib's `crc32`).
 */
export function decodeStarTreeIndexV2(
  bytes: Uint8Array,
  source: string,
  checksum: (bytes: Uint8Array) => number = crc32,
): StarTreeIndex {
  const fail = (what: string, cause?: unknown): Error =>
    new Error(`star-tree index ${source} ${what}`, cause === undefined ? undefined : { cause });
  const { version, headerBytes } = readFixedStart(bytes, bytes.length, fail);
  if (version !== 2) throw fail(`has formatVersion ${version}, not 2`);
  if (bytes.byteOffset % 4 !== 0) bytes = bytes.slice();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = bytes.length;
  const stored = view.getUint32(size - 4, true);
  const actual = checksum(bytes.subarray(0, size - 4));
  if (stored !== actual) throw fail(`has CRC-32 ${hex(actual)}, the file stores ${hex(stored)}: damaged`);
  const header = parseHeader(bytes.subarray(indexFixedBytes, indexFixedBytes + headerBytes), 2, fail);
  let pos = indexFixedBytes + headerBytes;
  const int32s = (count: number): Int32Array => {
    if (pos + 4 * count > size - 4) throw fail(`sections overrun the file at byte ${pos}`);
    const at = pos;
    pos += 4 * count;
    if (littleEndian) return new Int32Array(bytes.buffer, bytes.byteOffset + at, count);
    return Int32Array.from({ length: count }, (_, i) => view.getInt32(at + 4 * i, true));
  };
  const nodes = Object.fromEntries(
    nodeColumnNames.map((name) => [name, int32s(header.nodes)]),
  ) as StarTreeIndex['nodes'];
  const { dictionaries, end } = decodeDictionaries(bytes, pos, size - 4, header, fail);
  if (end !== size - 4) throw fail(`sections end at byte ${end}, the checksum is at ${size - 4}`);
  return indexOf(header, 2, dictionaries, nodes);
}

/** The index a decoded header, dictionaries and node columns describe. */
export function indexOf(
  header: ReturnType<typeof parseHeader>,
  formatVersion: 2 | 3,
  dictionaries: readonly (readonly (string | null)[])[],
  nodes: StarTreeIndex['nodes'],
): StarTreeIndex {
  return {
    formatVersion,
    timeGrain: 'hour',
    dayStartMs: header.dayStartMs,
    splitOrder: header.splitOrder,
    skipStar: header.skipStar,
    starAlso: header.starAlso,
    maxLeafRecords: header.maxLeafRecords,
    dictionaries,
    records: header.records,
    nodes,
  };
}
