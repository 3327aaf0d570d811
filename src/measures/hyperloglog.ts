// Over 300 lines: one wire format (Apache DataSketches HLL_8) with its hash (MurmurHash3 x64) and estimator, which
// must stay byte-compatible with Druid's reader as a whole.
/**
 * HyperLogLog distinct-count sketch whose bytes follow Apache DataSketches' HLL serialization
 * (serVer 1, family 7, target HLL_8) so Druid and Pinot can union them.
 * Items are hashed as DataSketches' HllSketch.update(String | byte[]) does: MurmurHash3_x64_128, seed 9001,
 * coupon = (min(62, leadingZeros(hash[1])) + 1) << 26 | (hash[0] & 0x3ffffff).
 * Up to a few hundred coupons the sketch stays sparse (DataSketches LIST / SET modes: 4 bytes per coupon),
 * then turns into 2^p one-byte registers (HLL mode). The mode depends only on the set of coupons,
 * so merge order never changes the bytes.
 */

const seed = 9001; // DataSketches DEFAULT_UPDATE_SEED
const keyMask26 = 0x3ffffff;
const minP = 4;
const maxP = 21;
const serVer = 1;
const familyHll = 7;
const listPreInts = 2;
const setPreInts = 3;
const hllPreInts = 10;
const flagEmpty = 4;
const flagCompact = 8;
const flagOutOfOrder = 16;
const modeList = 0;
const modeSet = 1;
const modeHll = 2;
const typeHll8 = 2;
const listMax = 7; // a LIST of 8 slots is promoted when full
const hllArrayStart = 40; // preamble bytes before the registers in HLL mode
const q = 62; // Ertl's q: register values run 1..q+1 (leading zeros of a 64-bit hash, capped)

// ---- MurmurHash3_x64_128 on 32-bit halves (no BigInt in the hot path) ----
// Results go through typed arrays: a uint32 kept in a module variable would be boxed as a heap number.

const r = new Uint32Array(2); // result of the last 64-bit helper: [lo, hi]
const h = new Uint32Array(4); // result of the last murmur(): [hash[0] lo, hash[0] hi, hash[1] lo, hash[1] hi]

/** Low 64 bits of a * b, into r. */
function mul64(aHi: number, aLo: number, bHi: number, bLo: number): void {
  const a0 = aLo & 0xffff;
  const a1 = aLo >>> 16;
  const b0 = bLo & 0xffff;
  const b1 = bLo >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  r[0] = ((mid & 0xffff) << 16) | (p00 & 0xffff);
  r[1] = (mid >>> 16) + (p01 >>> 16) + (p10 >>> 16) + a1 * b1 + Math.imul(aHi, bLo) + Math.imul(aLo, bHi);
}

/** a + b mod 2^64 (uint32 halves), into r. */
function add64(aHi: number, aLo: number, bHi: number, bLo: number): void {
  const lo = aLo + bLo;
  r[0] = lo;
  r[1] = aHi + bHi + (lo > 0xffffffff ? 1 : 0);
}

/** Rotate left by n in 1..31, into r. */
function rotl64(hi: number, lo: number, n: number): void {
  r[1] = (hi << n) | (lo >>> (32 - n));
  r[0] = (lo << n) | (hi >>> (32 - n));
}

/** k1 mixing (k *= c1; rotl 31; k *= c2), into r. */
function mixK1(hi: number, lo: number): void {
  mul64(hi, lo, 0x87c37b91, 0x114253d5);
  rotl64(r[1]!, r[0]!, 31);
  mul64(r[1]!, r[0]!, 0x4cf5ad43, 0x2745937f);
}

/** k2 mixing (k *= c2; rotl 33; k *= c1), into r. */
function mixK2(hi: number, lo: number): void {
  mul64(hi, lo, 0x4cf5ad43, 0x2745937f);
  rotl64(r[0]!, r[1]!, 1); // rotl 33 = swap the words, then rotl 1
  mul64(r[1]!, r[0]!, 0x87c37b91, 0x114253d5);
}

