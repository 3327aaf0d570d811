import * as v from 'valibot';
import { jsonObject } from '../config/json-object.js';
import { fileSignaturesOf } from './day-tier-source.js';
import type { Manifest } from './manifest.js';

const offset = v.pipe(v.number(), v.integer(), v.minValue(0));
const byteRange = v.pipe(
  v.tuple([offset, offset]),
  v.readonly(),
  v.check(([a, b]) => a <= b, 'a byte range [start, end) with start <= end'),
);
const sha256Hex = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/));

/**
 * Where the parts of a manifest's text are, so that a reader can fetch only what it needs by ranged reads (a fleet's
 * day lists thousands of segments; a query takes a few): byte offsets into the manifest's own bytes.
 */
export const layoutSchema = jsonObject({
  // bytes [start, end) of the `cube` object without its file lists: with a `}` appended, that object
  cube: v.optional(byteRange),
  // bytes [start, end) of the `segments` object without its list: with a `}` appended, that object
  segments: v.optional(byteRange),
  // bytes [start, end) of the `hourTotals` array (a query of a metric alone reads it; no other does)
  hourTotals: v.optional(byteRange),
  // the entries of `segments.list`: entry i starts at `start` + the bytes and separators of the entries before it
  list: v.optional(
    v.pipe(
      jsonObject({
        start: offset, // byte offset of the first entry
        separator: offset, // bytes between two entries
        hour: v.array(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(23)))), // each entry's
        shard: v.array(offset), // each entry's
        bytes: v.array(offset), // each entry's length
      }),
      v.check((l) => l.hour.length === l.shard.length && l.shard.length === l.bytes.length, 'one of each per entry'),
    ),
  ),
  // the signatures of `inputs` and of `outputs` (day-tier-source.ts)
  files: jsonObject({ inputs: sha256Hex, outputs: sha256Hex }),
});

/** A manifest's layout: where its parts are in its bytes. */
export type ManifestLayout = v.InferOutput<typeof layoutSchema>;

/** How the layout's line starts: the last field of the manifest's head, on one line of its own. */
const layoutLineStart = '\n  "layout": ';
/**
 * The fields of a manifest written after its head: the lists that grow with the day, and the hour totals only a query
 * of a metric alone reads. The segments first: their layout (which shard holds a value) then lies in a reader's first
 * read, next to the head.
 */
const tailKeys = ['segments', 'cube', 'hourTotals', 'inputs', 'ignored', 'missingDimensions', 'outputs'] as const;
/** The lists of the cube object, written after its other fields. */
const cubeListKeys = ['records', 'cuboidFiles'] as const;

/**
 * A manifest as stable, human-readable JSON (2-space indents, a final newline) that a reader can also read in part:
 * first every field that does not grow with the day, ending with the `layout` line (compact JSON on one line); then
 * the segments and the cube, each with its lists last; then the input and output lists. `layout` locates the cube
 * and segments without their lists, and each segment entry.
 */
export function serializeManifest(manifest: Manifest): Uint8Array {
  const head = defined(manifest).filter(([k]) => !(tailKeys as readonly string[]).includes(k));
  const headText = `{\n${head.map(([k, value]) => `  ${JSON.stringify(k)}: ${pretty(value, 1)}`).join(',\n')},`;
  // the rest, with byte offsets relative to its start
  const rest = new Pieces();
  const relative: {
    cube?: [number, number];
    segments?: [number, number];
    hourTotals?: [number, number];
    listStart?: number;
  } = {};
  const entryBytes: number[] = [];
  const separator = `,\n${'  '.repeat(3)}`;
  for (const k of tailKeys) {
    const value = manifest[k];
    if (value === undefined) continue;
    rest.add(`,\n  ${JSON.stringify(k)}: `);
    if (k === 'cube' || k === 'segments') {
      const record = value as Record<string, unknown>;
      const lists = k === 'cube' ? (cubeListKeys as readonly string[]) : ['list'];
      const small = defined(record).filter(([f]) => !lists.includes(f));
      const start = rest.bytes;
      rest.add(`{\n${small.map(([f, x]) => `    ${JSON.stringify(f)}: ${pretty(x, 2)}`).join(',\n')}`);
      relative[k] = [start, rest.bytes];
      for (const f of lists) {
        if (record[f] === undefined) continue;
        rest.add(`,\n    ${JSON.stringify(f)}: `);
        if (f !== 'list') {
          rest.add(pretty(record[f], 2));
          continue;
        }
        const list = record[f] as readonly unknown[];
        if (list.length === 0) {
          rest.add('[]');
          continue;
        }
        rest.add(`[\n${'  '.repeat(3)}`);
        relative.listStart = rest.bytes;
        list.forEach((entry, i) => {
          if (i > 0) rest.add(separator);
          entryBytes.push(rest.add(pretty(entry, 3)));
        });
        rest.add(`\n    ]`);
      }
      rest.add('\n  }');
    } else if (k === 'hourTotals') {
      const start = rest.bytes;
      rest.add(pretty(value, 1));
      relative.hourTotals = [start, rest.bytes];
    } else rest.add(pretty(value, 1));
  }
  rest.add('\n}\n');
  const segmentList = manifest.segments?.list ?? [];
  const files = fileSignaturesOf(manifest);
  const layoutAt = (base: number): ManifestLayout => {
    const at = (r: [number, number] | undefined) => (r ? ([base + r[0], base + r[1]] as const) : undefined);
    const cube = at(relative.cube);
    const segments = at(relative.segments);
    const hourTotals = at(relative.hourTotals);
    return {
      ...(cube ? { cube } : {}),
      ...(segments ? { segments } : {}),
      ...(hourTotals ? { hourTotals } : {}),
      ...(relative.listStart !== undefined
        ? {
            list: {
              start: base + relative.listStart,
              separator: byteLength(separator),
              hour: segmentList.map((s) => s.hour),
              shard: segmentList.map((s) => s.shard),
              bytes: entryBytes,
            },
          }
        : {}),
      files,
    };
  };
  // the offsets count the layout's own bytes: grow them until the layout's length no longer changes
  const before = byteLength(headText) + byteLength(layoutLineStart);
  let layoutText = '';
  for (let length = -1; length !== byteLength(layoutText); ) {
    length = byteLength(layoutText);
    layoutText = JSON.stringify(layoutAt(before + length));
  }
  return Buffer.from(headText + layoutLineStart + layoutText + rest.text());
}

