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
  return readFieldsAt(new CompactReader(bytes), bytes);
}

/** A struct's bytes and top-level fields (an element of a list<struct>). */
export interface ThriftStruct {
  readonly bytes: Uint8Array;
  readonly fields: readonly ThriftField[];
}

/**
 * The top-level fields of the struct at `bytes[0]` and, of its list<struct> field `listId`, every element's bytes and
 * top-level fields, in one pass over the bytes (the list's elements are walked once, not once to skip the list and
 * again for its elements). `elements` is undefined when the struct has no such field.
 */
export function readStructWithList(
  bytes: Uint8Array,
  listId: number,
): { fields: ThriftField[]; elements: ThriftStruct[] | undefined } {
  const reader = new CompactReader(bytes);
  let elements: ThriftStruct[] | undefined;
  const fields = readFieldsAt(reader, bytes, (id, type) => {
    if (id !== listId || type !== thriftType.list) return false;
    const { size, elementType } = reader.listHeader();
    if (size > 0 && elementType !== thriftType.struct)
      throw new ThriftDecodeError(`thrift list field ${id} holds type ${elementType}, expected structs`);
    elements = [];
    for (let i = 0; i < size; i++) {
      const start = reader.pos;
      const element = readFieldsAt(reader, bytes);
      elements.push({ bytes: bytes.subarray(start, reader.pos), fields: element });
    }
    return true;
  });
  return { fields, elements };
}

/**
 * Walks the fields of the struct whose first field header is at `reader.pos`, through its stop byte; a field is
 * skipped unless `walk` reads its value itself (and returns true).
 */
function readFieldsAt(
  reader: CompactReader,
  bytes: Uint8Array,
  walk?: (id: number, type: number) => boolean,
): ThriftField[] {
  const fields: ThriftField[] = [];
  let id = 0;
  for (;;) {
    const header = reader.byte();
    if (header === thriftType.stop) return fields;
    const type = header & 0x0f;
    const delta = header >> 4;
    id = delta === 0 ? reader.zigzag() : id + delta;
    const start = reader.pos;
    if (!walk?.(id, type)) reader.skip(type, false);
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

/** A list value of elements given as their bytes. */
export function listValue(elementType: number, elements: readonly Uint8Array[]): Uint8Array {
  const w = new CompactWriter();
  w.listHeader(elements.length, elementType);
  for (const e of elements) w.raw(e);
  return w.bytes();
}

/** An i64 value (zigzag varint) of a safe integer. */
export function integerValue(n: number): Uint8Array {
  if (!Number.isSafeInteger(n)) throw new RangeError(`thrift integer ${n} is not a safe integer`);
  const w = new CompactWriter();
  w.varint(n >= 0 ? n * 2 : -n * 2 - 1);
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

/** The UTF-8 text of a binary value (a leading U+FEFF kept: it is part of the value). */
export function readBinary(value: Uint8Array): string {
  const reader = new CompactReader(value);
  const length = reader.varint();
  return textDecoder.decode(value.subarray(reader.pos, reader.pos + length));
}

const textDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

const maxDepth = 64;
const inStruct = 0; // a frame reading field headers until the stop byte
const inList = 1; // a frame with `remaining` elements of one type left
const inMap = 2; // a frame with `remaining` keys and values left, alternating

class CompactReader {
  pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  byte(): number {
    if (this.pos >= this.bytes.length)
      throw new ThriftDecodeError(`thrift struct ends early at byte ${this.pos} of ${this.bytes.length}`);
    return this.bytes[this.pos++]!;
  }

  /**
   * An unsigned varint; lengths and sizes only, so values must stay below 2^31. Integer operations only: a double
   * here (`2 ** shift` is one) made `pos` a double field, and every `pos++` of a footer walk allocated a number.
   */
  varint(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      if (shift === 28 && (b & 0x78) !== 0) break; // bits 31 and up
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
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

  /**
   * Skips one value; booleans take a byte inside containers and none as a struct field (the type says the value).
   * One loop over an explicit stack rather than a call per value: a footer walk is a few thousand values, and a loop
   * is optimized while it runs (V8 replaces its frame), where a recursive walk ran interpreted for most of a one-shot
   * command (~3 ms per star-tree record footer).
   */
  skip(type: number, inContainer: boolean): void {
    const kind = new Int8Array(maxDepth);
    const remaining = new Int32Array(maxDepth);
    const types = new Int8Array(2 * maxDepth); // a list's element type; a map's key and value types
    let depth = 0;
    let t = type;
    let boolByte = inContainer;
    for (;;) {
      switch (t) {
        case thriftType.true:
        case thriftType.false:
          if (boolByte) this.byte();
          break;
        case thriftType.byte:
          this.byte();
          break;
        case thriftType.i16:
        case thriftType.i32:
        case thriftType.i64:
          this.skipVarint();
          break;
        case thriftType.double:
          this.advance(8);
          break;
        case thriftType.binary:
          this.advance(this.varint());
          break;
        case thriftType.list:
        case thriftType.set:
        case thriftType.map:
        case thriftType.struct: {
          if (depth === maxDepth)
            throw new ThriftDecodeError(`thrift value nested deeper than ${maxDepth} at byte ${this.pos}`);
          if (t === thriftType.struct) kind[depth] = inStruct;
          else if (t === thriftType.map) {
            const size = this.varint();
            kind[depth] = inMap;
            remaining[depth] = 2 * size;
            if (size > 0) {
              const kv = this.byte();
              types[2 * depth] = kv >> 4;
              types[2 * depth + 1] = kv & 0x0f;
            }
          } else {
            const { size, elementType } = this.listHeader();
            kind[depth] = inList;
            remaining[depth] = size;
            types[2 * depth] = elementType;
          }
          depth++;
          break;
        }
        default:
          throw new ThriftDecodeError(`thrift type ${t} at byte ${this.pos} is unknown`);
      }
      // the next value to skip: the innermost open container's next field or element, or done
      t = -1;
      while (depth > 0 && t < 0) {
        const d = depth - 1;
        if (kind[d] === inStruct) {
          const header = this.byte();
          if (header === thriftType.stop) depth--;
          else {
            if (header >> 4 === 0) this.zigzag(); // a long-form field id
            t = header & 0x0f;
            boolByte = false;
          }
        } else if (remaining[d]! === 0) depth--;
        else {
          const r = remaining[d]!--;
          t = kind[d] === inList ? types[2 * d]! : types[2 * d + (r % 2 === 0 ? 0 : 1)]!;
          boolByte = true;
        }
      }
      if (t < 0) return;
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