/** MurmurHash3 finalizer (k ^= k >>> 33; k *= c3; k ^= k >>> 33; k *= c4; k ^= k >>> 33), into r. */
function fmix64(hi: number, lo: number): void {
  mul64(hi, lo ^ (hi >>> 1), 0xff51afd7, 0xed558ccd);
  mul64(r[1]!, r[0]! ^ (r[1]! >>> 1), 0xc4ceb9fe, 0x1a85ec53);
  r[0] = r[0]! ^ (r[1]! >>> 1);
}

/** Writes a uint32 little-endian at b[i]. */
function write32(b: Uint8Array, i: number, v: number): void {
  b[i] = v;
  b[i + 1] = v >>> 8;
  b[i + 2] = v >>> 16;
  b[i + 3] = v >>> 24;
}

/** Reads a little-endian uint32 (as an int32 bit pattern). */
function read32(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

/** MurmurHash3_x64_128 of bytes[start, end) with a 32-bit seed, into h. */
function murmur(bytes: Uint8Array, start: number, end: number, s: number): void {
  let aHi = 0; // h1
  let aLo = s >>> 0;
  let bHi = 0; // h2
  let bLo = s >>> 0;
  const len = end - start;
  const blocksEnd = start + (len - (len & 15));
  for (let i = start; i < blocksEnd; i += 16) {
    mixK1(read32(bytes, i + 4), read32(bytes, i));
    rotl64(aHi ^ r[1]!, aLo ^ r[0]!, 27);
    add64(r[1]!, r[0]!, bHi, bLo);
    mul64(r[1]!, r[0]!, 0, 5);
    add64(r[1]!, r[0]!, 0, 0x52dce729);
    aHi = r[1]!;
    aLo = r[0]!;
    mixK2(read32(bytes, i + 12), read32(bytes, i + 8));
    rotl64(bHi ^ r[1]!, bLo ^ r[0]!, 31);
    add64(r[1]!, r[0]!, aHi, aLo);
    mul64(r[1]!, r[0]!, 0, 5);
    add64(r[1]!, r[0]!, 0, 0x38495ab5);
    bHi = r[1]!;
    bLo = r[0]!;
  }
  const rest = len & 15;
  if (rest > 8) {
    let kHi = 0;
    let kLo = 0;
    for (let j = 8; j < rest; j++) {
      const v = bytes[blocksEnd + j]!;
      if (j < 12) kLo |= v << (8 * (j - 8));
      else kHi |= v << (8 * (j - 12));
    }
    mixK2(kHi, kLo);
    bHi = (bHi ^ r[1]!) >>> 0;
    bLo = (bLo ^ r[0]!) >>> 0;
  }
  if (rest > 0) {
    let kHi = 0;
    let kLo = 0;
    for (let j = 0; j < rest && j < 8; j++) {
      const v = bytes[blocksEnd + j]!;
      if (j < 4) kLo |= v << (8 * j);
      else kHi |= v << (8 * (j - 4));
    }
    mixK1(kHi, kLo);
    aHi = (aHi ^ r[1]!) >>> 0;
    aLo = (aLo ^ r[0]!) >>> 0;
  }
  add64(aHi, (aLo ^ len) >>> 0, bHi, (bLo ^ len) >>> 0); // h1 ^= len; h2 ^= len (len < 2^32); h1 += h2
  aHi = r[1]!;
  aLo = r[0]!;
  add64(bHi, (bLo ^ len) >>> 0, aHi, aLo); // h2 += h1
  fmix64(r[1]!, r[0]!);
  bHi = r[1]!;
  bLo = r[0]!;
  fmix64(aHi, aLo);
  add64(r[1]!, r[0]!, bHi, bLo); // h1 += h2
  h[0] = r[0]!;
  h[1] = r[1]!;
  add64(bHi, bLo, r[1]!, r[0]!); // h2 += h1
  h[2] = r[0]!;
  h[3] = r[1]!;
}

/**
 * MurmurHash3_x64_128 of `bytes` as DataSketches returns it: [hash[0], hash[1]] as unsigned 64-bit (interop and tests;
 * not the hot path).
 */
export function murmurHash3x64(bytes: Uint8Array, hashSeed = seed): readonly [bigint, bigint] {
  murmur(bytes, 0, bytes.length, hashSeed);
  return [(BigInt(h[1]!) << 32n) | BigInt(h[0]!), (BigInt(h[3]!) << 32n) | BigInt(h[2]!)];
}

// ---- estimator (Ertl 2017, "New cardinality estimation algorithms for HyperLogLog sketches") ----

/** Ertl's sigma(x) for the share of empty registers. */
function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  let prev: number;
  do {
    x *= x;
    prev = z;
    z += x * y;
    y += y;
  } while (z !== prev);
  return z;
}

