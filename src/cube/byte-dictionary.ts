/**
 * Interns UTF-8 byte strings as dense ids without creating a JS string per value:
 * bytes are hashed and compared in place, and decoded once per distinct value at the end.
 * Id 0 is reserved for null; real values get ids 1, 2, ... in order of first sight.
 */
export class ByteDictionary {
  static readonly nullId = 0;
  private arena = new Uint8Array(1 << 16); // bytes of every distinct value, back to back
  private arenaUsed = 0;
  private starts = new Int32Array(1024); // starts[id], ends[id]: the value's bytes in the arena
  private ends = new Int32Array(1024);
  private hashes = new Int32Array(1024); // hashes[id]
  private size = 1; // ids in use, including the null id
  private slots = new Int32Array(2048).fill(-1); // open addressing: slot -> id, -1 empty
  private mask = 2047;
  private readonly numberIds = new Map<number, number>(); // integer dimension values -> id

  /** How many ids are in use, counting the null id. */
  get count(): number {
    return this.size;
  }

  /** Bytes held by the dictionary's value arena (for memory accounting). */
  get byteSize(): number {
    return this.arenaUsed;
  }

  /** The id of bytes[start, end), interning it when new. */
  idOfBytes(bytes: Uint8Array, start: number, end: number): number {
    let h = 0x811c9dc5 | 0;
    for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
    h ^= h >>> 15;
    let slot = h & this.mask;
    const len = end - start;
    for (;;) {
      const id = this.slots[slot]!;
      if (id < 0) return this.insert(bytes, start, end, h, slot);
      if (this.hashes[id] === h && this.ends[id]! - this.starts[id]! === len && this.sameBytes(id, bytes, start, len)) return id;
      slot = (slot + 1) & this.mask;
    }
  }

  /** The id of a JS string (slow path: encodes it first). */
  idOfString(value: string): number {
    const bytes = encoder.encode(value);
    return this.idOfBytes(bytes, 0, bytes.length);
  }

  /** The id of an integer value, interned as its decimal text so it matches the same value read as a string. */
  idOfNumber(value: number): number {
    let id = this.numberIds.get(value);
    if (id === undefined) {
      id = this.idOfString(String(value));
      this.numberIds.set(value, id);
    }
    return id;
  }

  /** Every value by id: index 0 is null. */
  values(): (string | null)[] {
    const out: (string | null)[] = [null];
    for (let id = 1; id < this.size; id++) out.push(decoder.decode(this.arena.subarray(this.starts[id]!, this.ends[id]!)));
    return out;
  }

  private sameBytes(id: number, bytes: Uint8Array, start: number, len: number): boolean {
    const a = this.arena;
    const s = this.starts[id]!;
    for (let i = 0; i < len; i++) if (a[s + i] !== bytes[start + i]) return false;
    return true;
  }

  private insert(bytes: Uint8Array, start: number, end: number, hash: number, slot: number): number {
    const id = this.size++;
    if (id >= this.starts.length) this.growIds();
    const len = end - start;
    if (this.arenaUsed + len > this.arena.length) {
      const next = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + len));
      next.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = next;
    }
    this.arena.set(bytes.subarray(start, end), this.arenaUsed);
    this.starts[id] = this.arenaUsed;
    this.arenaUsed += len;
    this.ends[id] = this.arenaUsed;
    this.hashes[id] = hash;
    this.slots[slot] = id;
    if (this.size * 2 > this.mask) this.rehash();
    return id;
  }

  private growIds(): void {
    const grow = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
      const next = new Int32Array(a.length * 2);
      next.set(a);
      return next;
    };
    this.starts = grow(this.starts);
    this.ends = grow(this.ends);
    this.hashes = grow(this.hashes);
  }

  private rehash(): void {
    const capacity = (this.mask + 1) * 2;
    this.slots = new Int32Array(capacity).fill(-1);
    this.mask = capacity - 1;
    for (let id = 1; id < this.size; id++) {
      let slot = this.hashes[id]! & this.mask;
      while (this.slots[slot]! >= 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = id;
    }
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
