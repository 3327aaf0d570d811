import { crc32 } from './crc32.js';
import type { StarTree } from './star-tree.js';
import { nodeColumnNames, type StarTreeIndex } from './star-tree-index.js';
import { starTreeFormat } from './star-tree-sidecar.js';

/**
 * The star-tree index, binary format v2 (docs/star-tree-and-queries.md, "Star-tree index format v2", byte by byte).
 * All integers little-endian; every section starts at a multiple of 4 so node columns and offsets are Int32Array
 * views over the file, read without parsing a node.
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
export const starTreeIndexMagic: Uint8Array = Uint8Array.of(0x89, 0x53, 0x54, 0x49, 0x0d, 0x0a, 0x1a, 0x0a);
/** The format version this module writes and reads (1 is the JSON sidecar, read by read-star-tree-index.ts). */
export const starTreeIndexVersion = 2;

const fixedBytes = 20; // magic, version, file bytes, header bytes
const pad4 = (n: number): number => (n + 3) & ~3;
const littleEndian = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** The header's JSON: what a reader needs to find every section, and the tree's layout. */
interface Header {
  readonly format: typeof starTreeFormat;
  readonly formatVersion: typeof starTreeIndexVersion;
  readonly timeGrain: 'hour';
  readonly dayStartMs: number; // epoch ms of the partition day's 00:00 UTC
  readonly splitOrder: readonly string[];
  readonly skipStar: readonly boolean[]; // per level
  readonly starAlso: readonly (readonly number[])[]; // per level
  readonly maxLeafRecords: number | null; // null = unbounded
  readonly records: { readonly count: number; readonly baseRecords: number };
  readonly nodes: number; // rows of every node column
  readonly dictionaries: readonly { readonly values: number; readonly textBytes: number }[]; // per split dimension
}

/** Encodes a built tree as a v2 binary index (deterministic: the same tree gives the same bytes). */
export function encodeStarTreeIndex(tree: StarTree, dayStartMs: number): Uint8Array {
  const utf8 = new TextEncoder();
  const dictionaries = tree.dictionaries.map((values, d) => {
    const encoded = values.map((v) => {
      if (v !== null && /\p{Surrogate}/u.test(v))
        throw new Error(
          `star-tree index dictionary ${tree.layout.dimensions[d]} ` +
            `value ${JSON.stringify(v)} is not well-formed Unicode`,
        );
      return utf8.encode(v ?? '');
    });
    return { values, encoded, textBytes: encoded.reduce((n, b) => n + b.length, 0) };
  });
  const n = tree.nodes.length;
  const header: Header = {
    format: starTreeFormat,
    formatVersion: starTreeIndexVersion,
    timeGrain: 'hour',
    dayStartMs,
    splitOrder: tree.layout.dimensions,
    skipStar: tree.layout.skipStar,
    starAlso: tree.layout.starAlso,
    maxLeafRecords: Number.isFinite(tree.layout.maxLeafRecords) ? tree.layout.maxLeafRecords : null,
    records: { count: tree.records.length, baseRecords: tree.baseRecords },
    nodes: n,
    dictionaries: dictionaries.map((d) => ({ values: d.values.length, textBytes: d.textBytes })),
  };
  const headerText = utf8.encode(JSON.stringify(header));
  const headerBytes = pad4(headerText.length);
  const size =
    fixedBytes +
    headerBytes +
    nodeColumnNames.length * 4 * n +
    dictionaries.reduce((s, d) => s + 4 * (d.values.length + 1) + pad4(d.values.length) + pad4(d.textBytes), 0) +
    4;
  if (size > 0x7fffffff)
    throw new Error(`star-tree index of ${n} nodes would take ${size} bytes, over the 2 GiB limit`);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(starTreeIndexMagic, 0);
  view.setUint32(8, starTreeIndexVersion, true);
  view.setUint32(12, size, true);
  view.setUint32(16, headerBytes, true);
  out.set(headerText, fixedBytes);
  out.fill(0x20, fixedBytes + headerText.length, fixedBytes + headerBytes);
  let pos = fixedBytes + headerBytes;
  const cols = tree.nodes.columns();
  for (const name of nodeColumnNames) pos = writeInt32s(view, pos, cols[name], n);
  for (const d of dictionaries) {
    let offset = 0;
    view.setInt32(pos, 0, true);
    d.encoded.forEach((b, i) => view.setInt32(pos + 4 * (i + 1), (offset += b.length), true));
    pos += 4 * (d.values.length + 1);
    d.values.forEach((v, i) => (out[pos + i] = v === null ? 1 : 0));
    pos += pad4(d.values.length);
    for (const b of d.encoded) {
      out.set(b, pos);
      pos += b.length;
    }
    pos = pad4(pos);
  }
  view.setUint32(pos, crc32(out.subarray(0, pos)), true);
  return out;
}

/**
 * Writes the first n ints of `column` little-endian from byte `pos`; returns the byte after them. (A function of its
 * own: a loop in encodeStarTreeIndex had it compiled on-stack, then deoptimised after the loop, once per segment.)
 */
function writeInt32s(view: DataView, pos: number, column: Int32Array, n: number): number {
  for (let i = 0; i < n; i++, pos += 4) view.setInt32(pos, column[i]!, true);
  return pos;
}

