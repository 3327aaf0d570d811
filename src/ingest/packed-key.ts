/**
 * Packs the parts of each row's group key (hour, metric code, dimension codes), each a small integer below a known
 * bound, into as few 32-bit words as their bit widths allow. A batch is then hashed and compared on one or two words
 * per row instead of eight, and `unpackPart` gives the parts back for the few distinct keys.
 */

/** Where each key part sits: word index, bit shift and bit width. */
export interface KeyLayout {
  readonly words: number;
  readonly word: readonly number[];
  readonly shift: readonly number[];
  readonly bits: readonly number[];
  readonly mask: readonly number[]; // 2^bits - 1
}

/** One part's values for the rows of a batch; rows whose `valid` byte is 0 take `nullValue` instead. */
export interface KeyPartColumn {
  readonly values: Int32Array; // values in [0, bound) for valid rows (other rows are masked to the part's width)
  readonly valid?: Uint8Array; // 1 valid, 0 null; absent: every row is valid (unless validBits says otherwise)
  // or the validity as an Arrow bitmap: row i is valid when bit offset + i is set (no pass to turn it into bytes)
  readonly validBits?: { readonly bitmap: Uint8Array; readonly offset: number };
  readonly nullValue: number; // below bound
  readonly bound: number; // exclusive upper bound of the part's values, >= 1
  readonly checked?: boolean; // valid values are checked against the part's bit width (untrusted codes)
}

/** The layout for parts with these exclusive upper bounds, filling words in part order. */
export function layoutFor(bounds: readonly number[]): KeyLayout {
  const word: number[] = [];
  const shift: number[] = [];
  const bits: number[] = [];
  let words = 1;
  let used = 0;
  for (const bound of bounds) {
    if (!(Number.isInteger(bound) && bound >= 1 && bound <= 2 ** 31))
      throw new RangeError(`key part bound ${bound} is not an integer in [1, 2^31]`);
    const width = bound <= 1 ? 0 : Math.ceil(Math.log2(bound));
    if (used + width > 32) {
      words++;
      used = 0;
    }
    word.push(words - 1);
    shift.push(used);
    bits.push(width);
    used += width;
  }
  return { words, word, shift, bits, mask: bits.map(maskOf) };
}

/**
 * Writes the packed key words of rows [0, n) into `out[word][row]` (each array at least n long). Returns the index
 * of the first checked part with a valid value outside its bit width (the key would be wrong), else -1.
 */
export function packKeys(
  parts: readonly KeyPartColumn[],
  layout: KeyLayout,
  n: number,
  out: readonly Int32Array[],
): number {
  // a plain first part (the hour) sets word 0 (at shift 0) before any other part ORs into it: no zero fill for it
  const first = parts[0];
  const setsFirst = first !== undefined && layout.bits[0]! > 0 && !first.valid && !first.validBits && !first.checked;
  for (let w = setsFirst ? 1 : 0; w < layout.words; w++) out[w]!.fill(0, 0, n);
  let outOfRange = -1;
  parts.forEach((part, j) => {
    const width = layout.bits[j]!;
    if (width === 0) return; // a part with a single possible value (bound 1) adds nothing to the key
    const target = out[layout.word[j]!]!;
    if (j === 0 && setsFirst) {
      packFirst(part.values, layout.mask[0]!, n, target);
      return;
    }
    const shift = layout.shift[j]!;
    const mask = layout.mask[j]!;
    const seen = part.valid
      ? packMasked(part.values, part.valid, part.nullValue & mask, mask, shift, n, target)
      : part.validBits
        ? packMaskedBits(part.values, part.validBits, part.nullValue & mask, mask, shift, n, target)
        : packPlain(part.values, mask, shift, n, target);
    if (part.checked && outOfRange < 0 && (seen < 0 || seen > mask)) outOfRange = j;
  });
  return outOfRange;
}

/** Writes the first part (at shift 0) of each row's first word. */
function packFirst(values: Int32Array, mask: number, n: number, target: Int32Array): void {
  for (let i = 0; i < n; i++) target[i] = values[i]! & mask;
}

/** Packs one part; returns the bitwise OR of its values (a cheap range check). */
function packPlain(values: Int32Array, mask: number, shift: number, n: number, target: Int32Array): number {
  let seen = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    seen |= v;
    target[i]! |= (v & mask) << shift;
  }
  return seen;
}

/**
 * Like packPlain, with `nullValue` where valid[i] is 0; a select by masks, as nulls fall at random and a branch would
 * mispredict.
 */
function packMasked(
  values: Int32Array,
  valid: Uint8Array,
  nullValue: number,
  mask: number,
  shift: number,
  n: number,
  target: Int32Array,
): number {
  let seen = 0;
  for (let i = 0; i < n; i++) {
    const ok = valid[i]!; // 1 or 0
    const v = (values[i]! & -ok) | (nullValue & (ok - 1));
    seen |= v;
    target[i]! |= (v & mask) << shift;
  }
  return seen;
}

/** Like packMasked, with the validity read from an Arrow bitmap. */
function packMaskedBits(
  values: Int32Array,
  validBits: { readonly bitmap: Uint8Array; readonly offset: number },
  nullValue: number,
  mask: number,
  shift: number,
  n: number,
  target: Int32Array,
): number {
  const { bitmap, offset } = validBits;
  let seen = 0;
  for (let i = 0; i < n; i++) {
    const j = offset + i;
    const ok = (bitmap[j >> 3]! >> (j & 7)) & 1;
    const v = (values[i]! & -ok) | (nullValue & (ok - 1));
    seen |= v;
    target[i]! |= (v & mask) << shift;
  }
  return seen;
}

/** Part `j` of each of `count` packed keys (`layout.words` words each, from `keys[0]`), written to `out`. */
export function unpackPart(keys: Int32Array, count: number, layout: KeyLayout, j: number, out: Int32Array): void {
  const width = layout.bits[j]!;
  if (width === 0) {
    out.fill(0, 0, count);
    return;
  }
  const words = layout.words;
  const word = layout.word[j]!;
  const shift = layout.shift[j]!;
  const mask = layout.mask[j]!;
  for (let k = 0; k < count; k++) out[k] = (keys[k * words + word]! >>> shift) & mask;
}

function maskOf(width: number): number {
  return (2 ** width - 1) | 0;
}
