/**
 * Latency quantile sketch: DDSketch from @datadog/sketches-js (logarithmic mapping, 1% relative accuracy)
 * plus the exact max, with a compact canonical byte encoding of the bins.
 * The package is used for the key mapping, bin storage and quantile lookup only:
 * its toProto() needs protobufjs, which it does not depend on (DataDog/sketches-js#26), its dense-store bytes
 * carry growth padding that depends on insertion history, and DenseStore.merge can drop the range end when a
 * key is 0 (`secondKey || key`), so merge and serialization are done here, bin by bin.
 * Negative, NaN and infinite values are rejected (the package's merge also ignores negative stores).
 */
// Imported, not require()d when first needed: the CLI's bundle then holds the package's 17 CommonJS modules in its
// chunk, where resolving and loading them from node_modules cost each decode thread's first segment ~100 ms (profile
// of a 5M-row day, 2026-11-29).
import sketchesJs from '@datadog/sketches-js';
import { isBelow } from './measure-state.js';

type Sketch = InstanceType<typeof sketchesJs.DDSketch>;

const formatTag = 0x51; // 'Q'
const formatVersion = 1;
const defaultAccuracy = 0.01;

/** Reads unsigned LEB128 varints (up to 2^53) from a byte range. */
class VarintReader {
  pos: number; // next byte to read

  /** A reader over bytes[start, bytes.length). */
  constructor(
    readonly bytes: Uint8Array,
    start: number,
  ) {
    this.pos = start;
  }

  /** The next varint; throws past the end or beyond 2^53. */
  next(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = this.bytes[this.pos++];
      if (b === undefined)
        throw new Error(`quantile-sketch bytes truncated at offset ${this.pos - 1} of ${this.bytes.length}`);
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
      if (scale > 2 ** 53) throw new Error(`quantile-sketch bytes varint at offset ${this.pos} exceeds 2^53`);
    }
  }
}

let scratch = new Uint8Array(4096); // toBytes() output under construction

