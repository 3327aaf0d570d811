import { crc32 } from './crc32.js';
import type { StarTree } from './star-tree.js';
import { nodeColumnNames, type NodeBlocks, type StarTreeIndex } from './star-tree-index.js';
import { indexOf, writeInt32s } from './star-tree-index-v2.js';
import {
  decodeDictionaries,
  dictionaryBytes,
  encodeDictionaries,
  headerOf,
  hex,
  indexFixedBytes,
  littleEndian,
  pad4,
  parseHeader,
  readFixedStart,
  writeHead,
  type IndexFailure,
  type IndexHeader,
} from './star-tree-index-sections.js';

/**
 * The star-tree index, binary format 3 (docs/star-tree-and-queries.md, "Star-tree index formats 2 and 3", byte by
 * byte): format 2's header and dictionaries, then the nodes in blocks, each with a CRC-32 of its own, so a query reads
 * the head, the dictionaries and only the node blocks its traversal visits. All integers little-endian.
 *
 *   0   8  magic 89 53 54 49 0D 0A 1A 0A ("\x89STI\r\n\x1A\n")
 *   8   4  u32 format version (3)
 *   12  4  u32 file bytes, this trailer included
 *   16  4  u32 header bytes H (a multiple of 4)
 *   20  H  header: UTF-8 JSON object, padded with spaces (format 2's fields and nodeBlock B)
 *   ..  4  u32 CRC-32 of bytes [0, 20 + H)
 *   ..     per split dimension: i32 byte offsets (values + 1), u8 null flags (values, padded to 4), UTF-8 text (padded)
 *   ..  4  u32 CRC-32 of the dictionaries
 *   ..     node blocks: block k holds nodes [kB, min(N, kB + B)): the nine node columns of its b nodes (i32 x b
 *          each: level, value, start, end, aggregate, childLevel, firstChild, childCount, star), then a u32 CRC-32
 *          of those 36 x b bytes
 *   -4  4  u32 CRC-32 of every byte before it
 */
export const starTreeIndexVersion = 3;

/** Nodes per node block: 256 nodes are 9 KiB, what a traversal reads for each block it visits. */
export const starTreeNodeBlock = 256;

/** Bytes of node block `k` (its CRC-32 included) of an index of `nodes` nodes in blocks of `block`. */
const blockBytes = (k: number, nodes: number, block: number): number => 36 * Math.min(block, nodes - k * block) + 4;

/** Encodes a built tree as a format 3 binary index (deterministic: the same tree gives the same bytes). */
export function encodeStarTreeIndex(tree: StarTree, dayStartMs: number, nodeBlock = starTreeNodeBlock): Uint8Array {
  const dictionaries = encodeDictionaries(tree);
  const n = tree.nodes.length;
  const header = headerOf(tree, dayStartMs, 3, dictionaries.header, nodeBlock);
  const headerText = new TextEncoder().encode(JSON.stringify(header));
  const blocks = Math.ceil(n / nodeBlock);
  const size = indexFixedBytes + pad4(headerText.length) + 4 + dictionaries.bytes + 4 + 36 * n + 4 * blocks + 4;
  if (size > 0x7fffffff)
    throw new Error(`star-tree index of ${n} nodes would take ${size} bytes, over the 2 GiB limit`);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let pos = writeHead(out, header, headerText);
  const sealed = (from: number, to: number): number => {
    view.setUint32(to, crc32(out.subarray(from, to)), true);
    return to + 4;
  };
  pos = sealed(0, pos);
  const dictionariesAt = pos;
  pos = sealed(dictionariesAt, dictionaries.write(out, pos));
  const cols = tree.nodes.columns();
  for (let k = 0; k < blocks; k++) {
    const from = k * nodeBlock;
    const count = Math.min(nodeBlock, n - from);
    const blockAt = pos;
    for (const name of nodeColumnNames) pos = writeInt32s(view, pos, cols[name].subarray(from), count);
    pos = sealed(blockAt, pos);
  }
  sealed(0, pos);
  return out;
}

