/**
 * Just enough of the Thrift compact protocol (the encoding of a Parquet footer) to walk a struct's top-level fields
 * without understanding them, and to write a struct back with some fields replaced.
 */

/** Compact protocol type ids. */
export const thriftType = {
  stop: 0,
  true: 1,
  false: 2,
  byte: 3,
  i16: 4,
  i32: 5,
  i64: 6,
  double: 7,
  binary: 8,
  list: 9,
  set: 10,
  map: 11,
  struct: 12,
} as const;

/** Raised for bytes that are not a well-formed compact-protocol struct; says at which offset. */
export class ThriftDecodeError extends Error {
  override readonly name = 'ThriftDecodeError';
}

/** One top-level field of a struct: its id, type and the bytes of its value (after the field header). */
export interface ThriftField {
  readonly id: number;
  readonly type: number;
  readonly value: Uint8Array;
}

/** The top-level fields of the struct that starts at `bytes[0]`, in the order they appear. */
export function readStructFields(bytes: Uint8Array): ThriftField[] {
  const reader = new CompactReader(bytes);
  const fields: ThriftField[] = [];
  let id = 0;
  for (;;) {
    const header = reader.byte();
    if (header === thriftType.stop) return fields;
    const type = header & 0x0f;
    const delta = header >> 4;
    id = delta === 0 ? reader.zigzag() : id + delta;
    const start = reader.pos;
    reader.skip(type, false);
    fields.push({ id, type, value: bytes.subarray(start, reader.pos) });
  }
}

/** Reads a list<struct> value into each element's top-level fields. */
export function readStructList(value: Uint8Array): ThriftField[][] {
  const reader = new CompactReader(value);
  const { size, elementType } = reader.listHeader();
  if (elementType !== thriftType.struct)
    throw new ThriftDecodeError(`thrift list holds type ${elementType}, expected structs`);
  const out: ThriftField[][] = [];
  for (let i = 0; i < size; i++) {
    const start = reader.pos;
    reader.skip(thriftType.struct, false);
    out.push(readStructFields(value.subarray(start, reader.pos)));
  }
  return out;
}

/** Writes a struct from fields (sorted by id here, so headers can use the short delta form). */
export function writeStruct(fields: readonly ThriftField[]): Uint8Array {
  const w = new CompactWriter();
  w.struct(fields);
  return w.bytes();
}

/** Writes a list of structs. */
export function writeStructList(elements: readonly (readonly ThriftField[])[]): Uint8Array {
  const w = new CompactWriter();
  w.listHeader(elements.length, thriftType.struct);
  for (const e of elements) w.struct(e);
  return w.bytes();
}

/** A binary (string) value, UTF-8 encoded with its length prefix. */
export function binaryValue(text: string): Uint8Array {
  const w = new CompactWriter();
  const utf8 = new TextEncoder().encode(text);
  w.varint(utf8.length);
  w.raw(utf8);
  return w.bytes();
}

/** The number of elements of a list or set value. */
export function readListSize(value: Uint8Array): number {
  return new CompactReader(value).listHeader().size;
}

/** An i64 value (zigzag varint) as a number; refuses values beyond 2^53, which no count in a footer reaches. */
export function readInteger(value: Uint8Array): number {
  const reader = new CompactReader(value);
  let v = 0;
  for (let shift = 0; shift < 56; shift += 7) {
    const b = reader.byte();
    v += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) {
      if (v > Number.MAX_SAFE_INTEGER) break;
      return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
    }
  }
  throw new ThriftDecodeError('thrift integer is beyond 2^53');
}

/** The UTF-8 text of a binary value. */
export function readBinary(value: Uint8Array): string {
  const reader = new CompactReader(value);
  const length = reader.varint();
  return new TextDecoder().decode(value.subarray(reader.pos, reader.pos + length));
}