/** Writes `value` (integer 0..2^53) as an unsigned LEB128 varint at scratch[pos]; returns the next position. */
function writeVarint(pos: number, value: number): number {
  if (pos + 16 > scratch.length) growScratch();
  if (value < 0x80) {
    scratch[pos] = value; // most bin tokens and counts: one byte
    return pos + 1;
  }
  while (value >= 0x80) {
    scratch[pos++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  scratch[pos++] = value;
  return pos;
}

/** Doubles the scratch buffer, keeping its bytes. */
function growScratch(): void {
  const grown = new Uint8Array(2 * scratch.length);
  grown.set(scratch);
  scratch = grown;
}

const maxBytes = new Uint8Array(8); // the max as little-endian float64 bytes
const maxView = new DataView(maxBytes.buffer);

/** A mergeable quantile sketch of non-negative latencies (ms) with the exact max; bytes are deterministic. */
export class QuantileSketch {
  private readonly sketch: Sketch; // the package's DDSketch: positive bins + zero count
  private readonly accuracyBp: number; // relative accuracy in basis points (100 = 1%)
  private readonly keyLimit: number; // largest |bin key| a finite double can map to
  private maxValue = -Infinity; // exact largest value added, ms (-Infinity while empty)

  /** An empty sketch; relativeAccuracy must be a whole number of basis points (default 0.01 = 1%). */
  constructor(relativeAccuracy = defaultAccuracy) {
    const bp = Math.round(relativeAccuracy * 10000);
    if (!(bp >= 1 && bp <= 9999) || Math.abs(bp - relativeAccuracy * 10000) > 1e-6) {
      throw new Error(
        `quantile-sketch relative accuracy ${relativeAccuracy} is not a whole number of basis points in (0, 1)`,
      );
    }
    this.accuracyBp = bp;
    this.sketch = new sketchesJs.DDSketch({ relativeAccuracy: bp / 10000 });
    this.keyLimit = Math.ceil(Math.log(Number.MAX_VALUE) / Math.log(this.sketch.mapping.gamma)) + 2;
  }

  /** Number of values added (and merged in). */
  get count(): number {
    return this.sketch.count;
  }

  /** Exact largest value, ms; NaN when empty. */
  get max(): number {
    return this.sketch.count === 0 ? NaN : this.maxValue;
  }

  /** Relative accuracy of quantile(), e.g. 0.01. */
  get relativeAccuracy(): number {
    return this.accuracyBp / 10000;
  }

  /**
   * Adds one latency in ms; values below ~2.2e-308 count as 0 (DDSketch's zero bucket); negatives and non-finite throw.
   */
  add(value: number): void {
    if (!(value >= 0 && value < Infinity))
      throw new Error(`quantile-sketch value ${value} is not a finite latency >= 0`);
    this.sketch.accept(value);
    if (isBelow(this.maxValue, value)) this.maxValue = value;
  }

  /**
   * Sizes the bins for the values in [min, max] that are added next (nothing is added): the package's store otherwise
   * grows and re-centres its bins as each new extreme arrives, copying them each time. A hint only: the bins' counts,
   * and so the bytes and every quantile, are the same with or without it. Returns this.
   */
  reserve(min: number, max: number): this {
    const { mapping, store } = this.sketch;
    if (!(max > mapping.minPossible && max < Infinity)) return this;
    const high = mapping.key(max);
    const low = min > mapping.minPossible && min <= max ? mapping.key(min) : high;
    if (store.bins.length === 0) {
      // what the store's first add allocates (whole chunks of bins), without re-centring them at once
      store.bins = new Array<number>(store.chunkSize * Math.ceil((high - low + 1) / store.chunkSize)).fill(0);
      store.offset = low;
      store.minKey = low;
      store.maxKey = high;
    } else {
      store.add(high, 0);
      store.add(low, 0);
    }
    return this;
  }

  /**
   * Value at quantile q in [0, 1]: DDSketch's estimate of the sorted value at index floor(q * (count - 1)),
   * within the relative accuracy and capped at the exact max; exactly the max when that index is the last. Given the
   * exact min of the same samples (the record's `min`; the sketch does not keep it), floored at it and exactly it when
   * the index is the first, so that no percentile falls outside [min, max]. NaN when empty.
   */
  quantile(q: number, min?: number): number {
    if (!(q >= 0 && q <= 1)) throw new Error(`quantile-sketch quantile ${q} outside [0, 1]`);
    const n = this.sketch.count;
    if (n === 0) return NaN;
    const index = Math.floor(q * (n - 1));
    if (index === n - 1) return this.maxValue;
    if (min !== undefined && index === 0) return min;
    const value = Math.min(this.sketch.getValueAtQuantile(q), this.maxValue);
    return min !== undefined && value < min ? min : value;
  }

  /**
   * Adds all of `other` into this sketch (bin counts add exactly, so any merge order gives the same state); returns
   * this.
   */
  merge(other: QuantileSketch): this {
    if (other.accuracyBp !== this.accuracyBp) {
      throw new Error(`quantile-sketch merge relative accuracy ${this.relativeAccuracy} != ${other.relativeAccuracy}`);
    }
    const src = other.sketch.store;
    const dst = this.sketch.store;
    if (src.maxKey >= src.minKey) {
      // dst's bins sized once for both ends (the store grows per key otherwise, shifting every bin each time), then
      // bin by bin: the same counts per key as dst.add(key, count) for each of src's bins
      dst.add(src.maxKey, 0);
      dst.add(src.minKey, 0);
      dst.count += addBins(
        dst.bins,
        (src.offset - dst.offset) | 0,
        src.bins,
        src.minKey - src.offset,
        src.maxKey - src.offset,
      );
    }
    this.sketch.zeroCount += other.sketch.zeroCount;
    this.sketch.count += other.sketch.count;
    if (isBelow(this.maxValue, other.maxValue)) this.maxValue = other.maxValue;
    return this;
  }

  /** An independent copy: the state fromBytes(toBytes()) gives, without the bytes. */
  clone(): QuantileSketch {
    const copy = new QuantileSketch(this.accuracyBp / 10000);
    const from = this.sketch.store;
    const to = copy.sketch.store;
    to.bins = from.bins.slice();
    to.offset = from.offset;
    to.minKey = from.minKey;
    to.maxKey = from.maxKey;
    to.count = from.count;
    copy.sketch.zeroCount = this.sketch.zeroCount;
    copy.sketch.count = this.sketch.count;
    copy.maxValue = this.maxValue;
    return copy;
  }

  /**
   * Canonical bytes: tag 'Q', version 1, then varints: accuracy (basis points), zero count, bin count,
   * per non-empty bin (ascending key) a token = 2 * delta + (count > 1), then count - 2 when count > 1,
   * where delta is zigzag(key) for the first bin and the gap to the previous key minus 1 after it;
   * finally the max as a little-endian float64 when not empty.
   */
  toBytes(): Uint8Array {
    scratch[0] = formatTag;
    scratch[1] = formatVersion;
    let pos = writeVarint(2, this.accuracyBp);
    pos = writeVarint(pos, this.sketch.zeroCount);
    const { bins, offset, minKey, maxKey } = this.sketch.store;
    const first = (minKey - offset) | 0; // bin indexes as int32: the store's key fields start as +-Infinity doubles
    const last = maxKey >= minKey ? (maxKey - offset) | 0 : -1;
    const countAt = pos;
    pos += 8; // room for the bin-count varint, which is only known after the bins
    let nonEmpty = 0;
    let prev = -1;
    for (let i = first; i <= last; i++) {
      const c = bins[i]!;
      if (c === 0) continue;
      const key = i + offset;
      const delta = prev < 0 ? (key >= 0 ? 2 * key : -2 * key - 1) : i - prev - 1;
      pos = writeVarint(pos, 2 * delta + (c > 1 ? 1 : 0));
      if (c > 1) pos = writeVarint(pos, c - 2);
      prev = i;
      nonEmpty++;
    }
    const binsStart = writeVarint(countAt, nonEmpty);
    scratch.copyWithin(binsStart, countAt + 8, pos);
    pos -= countAt + 8 - binsStart;
    if (this.sketch.count > 0) {
      maxView.setFloat64(0, this.maxValue, true);
      scratch.set(maxBytes, pos); // writeVarint left at least 16 bytes of room
      pos += 8;
    }
    return scratch.slice(0, pos);
  }

  /** Decodes toBytes() output into a new sketch. */
  static fromBytes(bytes: Uint8Array): QuantileSketch {
    if (bytes.length < 3)
      throw new Error(`quantile-sketch bytes length ${bytes.length} shorter than the 3-byte header`);
    const bp = new VarintReader(bytes, 2).next();
    return new QuantileSketch(bp / 10000).mergeBytes(bytes);
  }

  /**
   * Merges toBytes() output straight into this sketch (no intermediate sketch); corrupt bytes throw and leave it
   * unchanged; returns this.
   */
  mergeBytes(bytes: Uint8Array): this {
    if (bytes[0] !== formatTag || bytes[1] !== formatVersion) {
      throw new Error(
        `quantile-sketch bytes tag ${bytes[0]} version ${bytes[1]}, expected ${formatTag} version ${formatVersion}`,
      );
    }
    const r = new VarintReader(bytes, 2);
    const bp = r.next();
    if (bp !== this.accuracyBp)
      throw new Error(`quantile-sketch merge relative accuracy ${this.relativeAccuracy} != ${bp / 10000}`);
    const zeros = r.next();
    const bins = r.next();
    if (bins > bytes.length) throw new Error(`quantile-sketch bytes bin count ${bins} exceeds length ${bytes.length}`);
    const keys: number[] = [];
    const counts: number[] = [];
    let total = zeros;
    let key = 0;
    for (let i = 0; i < bins; i++) {
      const token = r.next();
      const delta = Math.floor(token / 2);
      key = i === 0 ? (delta % 2 === 0 ? delta / 2 : -(delta + 1) / 2) : key + delta + 1;
      if (key > this.keyLimit || key < -this.keyLimit)
        throw new Error(`quantile-sketch bytes bin key ${key} outside +-${this.keyLimit}`);
      const c = token % 2 === 1 ? r.next() + 2 : 1;
      keys.push(key);
      counts.push(c);
      total += c;
    }
    let max = -Infinity;
    const end = r.pos + (total > 0 ? 8 : 0);
    if (end !== bytes.length) throw new Error(`quantile-sketch bytes length ${bytes.length}, expected ${end}`);
    if (total > 0) {
      max = new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getFloat64(r.pos, true);
      if (!(max >= 0 && max < Infinity))
        throw new Error(`quantile-sketch bytes max ${max} is not a finite latency >= 0`);
    }
    if (!(this.sketch.count + total <= Number.MAX_SAFE_INTEGER))
      throw new Error(`quantile-sketch merge count ${this.sketch.count} + ${total} exceeds 2^53`);
    const store = this.sketch.store;
    if (keys.length > 1) {
      store.add(keys[keys.length - 1]!, 0); // size the bins once for the whole key range instead of growing per key
      store.add(keys[0]!, 0);
    }
    for (let i = 0; i < keys.length; i++) store.add(keys[i]!, counts[i]!);
    this.sketch.zeroCount += zeros;
    this.sketch.count += total;
    if (isBelow(this.maxValue, max)) this.maxValue = max;
    return this;
  }
}

/** Adds from[i] to into[i + shift] for i in first..last; returns the sum added. */
function addBins(into: number[], shift: number, from: readonly number[], first: number, last: number): number {
  let added = 0;
  for (let i = first; i <= last; i++) {
    const c = from[i]!;
    if (c !== 0) {
      into[i + shift]! += c;
      added += c;
    }
  }
  return added;
}

/** A new empty latency sketch with 1% relative accuracy. */
export function createQuantileSketch(): QuantileSketch {
  return new QuantileSketch();
}