/** Where the sections of a format 3 index lie, from its header. */
interface Sections {
  readonly header: IndexHeader;
  readonly nodeBlock: number;
  readonly dictionariesAt: number; // first byte of the dictionaries
  readonly dictionariesEnd: number; // their CRC-32
  readonly nodesAt: number; // first byte of node block 0
  readonly blocks: number;
}

/** Parses the head (bytes [0, 20 + H + 4) at least) of a format 3 index of `size` bytes; checks its CRC-32. */
function readSections(
  head: Uint8Array,
  size: number,
  headerBytes: number,
  fail: IndexFailure,
  checksum: (bytes: Uint8Array) => number,
): Sections {
  const headEnd = indexFixedBytes + headerBytes;
  checkSealed(head, 0, headEnd, 'head', fail, checksum);
  const header = parseHeader(head.subarray(indexFixedBytes, headEnd), 3, fail);
  const nodeBlock = header.nodeBlock!;
  const dictionariesAt = headEnd + 4;
  const dictionariesEnd =
    dictionariesAt + header.dictionaries.reduce((n, d) => n + dictionaryBytes(d.values, d.textBytes), 0);
  const blocks = Math.ceil(header.nodes / nodeBlock);
  const nodesAt = dictionariesEnd + 4;
  const expected = nodesAt + 36 * header.nodes + 4 * blocks + 4;
  if (expected !== size) throw fail(`sections end at byte ${expected - 4}, the checksum is at ${size - 4}`);
  return { header, nodeBlock, dictionariesAt, dictionariesEnd, nodesAt, blocks };
}

/** Checks the CRC-32 stored at bytes[to] against bytes [from, to). */
function checkSealed(
  bytes: Uint8Array,
  from: number,
  to: number,
  what: string,
  fail: IndexFailure,
  checksum: (bytes: Uint8Array) => number,
): void {
  const stored = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(to, true);
  const actual = checksum(bytes.subarray(from, to));
  if (stored !== actual) throw fail(`${what} has CRC-32 ${hex(actual)}, the file stores ${hex(stored)}: damaged`);
}

/** Node columns of `n` nodes, zero until their blocks are copied in. */
function blankNodes(n: number): StarTreeIndex['nodes'] {
  return Object.fromEntries(nodeColumnNames.map((name) => [name, new Int32Array(n)])) as StarTreeIndex['nodes'];
}