class CompactReader {
  pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  byte(): number {
    if (this.pos >= this.bytes.length)
      throw new ThriftDecodeError(`thrift struct ends early at byte ${this.pos} of ${this.bytes.length}`);
    return this.bytes[this.pos++]!;
  }

  /** An unsigned varint; lengths and sizes only, so values must stay below 2^31. */
  varint(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (result > 0x7fffffff) break;
        return result;
      }
    }
    throw new ThriftDecodeError(`thrift length at byte ${this.pos} is out of range`);
  }

  zigzag(): number {
    const v = this.varint();
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }

  skipVarint(): void {
    for (let i = 0; i < 10; i++) if ((this.byte() & 0x80) === 0) return;
    throw new ThriftDecodeError(`thrift integer at byte ${this.pos} is longer than 10 bytes`);
  }

  listHeader(): { size: number; elementType: number } {
    const header = this.byte();
    const short = header >> 4;
    return { size: short === 15 ? this.varint() : short, elementType: header & 0x0f };
  }

  /** Skips one value; booleans take a byte inside containers and none as a struct field (the type says the value). */
  skip(type: number, inContainer: boolean, depth = 0): void {
    if (depth > 64) throw new ThriftDecodeError(`thrift value nested deeper than 64 at byte ${this.pos}`);
    switch (type) {
      case thriftType.true:
      case thriftType.false:
        if (inContainer) this.byte();
        return;
      case thriftType.byte:
        this.byte();
        return;
      case thriftType.i16:
      case thriftType.i32:
      case thriftType.i64:
        this.skipVarint();
        return;
      case thriftType.double:
        this.advance(8);
        return;
      case thriftType.binary:
        this.advance(this.varint());
        return;
      case thriftType.list:
      case thriftType.set: {
        const { size, elementType } = this.listHeader();
        for (let i = 0; i < size; i++) this.skip(elementType, true, depth + 1);
        return;
      }
      case thriftType.map: {
        const size = this.varint();
        if (size === 0) return;
        const kv = this.byte();
        for (let i = 0; i < size; i++) {
          this.skip(kv >> 4, true, depth + 1);
          this.skip(kv & 0x0f, true, depth + 1);
        }
        return;
      }
      case thriftType.struct:
        for (;;) {
          const header = this.byte();
          if (header === thriftType.stop) return;
          if (header >> 4 === 0) this.zigzag();
          this.skip(header & 0x0f, false, depth + 1);
        }
      default:
        throw new ThriftDecodeError(`thrift type ${type} at byte ${this.pos} is unknown`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.bytes.length)
      throw new ThriftDecodeError(`thrift value at byte ${this.pos} runs past the end (${n} bytes)`);
    this.pos += n;
  }
}

class CompactWriter {
  private readonly parts: number[] = [];
  private readonly chunks: Uint8Array[] = [];

  byte(b: number): void {
    this.parts.push(b & 0xff);
  }

  varint(n: number): void {
    let v = n;
    while (v >= 0x80) {
      this.byte((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    this.byte(v);
  }

  raw(bytes: Uint8Array): void {
    this.flush();
    this.chunks.push(bytes);
  }

  listHeader(size: number, elementType: number): void {
    if (size < 15) this.byte((size << 4) | elementType);
    else {
      this.byte(0xf0 | elementType);
      this.varint(size);
    }
  }

  struct(fields: readonly ThriftField[]): void {
    let last = 0;
    for (const f of [...fields].sort((a, b) => a.id - b.id)) {
      const delta = f.id - last;
      if (delta > 0 && delta <= 15) this.byte((delta << 4) | f.type);
      else {
        this.byte(f.type);
        this.varint(f.id >= 0 ? f.id * 2 : -f.id * 2 - 1);
      }
      this.raw(f.value);
      last = f.id;
    }
    this.byte(thriftType.stop);
  }

  bytes(): Uint8Array {
    this.flush();
    const total = this.chunks.reduce((a, c) => a + c.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    this.chunks.push(Uint8Array.from(this.parts));
    this.parts.length = 0;
  }
}
