import { textOfBytes } from './value-text.js';

// Over 300 lines: the hot path of ingest; its probe loops are specialised by value length on purpose (short values
// compare masked words without loops), measured in bench/encode-microbench.ts.
/**
 * Interns UTF-8 byte strings as dense ids without creating a JS string per value:
 * bytes are hashed and compared in place, and decoded once per distinct value at the end.
 * Id 0 is reserved for null; real values get ids 1, 2, ... in order of first sight.
 *
 * Values are read as little-endian 32-bit words through DataViews, the words past a value's end masked to zero, so
 * that a value of up to 16 bytes (most dimension values) is hashed, and compared with the stored value or with the
 * previous row, by straight-line code with no loop over its bytes. On this path the cost per row is mostly
 * mispredicted branches, not arithmetic; hence the run handling in idsOfUtf8 and the branch-free comparisons.
 * Values of 17-32 bytes take a similar, unrolled path; longer ones are hashed like xxhash32 and compared in a loop.
 * The table is open addressing with linear probing at a load of at most 1/2, slots holding ids; a value's slot is
 * its hash's top bits, and its full 32-bit hash is kept with its arena offset and length, checked before its bytes.
 */
export class ByteDictionary {
  static readonly nullId = 0;
  private arena = new Uint8Array(1 << 12); // bytes of every distinct value, back to back, then >= 32 spare bytes
  private arenaView = new DataView(this.arena.buffer); // the same bytes, read as little-endian words
  private arenaUsed = 0; // bytes
  private entries = new Int32Array(3 * 256); // [3 id] arena offset, [3 id + 1] length in bytes, [3 id + 2] hash
  private size = 1; // ids in use, including the null id
  private longestId = 0; // the id of the longest value (0: none yet)
  private table = new Int32Array(512); // open addressing: slot -> id (0 = empty)
  private mask = 511; // slots - 1
  private shift = 23; // 32 - log2(slots): a hash's slot is its top bits
  private ints = new Int32Array(2 * 64); // int32 value -> id, open addressing: [2 i] value, [2 i + 1] id (0 = empty)
  private intShift = 26; // 32 - log2(int slots)
  private readonly smallIntIds = new Int32Array(smallInts); // id of each int in [0, smallInts), 0 = not seen yet
  private intCount = 0;
  private readonly numberIds = new Map<number, number>(); // numbers outside int32 -> id
  private lastInput: Uint8Array = new Uint8Array(0); // idOfBytes keeps the DataView of its last input buffer
  private lastView: DataView = new DataView(this.lastInput.buffer);

  /** How many ids are in use, counting the null id. */
  get count(): number {
    return this.size;
  }

  /** The length in bytes of its longest value (0 when it holds none). */
  get longestBytes(): number {
    return this.longestId === 0 ? 0 : this.entries[3 * this.longestId + 1]!;
  }

  /** Its longest value (null when it holds none). */
  longestValue(): string | null {
    return this.longestId === 0 ? null : this.text(this.longestId);
  }

  /** How many distinct values it holds, null not counted (as SQL's COUNT(DISTINCT)). */
  get distinctValues(): number {
    return this.size - 1;
  }

  /** Bytes held by the dictionary's value arena (for memory accounting). */
  get byteSize(): number {
    return this.arenaUsed;
  }