/**
 * Decodes a v2 binary index; `source` names it in errors. Refuses a truncated or damaged file (size, CRC-32) and a
 * header that does not describe the sections. Node columns are views over `bytes` (copied once when misaligned).
 * `checksum` computes CRC-32 (IEEE); callers outside this pure core may pass a native one (node:zlib's `crc32`).
 */
export function decodeStarTreeIndex(
  bytes: Uint8Array,
  source: string,
  checksum: (bytes: Uint8Array) => number = crc32,
): StarTreeIndex {
  const fail = (what: string, cause?: unknown): Error =>
    new Error(`star-tree index ${source} ${what}`, cause === undefined ? undefined : { cause });
  if (bytes.length < fixedBytes + 4)
    throw fail(`has ${bytes.length} bytes, fewer than the ${fixedBytes + 4} of any index`);
  if (starTreeIndexMagic.some((b, i) => bytes[i] !== b))
    throw fail(`does not start with the star-tree index magic bytes 89 53 54 49 0d 0a 1a 0a`);
  if (bytes.byteOffset % 4 !== 0) bytes = bytes.slice();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== starTreeIndexVersion)
    throw fail(`has formatVersion ${version}, this reader knows 1 (JSON) and ${starTreeIndexVersion}`);
  const size = view.getUint32(12, true);
  if (size !== bytes.length) throw fail(`has ${bytes.length} bytes, its header says ${size}: truncated or damaged`);
  const stored = view.getUint32(size - 4, true);
  const actual = checksum(bytes.subarray(0, size - 4));
  if (stored !== actual) throw fail(`has CRC-32 ${hex(actual)}, the file stores ${hex(stored)}: damaged`);
  const headerBytes = view.getUint32(16, true);
  if (headerBytes % 4 !== 0 || fixedBytes + headerBytes > size - 4)
    throw fail(`header of ${headerBytes} bytes does not fit a ${size}-byte file at a multiple of 4`);
  const header = parseHeader(bytes.subarray(fixedBytes, fixedBytes + headerBytes), fail);
  let pos = fixedBytes + headerBytes;
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
  const dictionaries = header.dictionaries.map((d, i) => {
    const offsets = int32s(d.values + 1);
    const flags = bytes.subarray(pos, pos + d.values);
    pos += pad4(d.values);
    const text = bytes.subarray(pos, pos + d.textBytes);
    pos += pad4(d.textBytes);
    if (pos > size - 4) throw fail(`dictionary ${header.splitOrder[i]} overruns the file`);
    return decodeDictionary(offsets, flags, text, (what) => fail(`dictionary ${header.splitOrder[i]} ${what}`));
  });
  if (pos !== size - 4) throw fail(`sections end at byte ${pos}, the checksum is at ${size - 4}`);
  return {
    formatVersion: starTreeIndexVersion,
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

/** One dictionary's values from its offsets, null flags and text; one text decode when the text is ASCII. */
function decodeDictionary(
  offsets: Int32Array,
  flags: Uint8Array,
  text: Uint8Array,
  fail: (what: string) => Error,
): (string | null)[] {
  if (offsets[0] !== 0 || offsets[flags.length] !== text.length)
    throw fail(`offsets run from ${offsets[0]} to ${offsets[flags.length]}, the text has ${text.length} bytes`);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const whole = utf8.decode(text);
  const ascii = whole.length === text.length; // then byte offsets are string offsets
  const values = new Array<string | null>(flags.length);
  for (let i = 0; i < flags.length; i++) {
    const a = offsets[i]!;
    const b = offsets[i + 1]!;
    if (b < a) throw fail(`offset ${i + 1} (${b}) is below offset ${i} (${a})`);
    if (flags[i] === 1 && b !== a) throw fail(`value ${i} is flagged null but has ${b - a} bytes`);
    values[i] = flags[i] === 1 ? null : ascii ? whole.slice(a, b) : utf8.decode(text.subarray(a, b));
  }
  return values;
}

/** The header's JSON, checked for the fields and shapes this reader relies on. */
function parseHeader(bytes: Uint8Array, fail: (what: string, cause?: unknown) => Error): Header {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw fail(`header is not valid UTF-8 JSON (${(e as Error).message})`, e);
  }
  const h = json as Partial<Header> | null;
  const count = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
  const problem = (): string | undefined => {
    if (!h || typeof h !== 'object') return 'is not an object';
    if (h.format !== starTreeFormat) return `names format ${String(h.format)}, not ${starTreeFormat}`;
    if (h.formatVersion !== starTreeIndexVersion) return `says formatVersion ${String(h.formatVersion)}`;
    if (!Array.isArray(h.splitOrder) || !Array.isArray(h.dictionaries) || !Array.isArray(h.skipStar))
      return 'lacks splitOrder, skipStar or dictionaries';
    if (h.dictionaries.length !== h.splitOrder.length || h.skipStar.length !== h.splitOrder.length + 1)
      return (
        `has ${h.splitOrder.length} split dimensions, ${h.dictionaries.length} ` +
        `dictionaries, ${h.skipStar.length} levels`
      );
    if (
      !count(h.nodes) ||
      !count(h.records?.count) ||
      !h.dictionaries.every((d) => count(d.values) && count(d.textBytes))
    )
      return 'has a node, record or dictionary count that is not a non-negative integer';
    if (typeof h.dayStartMs !== 'number') return 'lacks dayStartMs';
    return undefined;
  };
  const p = problem();
  if (p !== undefined) throw fail(`header ${p}`);
  return h as Header;
}

const hex = (n: number): string => n.toString(16).padStart(8, '0');