/** Ertl's tau(x) for the share of saturated registers. */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  let prev: number;
  do {
    x = Math.sqrt(x);
    prev = z;
    y *= 0.5;
    z -= (1 - x) * (1 - x) * y;
  } while (z !== prev);
  return z / 3;
}

const histogram = new Float64Array(64); // scratch: registers per value

/** Ertl's improved raw estimator: no bias tables, valid from 0 to beyond 2^40 distinct items. */
function ertlEstimate(registers: Uint8Array): number {
  const m = registers.length;
  histogram.fill(0);
  for (let i = 0; i < m; i++) histogram[registers[i]!]! += 1;
  let z = m * tau(1 - histogram[q + 1]! / m);
  for (let k = q; k >= 1; k--) z = 0.5 * (z + histogram[k]!);
  z += m * sigma(histogram[0]! / m);
  return (m * m) / (2 * Math.LN2 * z);
}

/**
 * Distinct coupons a sketch of precision p keeps sparse before it turns into registers (DataSketches' LIST/SET limits).
 */
function sparseLimit(p: number): number {
  return p < 8 ? listMax : 3 << (p - 5); // SET: 3/4 of 2^(p-3) slots
}

/** log2 of the hash-set slots DataSketches would use for n coupons (written in the SET preamble). */
function setLgArr(n: number): number {
  let lg = 5;
  while (4 * n > 3 * (1 << lg)) lg++;
  return lg;
}

const encoder = new TextEncoder();
let scratch = new Uint8Array(256); // UTF-8 of the string being added

/**
 * A mergeable distinct-count sketch (HLL_8 registers, sparse below a few hundred items), DataSketches-compatible bytes.
 */
export class HyperLogLog {
  private lgK: number; // precision p: the sketch has 2^p registers once dense
  private list: number[] | null = null; // sparse, up to 7 coupons (DataSketches LIST): distinct, unsorted
  private table: Uint32Array | null = null; // sparse, 8 coupons on (SET): open-addressing set, 0 = free slot
  private couponCount = 0; // sparse: distinct coupons in `list` or `table`
  private registers: Uint8Array | null = null; // dense: per slot the largest coupon value 1..63 (0 = none)

  /** An empty sketch with 2^p registers (p in 4..21; 12 gives 4096 registers, ~1.6% standard error). */
  constructor(p = 12) {
    if (!Number.isInteger(p) || p < minP || p > maxP)
      throw new Error(`hyperloglog precision ${p} outside ${minP}..${maxP}`);
    this.lgK = p;
  }

  /** The precision p (log2 of the register count); merging with a smaller p lowers it. */
  get p(): number {
    return this.lgK;
  }

  /**
   * Adds an item by a precomputed 64-bit hash hi:lo (uint32 halves): low 26 bits of lo pick the slot, leading zeros of
   * the upper 38 bits the value. Not DataSketches' hashing of the item.
   */
  addHash(lo: number, hi: number): void {
    hi >>>= 0;
    const top6 = lo >>> 26;
    const lz = hi !== 0 ? Math.clz32(hi) : 32 + (top6 !== 0 ? Math.clz32(top6) - 26 : 6);
    this.addCoupon((((lz + 1) << 26) | (lo & keyMask26)) >>> 0);
  }