  /** The id of bytes[start, end), interning it when new. */
  idOfBytes(bytes: Uint8Array, start: number, end: number): number {
    if (bytes !== this.lastInput) {
      this.lastInput = bytes;
      this.lastView = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    return this.idOfRange(this.lastView, bytes, start, end - start);
  }

  /**
   * Writes into out[0, n) the id of each value of an Arrow Utf8 or Binary layout: value i is
   * bytes[offsets[first + i], offsets[first + i + 1]), and is null (id 0) when `validity` is given and its bit
   * validOffset + i is 0. Same ids as idOfBytes; this is its loop over a column, specialised for short values.
   */
  idsOfUtf8(
    offsets: Int32Array,
    bytes: Uint8Array,
    first: number,
    n: number,
    validity: Uint8Array | null,
    validOffset: number,
    out: Int32Array,
  ): void {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const readLimit = bytes.length - 16; // 16 bytes can be read at offsets up to here
    // Runs of equal rows are extended by comparing bytes with the run's first row, which is cheap when runs are long
    // but costs a mispredicted branch per row when they are short; so each block of rows picks whether to look for
    // runs from how often the previous block repeated its previous row.
    let findRuns = true;
    let blockStart = 0;
    let repeats = 0; // rows of this block equal to the row before them
    let prevId = ByteDictionary.nullId; // the last id looked up (never the null id once there is one)
    let i = 0;
    while (i < n) {
      if (i - blockStart >= RUN_BLOCK) {
        findRuns = repeats * 4 > i - blockStart;
        blockStart = i;
        repeats = 0;
      }
      if (validity !== null && ((validity[(validOffset + i) >> 3]! >> ((validOffset + i) & 7)) & 1) === 0) {
        out[i++] = ByteDictionary.nullId;
        continue;
      }
      const start = offsets[first + i]!;
      const len = offsets[first + i + 1]! - start;
      if (len > 16 || start > readLimit) {
        const id = this.idOfRange(view, bytes, start, len);
        out[i++] = id;
        repeats += ((id ^ prevId) - 1) >>> 31; // 1 when id === prevId (ids are positive), without a branch
        prevId = id;
        if (!findRuns) continue;
        const runStart = i;
        while (
          i < n &&
          (validity === null || ((validity[(validOffset + i) >> 3]! >> ((validOffset + i) & 7)) & 1) === 1)
        ) {
          const s = offsets[first + i]!;
          if (offsets[first + i + 1]! - s !== len || !sameBytes(view, bytes, s, start, len)) break;
          out[i++] = id;
        }
        repeats += i - runStart;
        continue;
      }
      const m = len << 3;
      const m0 = SHORT_MASKS[m]!;
      const m1 = SHORT_MASKS[m + 1]!;
      const m2 = SHORT_MASKS[m + 2]!;
      const m3 = SHORT_MASKS[m + 3]!;
      const w0 = view.getInt32(start, true) & m0;
      const w1 = view.getInt32(start + 4, true) & m1;
      const w2 = view.getInt32(start + 8, true) & m2;
      const w3 = view.getInt32(start + 12, true) & m3;
      const h = mixShort(sumFirst(w0, w1, w2, w3, len));
      const table = this.table;
      const mask = this.mask;
      let slot = (h >>> this.shift) - 1; // one before the home slot: each probe steps first
      let id: number;
      for (;;) {
        slot = (slot + 1) & mask;
        id = table[slot]!;
        if (id === 0) {
          id = this.insert(view, bytes, start, len, h, slot);
          break;
        }
        const entries = this.entries;
        if (entries[3 * id + 2] === h) {
          const at = entries[3 * id]!;
          const arena = this.arenaView;
          const differ =
            (entries[3 * id + 1]! ^ len) |
            ((arena.getInt32(at, true) & m0) ^ w0) |
            ((arena.getInt32(at + 4, true) & m1) ^ w1) |
            ((arena.getInt32(at + 8, true) & m2) ^ w2) |
            ((arena.getInt32(at + 12, true) & m3) ^ w3);
          if (differ === 0) break;
        }
      }
      out[i++] = id;
      repeats += ((id ^ prevId) - 1) >>> 31;
      prevId = id;
      if (!findRuns) continue;
      const runStart = i;
      while (
        i < n &&
        (validity === null || ((validity[(validOffset + i) >> 3]! >> ((validOffset + i) & 7)) & 1) === 1)
      ) {
        const s = offsets[first + i]!;
        if (offsets[first + i + 1]! - s !== len || s > readLimit) break;
        const differ =
          ((view.getInt32(s, true) & m0) ^ w0) |
          ((view.getInt32(s + 4, true) & m1) ^ w1) |
          ((view.getInt32(s + 8, true) & m2) ^ w2) |
          ((view.getInt32(s + 12, true) & m3) ^ w3);
        if (differ !== 0) break;
        out[i++] = id;
      }
      repeats += i - runStart;
    }
  }

  /**
   * Writes into out[0, n) the id of each values[first + i], null (id 0) where the validity bit validOffset + i is 0.
   */
  idsOfInt32(
    values: Int32Array,
    first: number,
    n: number,
    validity: Uint8Array | null,
    validOffset: number,
    out: Int32Array,
  ): void {
    for (let i = 0; i < n; i++) {
      if (validity !== null && ((validity[(validOffset + i) >> 3]! >> ((validOffset + i) & 7)) & 1) === 0) {
        out[i] = ByteDictionary.nullId;
        continue;
      }
      const value = values[first + i]!;
      if (value >>> 0 < smallInts) {
        // partition numbers and the like: a direct table, no hashing
        const id = this.smallIntIds[value]!;
        out[i] = id !== 0 ? id : (this.smallIntIds[value] = this.idOfInt32(value));
        continue;
      }
      const ints = this.ints;
      const mask = (ints.length >> 1) - 1;
      let slot = (Math.imul(value, PRIME1) >>> this.intShift) - 1; // one before the home slot: each probe steps first
      for (;;) {
        slot = (slot + 1) & mask;
        const id = ints[2 * slot + 1]!;
        if (id === 0) {
          out[i] = this.idOfInt32(value);
          break;
        }
        if (ints[2 * slot] === value) {
          out[i] = id;
          break;
        }
      }
    }
  }

  /** The id of a JS string (slow path: encodes it first). */
  idOfString(value: string): number {
    const bytes = encoder.encode(value);
    return this.idOfBytes(bytes, 0, bytes.length);
  }

  /** The id of an integer value, interned as its decimal text so it matches the same value read as a string. */
  idOfNumber(value: number): number {
    if ((value | 0) === value) return this.idOfInt32(value | 0);
    let id = this.numberIds.get(value);
    if (id === undefined) {
      id = this.idOfString(String(value));
      this.numberIds.set(value, id);
    }
    return id;
  }

  /**
   * Every value by id as text (index 0 is null): its UTF-8 text, or, for bytes that are not valid UTF-8 or whose
   * text starts with the marker `hex:`, the marker and the bytes in lowercase hex. Distinct bytes never share a text.
   */
  values(): (string | null)[] {
    const out: (string | null)[] = [null];
    for (let id = 1; id < this.size; id++) out.push(this.text(id));
    return out;
  }

  /** The value of one id as `values` gives it (null for the null id). */
  text(id: number): string | null {
    if (id === ByteDictionary.nullId) return null;
    const at = this.entries[3 * id]!;
    return textOfBytes(this.arena, at, at + this.entries[3 * id + 1]!);
  }

  /**
   * The value of `id` as plain UTF-8 text (null for the null id), without the `hex:` rule of `values`: for bytes
   * this tool wrote itself, which are valid UTF-8 and already carry any marker.
   */
  utf8Text(id: number): string | null {
    if (id === ByteDictionary.nullId) return null;
    const at = this.entries[3 * id]!;
    return decoder.decode(this.arena.subarray(at, at + this.entries[3 * id + 1]!));
  }

  /** The bytes of `id` (null for the null id): a view of the dictionary's arena, valid while the dictionary lives. */
  bytesOf(id: number): Uint8Array | null {
    if (id === ByteDictionary.nullId) return null;
    const at = this.entries[3 * id]!;
    return this.arena.subarray(at, at + this.entries[3 * id + 1]!);
  }

  /** The id of bytes[start, start + len) of any length, where `view` is a DataView of exactly `bytes`. */
  private idOfRange(view: DataView, bytes: Uint8Array, start: number, len: number): number {
    if (len <= 32 && start + 32 <= bytes.length) return this.idOfMedium(view, bytes, start, len);
    const h = hashRange(view, bytes, start, len);
    const table = this.table;
    const mask = this.mask;
    let slot = (h >>> this.shift) - 1; // one before the home slot: each probe steps first
    for (;;) {
      slot = (slot + 1) & mask;
      const id = table[slot]!;
      if (id === 0) return this.insert(view, bytes, start, len, h, slot);
      if (this.entries[3 * id + 2] === h && this.storedEquals(id, view, bytes, start, len)) return id;
    }
  }

  /** idOfRange for a value of at most 32 bytes that can be read 32 bytes at a time: its words masked, without loops. */
  private idOfMedium(view: DataView, bytes: Uint8Array, start: number, len: number): number {
    const m = len << 3;
    const w0 = view.getInt32(start, true) & SHORT_MASKS[m]!;
    const w1 = view.getInt32(start + 4, true) & SHORT_MASKS[m + 1]!;
    const w2 = view.getInt32(start + 8, true) & SHORT_MASKS[m + 2]!;
    const w3 = view.getInt32(start + 12, true) & SHORT_MASKS[m + 3]!;
    const w4 = view.getInt32(start + 16, true) & SHORT_MASKS[m + 4]!;
    const w5 = view.getInt32(start + 20, true) & SHORT_MASKS[m + 5]!;
    const w6 = view.getInt32(start + 24, true) & SHORT_MASKS[m + 6]!;
    const w7 = view.getInt32(start + 28, true) & SHORT_MASKS[m + 7]!;
    const h = mixShort((sumFirst(w0, w1, w2, w3, len) + sumSecond(w4, w5, w6, w7)) | 0);
    const table = this.table;
    const mask = this.mask;
    let slot = (h >>> this.shift) - 1; // one before the home slot: each probe steps first
    for (;;) {
      slot = (slot + 1) & mask;
      const id = table[slot]!;
      if (id === 0) return this.insert(view, bytes, start, len, h, slot);
      const entries = this.entries;
      if (entries[3 * id + 2] === h) {
        const at = entries[3 * id]!;
        const arena = this.arenaView;
        const differ =
          (entries[3 * id + 1]! ^ len) |
          ((arena.getInt32(at, true) & SHORT_MASKS[m]!) ^ w0) |
          ((arena.getInt32(at + 4, true) & SHORT_MASKS[m + 1]!) ^ w1) |
          ((arena.getInt32(at + 8, true) & SHORT_MASKS[m + 2]!) ^ w2) |
          ((arena.getInt32(at + 12, true) & SHORT_MASKS[m + 3]!) ^ w3) |
          ((arena.getInt32(at + 16, true) & SHORT_MASKS[m + 4]!) ^ w4) |
          ((arena.getInt32(at + 20, true) & SHORT_MASKS[m + 5]!) ^ w5) |
          ((arena.getInt32(at + 24, true) & SHORT_MASKS[m + 6]!) ^ w6) |
          ((arena.getInt32(at + 28, true) & SHORT_MASKS[m + 7]!) ^ w7);
        if (differ === 0) return id;
      }
    }
  }

  /** True when the value of `id` equals bytes[start, start + len). */
  private storedEquals(id: number, view: DataView, bytes: Uint8Array, start: number, len: number): boolean {
    if (this.entries[3 * id + 1] !== len) return false;
    const at = this.entries[3 * id]!;
    const arena = this.arenaView;
    let k = 0;
    for (; k + 4 <= len; k += 4) if (view.getInt32(start + k, true) !== arena.getInt32(at + k, true)) return false;
    for (; k < len; k++) if (bytes[start + k] !== this.arena[at + k]) return false;
    return true;
  }

  /** The id of an int32 value, interned as its decimal text. */
  private idOfInt32(value: number): number {
    const ints = this.ints;
    const mask = (ints.length >> 1) - 1;
    let slot = (Math.imul(value, PRIME1) >>> this.intShift) - 1; // one before the home slot: each probe steps first
    for (;;) {
      slot = (slot + 1) & mask;
      const id = ints[2 * slot + 1]!;
      if (id === 0) break;
      if (ints[2 * slot] === value) return id;
    }
    const id = this.idOfString(String(value));
    ints[2 * slot] = value;
    ints[2 * slot + 1] = id;
    if (++this.intCount * 2 > mask) this.growInts();
    return id;
  }

  /** Adds bytes[start, start + len) as the next id at the empty `slot` of its hash; grows what must grow. */
  private insert(view: DataView, bytes: Uint8Array, start: number, len: number, hash: number, slot: number): number {
    const id = this.size;
    if (this.arenaUsed + len + 32 > 0x7fffffff)
      throw new Error(`dictionary values exceed 2 GiB: ${id - 1} values of ${this.arenaUsed} bytes, next of ${len}`);
    this.size++;
    if (3 * id + 2 >= this.entries.length) {
      const next = new Int32Array(this.entries.length * 2);
      next.set(this.entries);
      this.entries = next;
    }
    const at = this.arenaUsed;
    if (at + len + 32 > this.arena.length) {
      const next = new Uint8Array(Math.min(0x7fffffff, Math.max(this.arena.length * 2, at + len + 32)));
      next.set(this.arena.subarray(0, at));
      this.arena = next;
      this.arenaView = new DataView(next.buffer);
    }
    if (len > 256) {
      this.arena.set(bytes.subarray(start, start + len), at);
    } else {
      const arena = this.arenaView;
      let k = 0;
      for (; k + 4 <= len; k += 4) arena.setInt32(at + k, view.getInt32(start + k, true), true);
      for (; k < len; k++) this.arena[at + k] = bytes[start + k]!;
    }
    this.entries[3 * id] = at;
    this.entries[3 * id + 1] = len;
    if (len > this.longestBytes) this.longestId = id;
    this.entries[3 * id + 2] = hash;
    this.arenaUsed = at + len;
    this.table[slot] = id;
    if (this.size * 2 > this.mask) this.rehash();
    return id;
  }

  /** Doubles the table, placing every id again by the hash stored with it. */
  private rehash(): void {
    const capacity = (this.mask + 1) * 2;
    const table = new Int32Array(capacity);
    const mask = capacity - 1;
    const shift = this.shift - 1;
    const entries = this.entries;
    for (let id = 1; id < this.size; id++) {
      let slot = entries[3 * id + 2]! >>> shift;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = id;
    }
    this.table = table;
    this.mask = mask;
    this.shift = shift;
  }

  /** Doubles the int32 table. */
  private growInts(): void {
    const old = this.ints;
    const ints = new Int32Array(old.length * 2);
    const mask = (ints.length >> 1) - 1;
    this.intShift--;
    for (let i = 0; i < old.length; i += 2) {
      const id = old[i + 1]!;
      if (id === 0) continue;
      let slot = Math.imul(old[i]!, PRIME1) >>> this.intShift;
      while (ints[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
      ints[2 * slot] = old[i]!;
      ints[2 * slot + 1] = id;
    }
    this.ints = ints;
  }
}

// xxhash32's primes, as signed int32.
const smallInts = 1024;
const PRIME1 = 0x9e3779b1 | 0;
const PRIME2 = 0x85ebca77 | 0;
const PRIME3 = 0xc2b2ae3d | 0;
const PRIME4 = 0x27d4eb2f | 0;
const PRIME5 = 0x165667b1 | 0;

/** Rows per block of idsOfUtf8 that share one choice of looking for runs of equal rows or not. */
const RUN_BLOCK = 1024;

/** [8 r + k]: the mask of little-endian word k (0-7) of a value of r (0-32) bytes, read from its first byte. */
const SHORT_MASKS = new Int32Array(33 * 8).map((_, i) => {
  const bytes = Math.max(0, Math.min(4, (i >> 3) - 4 * (i & 7)));
  return bytes === 4 ? -1 : (1 << (8 * bytes)) - 1;
});

/**
 * A value of at most 32 bytes hashes as mixShort(sumFirst(words 0-3, length) + sumSecond(words 4-7)), its words
 * little-endian and zero past its end (so sumSecond, zero for zeros, is skipped up to 16 bytes). Each word goes
 * through its own bijection (multiply, xorshift, rotate), so values differing in one word never collide, and the
 * xorshift keeps structured words (hex digits, counters) from cancelling out in the sum; mixShort folds the sum so
 * that its top bits, which pick the slot, depend on all of it.
 */
function sumFirst(w0: number, w1: number, w2: number, w3: number, len: number): number {
  return (
    (scramble(w0, PRIME1, 0) +
      scramble(w1, PRIME2, 4) +
      scramble(w2, PRIME3, 8) +
      scramble(w3, PRIME4, 12) +
      Math.imul(len, PRIME5)) |
    0
  );
}

/** The words 4-7 part of a short value's hash (see sumFirst). */
function sumSecond(w4: number, w5: number, w6: number, w7: number): number {
  return (
    (scramble(w4, PRIME5, 16) + scramble(w5, PRIME1, 20) + scramble(w6, PRIME2, 24) + scramble(w7, PRIME3, 28)) | 0
  );
}

/** A bijection of a word: multiply by an odd prime, fold the high half down, rotate into the word's own position. */
function scramble(word: number, prime: number, rotation: number): number {
  const a = Math.imul(word, prime);
  return rotl(a ^ (a >>> 16), rotation);
}

/** The hash of a short value from its sum (a bijection, so distinct sums never collide). */
function mixShort(x: number): number {
  return Math.imul(x ^ (x >>> 15), PRIME2);
}

/** Rotates a 32-bit word left by r (0-31) bits (x >>> 32 is x >>> 0, so r = 0 gives x). */
function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/** One xxhash32 lane round: accumulates `word` into `acc`. */
function lane(acc: number, word: number): number {
  return Math.imul(rotl((acc + Math.imul(word, PRIME2)) | 0, 13), PRIME1);
}

/**
 * The hash of bytes[start, start + len), of any length, reading byte by byte where whole words would run past the
 * value: up to 32 bytes as in idsOfUtf8 and idOfMedium, longer values as xxhash32 does (four lanes over 16-byte
 * stripes, the last one zero-padded, merged with the length and avalanched).
 */
function hashRange(view: DataView, bytes: Uint8Array, start: number, len: number): number {
  const end = start + len;
  if (len <= 32) {
    const word = (k: number): number => wordBefore(view, bytes, start + 4 * k, end);
    return mixShort(
      (sumFirst(word(0), word(1), word(2), word(3), len) + sumSecond(word(4), word(5), word(6), word(7))) | 0,
    );
  }
  let v1 = (PRIME1 + PRIME2) | 0;
  let v2 = PRIME2;
  let v3 = 0;
  let v4 = -PRIME1 | 0;
  let p = start;
  for (; p + 16 <= end; p += 16) {
    v1 = lane(v1, view.getInt32(p, true));
    v2 = lane(v2, view.getInt32(p + 4, true));
    v3 = lane(v3, view.getInt32(p + 8, true));
    v4 = lane(v4, view.getInt32(p + 12, true));
  }
  v1 = lane(v1, wordBefore(view, bytes, p, end));
  v2 = lane(v2, wordBefore(view, bytes, p + 4, end));
  v3 = lane(v3, wordBefore(view, bytes, p + 8, end));
  v4 = lane(v4, wordBefore(view, bytes, p + 12, end));
  let h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18) + len) | 0;
  h = Math.imul(h ^ (h >>> 15), PRIME2);
  h = Math.imul(h ^ (h >>> 13), PRIME3);
  return h ^ (h >>> 16);
}

/** True when bytes[a, a + len) equals bytes[b, b + len). */
function sameBytes(view: DataView, bytes: Uint8Array, a: number, b: number, len: number): boolean {
  let k = 0;
  for (; k + 4 <= len; k += 4) if (view.getInt32(a + k, true) !== view.getInt32(b + k, true)) return false;
  for (; k < len; k++) if (bytes[a + k] !== bytes[b + k]) return false;
  return true;
}

/** The little-endian word at bytes[at], keeping only bytes before `end` (zero past it, and zero when at >= end). */
function wordBefore(view: DataView, bytes: Uint8Array, at: number, end: number): number {
  if (at + 4 <= end) return view.getInt32(at, true);
  let w = 0;
  for (let k = 0; at + k < end; k++) w |= bytes[at + k]! << (8 * k);
  return w;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
