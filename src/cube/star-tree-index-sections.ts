import { layoutFieldsOf, starTreeFormat } from './star-tree-sidecar.js';
import type { StarTree } from './star-tree.js';

/** The first bytes of every binary star-tree index, format 2 and later. */
export const starTreeIndexMagic: Uint8Array = Uint8Array.of(0x89, 0x53, 0x54, 0x49, 0x0d, 0x0a, 0x1a, 0x0a);

/** Magic, version, file bytes and header bytes: the fixed start of a binary index. */
export const indexFixedBytes = 20;

export const littleEndian = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
export const pad4 = (n: number): number => (n + 3) & ~3;
export const hex = (n: number): string => n.toString(16).padStart(8, '0');

/** Builds an Error about index `source`: "star-tree index <source> <what>". */
export type IndexFailure = (what: string, cause?: unknown) => Error;

/** The header's JSON in formats 2 and 3: what a reader needs to find every section, and the tree's layout. */
export interface IndexHeader {
  readonly format: typeof starTreeFormat;
  readonly formatVersion: 2 | 3;
  readonly timeGrain: 'hour';
  readonly dayStartMs: number; // epoch ms of the partition day's 00:00 UTC
  readonly splitOrder: readonly string[];
  readonly skipStar: readonly boolean[]; // per level
  readonly starAlso: readonly (readonly number[])[]; // per level
  readonly maxLeafRecords: number | null; // null = unbounded
  readonly records: { readonly count: number; readonly baseRecords: number };
  readonly nodes: number; // node count
  readonly dictionaries: readonly { readonly values: number; readonly textBytes: number }[]; // per split dimension
  readonly nodeBlock?: number; // format 3: nodes per node block
}

/** A tree's dictionaries as the index stores them: per split dimension, UTF-8 bytes per value. */
export interface EncodedDictionaries {
  readonly header: IndexHeader['dictionaries'];
  readonly bytes: number; // of the whole section
  write(out: Uint8Array, at: number): number; // writes the section at `at`, returns the byte after it
}

/**
 * Encodes the dictionaries section: per split dimension, i32 byte offsets (values + 1), u8 null flags (padded to 4),
 * UTF-8 text (padded to 4). Refuses a value that is not well-formed Unicode, naming its dimension.
 */
export function encodeDictionaries(tree: StarTree): EncodedDictionaries {
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
  return {
    header: dictionaries.map((d) => ({ values: d.values.length, textBytes: d.textBytes })),
    bytes: dictionaries.reduce((s, d) => s + dictionaryBytes(d.values.length, d.textBytes), 0),
    write(out, at) {
      const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
      let pos = at;
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
      return pos;
    },
  };
}

/** Bytes of one dictionary in the section: offsets, null flags and text, each padded to 4. */
export function dictionaryBytes(values: number, textBytes: number): number {
  return 4 * (values + 1) + pad4(values) + pad4(textBytes);
}

/**
 * Decodes the dictionaries section that starts at `bytes[at]` and ends before `limit`; returns the values per split
 * dimension and the byte after the section.
 */
export function decodeDictionaries(
  bytes: Uint8Array,
  at: number,
  limit: number,
  header: IndexHeader,
  fail: IndexFailure,
): { dictionaries: (string | null)[][]; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = at;
  const dictionaries = header.dictionaries.map((d, i) => {
    const name = header.splitOrder[i];
    if (pos + dictionaryBytes(d.values, d.textBytes) > limit) throw fail(`dictionary ${name} overruns the file`);
    const offsets = Int32Array.from({ length: d.values + 1 }, (_, k) => view.getInt32(pos + 4 * k, true));
    pos += 4 * (d.values + 1);
    const flags = bytes.subarray(pos, pos + d.values);
    pos += pad4(d.values);
    const text = bytes.subarray(pos, pos + d.textBytes);
    pos += pad4(d.textBytes);
    return decodeDictionary(offsets, flags, text, (what) => fail(`dictionary ${name} ${what}`));
  });
  return { dictionaries, end: pos };
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
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }); // a value may start with U+FEFF
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

/** The header of a tree, its keys in the documented order (the same tree gives the same bytes). */
export function headerOf(
  tree: StarTree,
  dayStartMs: number,
  formatVersion: 2 | 3,
  dictionaries: IndexHeader['dictionaries'],
  nodeBlock?: number,
): IndexHeader {
  return {
    format: starTreeFormat,
    formatVersion,
    ...layoutFieldsOf(tree, dayStartMs),
    records: { count: tree.records.length, baseRecords: tree.baseRecords },
    nodes: tree.nodes.length,
    dictionaries,
    ...(nodeBlock === undefined ? {} : { nodeBlock }),
  };
}

/** Writes the fixed start (magic, version, file bytes, header bytes) and the space-padded header; returns its end. */
export function writeHead(out: Uint8Array, header: IndexHeader, headerText: Uint8Array): number {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const headerBytes = pad4(headerText.length);
  out.set(starTreeIndexMagic, 0);
  view.setUint32(8, header.formatVersion, true);
  view.setUint32(12, out.length, true);
  view.setUint32(16, headerBytes, true);
  out.set(headerText, indexFixedBytes);
  out.fill(0x20, indexFixedBytes + headerText.length, indexFixedBytes + headerBytes);
  return indexFixedBytes + headerBytes;
}

/**
 * Checks the fixed start of a binary index of `size` bytes whose first bytes are `bytes` (at least 20): magic, a
 * version this reader knows, the file bytes; returns the version and the header bytes.
 */
export function readFixedStart(
  bytes: Uint8Array,
  size: number,
  fail: IndexFailure,
): { version: number; headerBytes: number } {
  if (size < indexFixedBytes + 4) throw fail(`has ${size} bytes, fewer than the ${indexFixedBytes + 4} of any index`);
  if (starTreeIndexMagic.some((b, i) => bytes[i] !== b))
    throw fail(`does not start with the star-tree index magic bytes 89 53 54 49 0d 0a 1a 0a`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== 2 && version !== 3) throw fail(`has formatVersion ${version}, this reader knows 1 (JSON), 2 and 3`);
  const declared = view.getUint32(12, true);
  if (declared !== size) throw fail(`has ${size} bytes, its header says ${declared}: truncated or damaged`);
  const headerBytes = view.getUint32(16, true);
  if (headerBytes % 4 !== 0 || indexFixedBytes + headerBytes > size - 4)
    throw fail(`header of ${headerBytes} bytes does not fit a ${size}-byte file at a multiple of 4`);
  return { version, headerBytes };
}

/** The header's JSON, checked for the fields and shapes this reader relies on. */
export function parseHeader(bytes: Uint8Array, version: 2 | 3, fail: IndexFailure): IndexHeader {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw fail(`header is not valid UTF-8 JSON (${(e as Error).message})`, e);
  }
  const h = json as Partial<IndexHeader> | null;
  const count = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
  const problem = (): string | undefined => {
    if (!h || typeof h !== 'object') return 'is not an object';
    if (h.format !== starTreeFormat) return `names format ${String(h.format)}, not ${starTreeFormat}`;
    if (h.formatVersion !== version) return `says formatVersion ${String(h.formatVersion)}`;
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
    if (version === 3 && !(count(h.nodeBlock) && h.nodeBlock! > 0)) return 'lacks a positive nodeBlock';
    return undefined;
  };
  const p = problem();
  if (p !== undefined) throw fail(`header ${p}`);
  return h as IndexHeader;
}