/** Copies node block `k`, whose bytes start at bytes[at], into the node columns. */
function copyBlock(bytes: Uint8Array, at: number, k: number, s: Sections, nodes: StarTreeIndex['nodes']): void {
  const from = k * s.nodeBlock;
  const count = Math.min(s.nodeBlock, s.header.nodes - from);
  if (littleEndian && (bytes.byteOffset + at) % 4 === 0) {
    const ints = new Int32Array(bytes.buffer, bytes.byteOffset + at, 9 * count);
    nodeColumnNames.forEach((name, c) => nodes[name].set(ints.subarray(c * count, (c + 1) * count), from));
    return;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = at;
  for (const name of nodeColumnNames) {
    const column = nodes[name];
    for (let i = 0; i < count; i++, pos += 4) column[from + i] = view.getInt32(pos, true);
  }
}

/**
 * Decodes a whole format 3 index; `source` names it in errors. Refuses a truncated or damaged file (size, CRC-32 of
 * the file) and a header that does not describe the sections. `checksum` computes CRC-32 (IEEE).
 */
export function decodeStarTreeIndexV3(
  bytes: Uint8Array,
  source: string,
  checksum: (bytes: Uint8Array) => number = crc32,
): StarTreeIndex {
  const fail = failureOf(source);
  const { version, headerBytes } = readFixedStart(bytes, bytes.length, fail);
  if (version !== 3) throw fail(`has formatVersion ${version}, not 3`);
  const size = bytes.length;
  checkSealed(bytes, 0, size - 4, 'file', fail, checksum);
  const s = readSections(bytes, size, headerBytes, fail, checksum);
  const { dictionaries } = decodeDictionaries(bytes, s.dictionariesAt, s.dictionariesEnd, s.header, fail);
  const nodes = blankNodes(s.header.nodes);
  for (let k = 0, at = s.nodesAt; k < s.blocks; at += blockBytes(k, s.header.nodes, s.nodeBlock), k++)
    copyBlock(bytes, at, k, s, nodes);
  return indexOf(s.header, 3, dictionaries, nodes);
}

/** Where a partial read gets its bytes: [start, end) of an index of `byteLength` bytes. */
export interface IndexByteSource {
  readonly byteLength: number;
  read(start: number, end: number): Promise<Uint8Array>;
}

/**
 * Opens a format 3 index from its first bytes `first` (the head at least): checks the head, reads the dictionaries
 * (from `first` when it holds them) and the node blocks inside `first`; other node blocks are read when the index's
 * `nodeBlocks.read` asks for them, each checked against its CRC-32. `fetched` counts the bytes read from `source`.
 */
export async function openStarTreeIndexV3(
  first: Uint8Array,
  source: IndexByteSource,
  name: string,
  checksum: (bytes: Uint8Array) => number,
  fetched: { bytes: number },
): Promise<StarTreeIndex> {
  const fail = failureOf(name);
  const size = source.byteLength;
  const { headerBytes } = readFixedStart(first, size, fail);
  const upTo = async (end: number): Promise<Uint8Array> => {
    if (end <= first.length) return first;
    const rest = await source.read(first.length, end);
    fetched.bytes += rest.length;
    const joined = new Uint8Array(end);
    joined.set(first);
    joined.set(rest, first.length);
    return joined;
  };
  const head = await upTo(indexFixedBytes + headerBytes + 4);
  const s = readSections(head, size, headerBytes, fail, checksum);
  const start = await upTo(s.dictionariesEnd + 4);
  checkSealed(start, s.dictionariesAt, s.dictionariesEnd, 'dictionaries', fail, checksum);
  const { dictionaries } = decodeDictionaries(start, s.dictionariesAt, s.dictionariesEnd, s.header, fail);
  const nodes = blankNodes(s.header.nodes);
  const loaded = new Uint8Array(s.blocks);
  const blockAt = (k: number): number => s.nodesAt + k * (36 * s.nodeBlock + 4); // every block but the last is full
  const take = (bytes: Uint8Array, at: number, k: number): void => {
    const length = blockBytes(k, s.header.nodes, s.nodeBlock);
    checkSealed(bytes, at, at + length - 4, `node block ${k}`, fail, checksum);
    copyBlock(bytes, at, k, s, nodes);
    loaded[k] = 1;
  };
  for (let k = 0; k < s.blocks && blockAt(k) + blockBytes(k, s.header.nodes, s.nodeBlock) <= start.length; k++)
    take(start, blockAt(k), k);
  const nodeBlocks: NodeBlocks = {
    has: (node) => loaded[Math.floor(node / s.nodeBlock)] === 1,
    async read(wanted) {
      const blocks = [...new Set([...wanted].map((node) => Math.floor(node / s.nodeBlock)))]
        .filter((k) => k >= 0 && k < s.blocks && loaded[k] !== 1)
        .sort((a, b) => a - b);
      const runs: [number, number][] = []; // adjacent blocks read together
      for (const k of blocks) {
        const last = runs.at(-1);
        if (last && last[1] === k) last[1] = k + 1;
        else runs.push([k, k + 1]);
      }
      await Promise.all(
        runs.map(async ([from, to]) => {
          const at = blockAt(from);
          const bytes = await source.read(at, blockAt(to - 1) + blockBytes(to - 1, s.header.nodes, s.nodeBlock));
          fetched.bytes += bytes.length;
          for (let k = from; k < to; k++) take(bytes, blockAt(k) - at, k);
        }),
      );
    },
  };
  return { ...indexOf(s.header, 3, dictionaries, nodes), nodeBlocks };
}

const failureOf =
  (source: string): IndexFailure =>
  (what, cause) =>
    new Error(`star-tree index ${source} ${what}`, cause === undefined ? undefined : { cause });