  /** Adds a string by its UTF-8 bytes, as DataSketches' update(String); the empty string is ignored like there. */
  addString(s: string): void {
    const n = s.length;
    if (n === 0) return;
    if (scratch.length < 3 * n) scratch = new Uint8Array(Math.max(3 * n, 2 * scratch.length));
    let written = 0;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        written = encoder.encodeInto(s, scratch).written; // lone surrogates become U+FFFD (Java writes '?')
        break;
      }
      scratch[written++] = c;
    }
    this.addBytes(scratch, 0, written);
  }

  /** Adds the item bytes[start, end), as DataSketches' update(byte[]); an empty range is ignored like there. */
  addBytes(bytes: Uint8Array, start = 0, end = bytes.length): void {
    if (end <= start) return;
    murmur(bytes, start, end, seed);
    const lz = h[3] !== 0 ? Math.clz32(h[3]!) : 32 + Math.clz32(h[2]!);
    this.addCoupon((((Math.min(lz, q) + 1) << 26) | (h[0]! & keyMask26)) >>> 0);
  }

  /** Merges `other` into this sketch (register-wise max / coupon union; the smaller p wins); returns this. */
  merge(other: HyperLogLog): this {
    if (other.lgK < this.lgK) this.downsample(other.lgK);
    const theirs = other.registers;
    if (theirs !== null) {
      if (this.registers === null) this.densify();
      const ours = this.registers!;
      const mask = ours.length - 1;
      for (let i = 0; i < theirs.length; i++) {
        const v = theirs[i]!;
        if (v > ours[i & mask]!) ours[i & mask] = v;
      }
    } else {
      other.forEachCoupon((c) => this.addCoupon(c));
    }
    return this;
  }

  /** An independent copy: the state fromBytes(toBytes()) gives (the same coupons or registers), without the bytes. */
  clone(): HyperLogLog {
    const copy = new HyperLogLog(this.lgK);
    copy.list = this.list === null ? null : this.list.slice();
    copy.table = this.table === null ? null : this.table.slice();
    copy.couponCount = this.couponCount;
    copy.registers = this.registers === null ? null : this.registers.slice();
    return copy;
  }

  /** Estimated number of distinct items: exact coupon count while sparse, Ertl's estimator once dense. */
  estimate(): number {
    return this.registers === null ? this.couponCount : ertlEstimate(this.registers);
  }

  /**
   * Compact DataSketches HLL_8 bytes: LIST (8 + 4n bytes), SET (12 + 4n) or HLL (40 + 2^p); coupons sorted, so
   * deterministic.
   */
  toBytes(): Uint8Array {
    const regs = this.registers;
    if (regs !== null) return this.hllBytes(regs);
    const n = this.couponCount;
    const coupons = this.sortedCoupons(n);
    const list = n <= listMax;
    const start = list ? 8 : 12;
    const out = new Uint8Array(start + 4 * n);
    out[0] = list ? listPreInts : setPreInts;
    out[1] = serVer;
    out[2] = familyHll;
    out[3] = this.lgK;
    out[4] = list ? 3 : setLgArr(n);
    out[5] = flagCompact | (n === 0 ? flagEmpty : 0) | (list ? 0 : flagOutOfOrder);
    out[6] = list ? n : 0;
    out[7] = (typeHll8 << 2) | (list ? modeList : modeSet);
    if (!list) write32(out, 8, n);
    for (let i = 0; i < n; i++) write32(out, start + 4 * i, coupons[i]!);
    return out;
  }

  /** Reads DataSketches HLL bytes (LIST or SET of any target type, HLL mode of HLL_8; compact or updatable). */
  static fromBytes(bytes: Uint8Array): HyperLogLog {
    const len = bytes.length;
    if (len < 8) throw new Error(`hyperloglog bytes length ${len} shorter than the 8-byte preamble`);
    const preInts = bytes[0]! & 0x3f;
    const lgK = bytes[3]!;
    const lgArr = bytes[4]!;
    const flags = bytes[5]!;
    const mode = bytes[7]! & 3;
    const type = (bytes[7]! >>> 2) & 3;
    if (bytes[1] !== serVer || bytes[2] !== familyHll) {
      throw new Error(
        `hyperloglog bytes serVer ${bytes[1]} family ${bytes[2]}, expected serVer ${serVer} family ${familyHll}`,
      );
    }
    const expectedPreInts =
      mode === modeList ? listPreInts : mode === modeSet ? setPreInts : mode === modeHll ? hllPreInts : -1;
    if (preInts !== expectedPreInts) throw new Error(`hyperloglog bytes preInts ${preInts} do not match mode ${mode}`);
    if (lgK < minP || lgK > maxP) throw new Error(`hyperloglog bytes lgK ${lgK} outside ${minP}..${maxP}`);
    const sketch = new HyperLogLog(lgK);
    if (mode === modeHll) {
      if (type !== typeHll8)
        throw new Error(`hyperloglog bytes target type HLL_${[4, 6, 8][type] ?? type} unsupported, only HLL_8`);
      const k = 1 << lgK;
      if (len < hllArrayStart + k)
        throw new Error(`hyperloglog bytes length ${len} shorter than ${hllArrayStart + k} for lgK ${lgK}`);
      const regs = bytes.slice(hllArrayStart, hllArrayStart + k);
      for (let i = 0; i < k; i++) {
        if (regs[i]! > q + 1) throw new Error(`hyperloglog bytes register ${i} value ${regs[i]} exceeds ${q + 1}`);
      }
      sketch.registers = regs;
      return sketch;
    }
    if ((flags & flagEmpty) !== 0) return sketch;
    const start = mode === modeList ? 8 : 12;
    const declared =
      mode === modeList ? bytes[6]! : new DataView(bytes.buffer, bytes.byteOffset, len).getInt32(8, true);
    if (lgArr > 26) throw new Error(`hyperloglog bytes lgArr ${lgArr} exceeds 26`);
    const slots = (flags & flagCompact) !== 0 ? declared : 1 << lgArr;
    if (slots < 0 || len < start + 4 * slots)
      throw new Error(`hyperloglog bytes length ${len} shorter than ${start + 4 * slots} for ${slots} coupons`);
    for (let i = 0; i < slots; i++) {
      const c = read32(bytes, start + 4 * i) >>> 0;
      if (c === 0) continue; // free slot of an updatable array
      if (c >>> 26 > q + 1)
        throw new Error(`hyperloglog bytes coupon ${c} at offset ${start + 4 * i} has value ${c >>> 26} > ${q + 1}`);
      sketch.addCoupon(c);
    }
    return sketch;
  }

  /** Adds one DataSketches coupon (value << 26 | 26-bit address), as uint32. */
  private addCoupon(c: number): void {
    const regs = this.registers;
    if (regs !== null) {
      const slot = c & (regs.length - 1);
      const v = c >>> 26;
      if (v > regs[slot]!) regs[slot] = v;
      return;
    }
    if (this.table !== null) {
      this.insert(this.table, c);
      return;
    }
    const list = this.list;
    if (list === null) {
      this.list = [c];
      this.couponCount = 1;
      return;
    }
    for (let i = 0; i < list.length; i++) if (list[i] === c) return;
    if (list.length < listMax) {
      list.push(c);
      this.couponCount++;
    } else if (this.lgK < 8) {
      this.densify();
      this.addCoupon(c);
    } else {
      this.rehash(32); // DataSketches' first SET size
      this.addCoupon(c);
    }
  }

  /** Inserts c into the SET table; densifies past the sparse limit, doubles the table past 3/4 full. */
  private insert(t: Uint32Array, c: number): void {
    const mask = t.length - 1;
    let i = c & mask;
    for (let e = t[i]!; e !== 0; e = t[i]!) {
      if (e === c) return;
      i = (i + 1) & mask;
    }
    t[i] = c;
    this.couponCount++;
    if (this.couponCount > sparseLimit(this.lgK)) this.densify();
    else if (4 * this.couponCount > 3 * t.length) this.rehash(2 * t.length);
  }

  /** The n sparse coupons in ascending order (a typed array sorts numerically, without a comparator call per pair). */
  private sortedCoupons(n: number): Uint32Array {
    const out = new Uint32Array(n);
    let k = 0;
    const list = this.list;
    if (list !== null) for (let i = 0; i < list.length; i++) out[k++] = list[i]!;
    const t = this.table;
    if (t !== null) for (let i = 0; i < t.length; i++) if (t[i] !== 0) out[k++] = t[i]!;
    return out.sort();
  }

  /** Calls fn with every sparse coupon (nothing when dense). */
  private forEachCoupon(fn: (c: number) => void): void {
    const list = this.list;
    if (list !== null) for (let i = 0; i < list.length; i++) fn(list[i]!);
    const t = this.table;
    if (t !== null) for (let i = 0; i < t.length; i++) if (t[i] !== 0) fn(t[i]!);
  }

  /** Moves the sparse coupons into a SET table of `size` slots. */
  private rehash(size: number): void {
    const t = new Uint32Array(size);
    const coupons: number[] = [];
    this.forEachCoupon((c) => coupons.push(c));
    this.list = null;
    this.table = t;
    this.couponCount = 0;
    for (const c of coupons) this.insert(t, c);
  }

  /** Switches from sparse coupons to 2^p registers. */
  private densify(): void {
    const coupons: number[] = [];
    this.forEachCoupon((c) => coupons.push(c));
    this.list = null;
    this.table = null;
    this.couponCount = 0;
    this.registers = new Uint8Array(1 << this.lgK);
    for (const c of coupons) this.addCoupon(c);
  }

  /** Lowers the precision to p: registers fold by slot (exact, coupons do not depend on p); sparse may densify. */
  private downsample(p: number): void {
    this.lgK = p;
    const regs = this.registers;
    if (regs === null) {
      if (this.couponCount > sparseLimit(p)) this.densify();
      return;
    }
    const folded = new Uint8Array(1 << p);
    const mask = folded.length - 1;
    for (let i = 0; i < regs.length; i++) if (regs[i]! > folded[i & mask]!) folded[i & mask] = regs[i]!;
    this.registers = folded;
  }

  /** HLL-mode bytes: preamble with KxQ sums and zero count as DataSketches keeps them, then one byte per register. */
  private hllBytes(regs: Uint8Array): Uint8Array {
    const k = regs.length;
    const out = new Uint8Array(hllArrayStart + k);
    const view = new DataView(out.buffer);
    let kxq0 = 0;
    let kxq1 = 0;
    let zeros = 0;
    for (let i = 0; i < k; i++) {
      const v = regs[i]!;
      if (v === 0) zeros++;
      if (v < 32) kxq0 += 2 ** -v;
      else kxq1 += 2 ** -v;
    }
    out[0] = hllPreInts;
    out[1] = serVer;
    out[2] = familyHll;
    out[3] = this.lgK;
    out[4] = 0; // lgArr: only HLL_4's aux table uses it
    out[5] = flagCompact | flagOutOfOrder; // out-of-order: readers ignore the HIP accumulator and use KxQ
    out[6] = 0; // curMin is always 0 for HLL_8
    out[7] = (typeHll8 << 2) | modeHll;
    view.setFloat64(8, ertlEstimate(regs), true); // HIP accumulator slot: our estimate, a function of the registers
    view.setFloat64(16, kxq0, true);
    view.setFloat64(24, kxq1, true);
    view.setInt32(32, zeros, true); // numAtCurMin
    view.setInt32(36, 0, true); // auxCount
    out.set(regs, hllArrayStart);
    return out;
  }
}