/** The fields of an object that JSON.stringify writes (an undefined value is left out, as it leaves it out). */
function defined(x: object): [string, unknown][] {
  return Object.entries(x).filter(([, value]) => value !== undefined);
}

/** Strings and their UTF-8 length so far. */
class Pieces {
  private readonly parts: string[] = [];
  bytes = 0;

  /** Appends `s`; its byte length. */
  add(s: string): number {
    const n = byteLength(s);
    this.parts.push(s);
    this.bytes += n;
    return n;
  }

  text(): string {
    return this.parts.join('');
  }
}

/** `value` as `JSON.stringify(value, null, 2)` writes it `depth` levels deep in a document. */
function pretty(value: unknown, depth: number): string {
  const text = JSON.stringify(value, null, 2);
  return depth === 0 ? text : text.replaceAll('\n', `\n${'  '.repeat(depth)}`);
}

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/**
 * The head of manifest bytes that begin a manifest with a layout (at least up to the end of its layout line): the
 * head's JSON (every field but the lists after the layout) and where the head ends; undefined when `start` holds no
 * complete layout line (a manifest written before layouts, or a head longer than `start`).
 */
export function headOf(start: Uint8Array): { readonly json: unknown; readonly end: number } | undefined {
  const marker = Buffer.from(layoutLineStart);
  const bytes = Buffer.from(start.buffer, start.byteOffset, start.byteLength);
  const at = bytes.indexOf(marker);
  if (at < 0) return undefined;
  const lineEnd = bytes.indexOf(0x0a, at + marker.length);
  if (lineEnd < 0 || bytes[lineEnd - 1] !== 0x2c) return undefined; // `,` ends the layout line: more keys follow
  return { json: JSON.parse(`${bytes.toString('utf8', 0, lineEnd - 1)}\n}`), end: lineEnd };
}

/**
 * What is wrong with where `layout` places the parts of `bytes` (a whole manifest), or undefined: the cube and the
 * segments objects must start with `{`, every segment entry with `{` and end with `}`, one separator apart, and the
 * hour totals' array start with `[` and end with `]`. A
 * manifest edited in place (a value of another length) fails this, and a reader by the layout would misread it. Byte
 * checks only, no parsing.
 */
export function layoutProblem(layout: ManifestLayout, bytes: Uint8Array): string | undefined {
  const brace = 0x7b;
  const object = (name: string, r: readonly [number, number] | undefined): string | undefined =>
    r && (r[1] > bytes.length || bytes[r[0]] !== brace)
      ? `layout.${name} [${r[0]}, ${r[1]}) does not locate its object`
      : undefined;
  // in the order of the bytes: the first part out of place is named
  const segments = object('segments', layout.segments);
  if (segments !== undefined) return segments;
  const list = layout.list;
  let at = list?.start ?? 0;
  for (let i = 0; list && i < list.bytes.length; i++) {
    const end = at + list.bytes[i]!;
    const separated = i === 0 || bytes[at - list.separator] === 0x2c;
    if (end > bytes.length || bytes[at] !== brace || bytes[end - 1] !== 0x7d || !separated)
      return `layout.list does not locate segments.list.${i} at bytes [${at}, ${end})`;
    at = end + list.separator;
  }
  const cube = object('cube', layout.cube);
  if (cube !== undefined) return cube;
  const h = layout.hourTotals;
  return h && (h[1] > bytes.length || bytes[h[0]] !== 0x5b || bytes[h[1] - 1] !== 0x5d)
    ? `layout.hourTotals [${h[0]}, ${h[1]}) does not locate its array`
    : undefined;
}

/** A run of consecutive segment entries [first, end) and their bytes [start, stop) in the manifest. */
export interface EntryRun {
  readonly first: number;
  readonly end: number;
  readonly start: number;
  readonly stop: number;
}

/**
 * The runs of entries to read for the entries `wanted` (ascending indexes): consecutive entries, and runs closer than
 * `gapBytes`, are read as one (the entries between are read and left unchecked).
 */
export function entryRuns(list: NonNullable<ManifestLayout['list']>, wanted: readonly number[], gapBytes: number) {
  const starts: number[] = [];
  let at = list.start;
  for (const n of list.bytes) {
    starts.push(at);
    at += n + list.separator;
  }
  const runs: EntryRun[] = [];
  for (const i of wanted) {
    const start = starts[i]!;
    const stop = start + list.bytes[i]!;
    const last = runs.at(-1);
    if (last && start - last.stop <= gapBytes) runs[runs.length - 1] = { ...last, end: i + 1, stop };
    else runs.push({ first: i, end: i + 1, start, stop });
  }
  return runs;
}
