/**
 * How the bytes of a raw dimension or metric value become the text every output, manifest and query uses: the bytes
 * as UTF-8 text, unless they are not valid UTF-8 or start with `hex:`; then `hex:` and their lowercase hex digits.
 */

/** The marker of a dimension or metric value written as the hex digits of its bytes (see textOfBytes). */
const hexMarker = 'hex:';

/**
 * The text of bytes[start, end) as a dimension value: the bytes as UTF-8 text when they are valid UTF-8 and do not
 * start with `hex:`, else `hex:` and their lowercase hex digits. One-to-one: a text starting with `hex:` comes only
 * from the hex form, whose digits give back the bytes.
 */
export function textOfBytes(bytes: Uint8Array, start: number, end: number): string {
  const value = bytes.subarray(start, end);
  // 'hex:'
  const marked = value.length >= 4 && value[0] === 0x68 && value[1] === 0x65 && value[2] === 0x78 && value[3] === 0x3a;
  if (!marked) {
    try {
      return decoder.decode(value);
    } catch {
      // not UTF-8: the hex form below
    }
  }
  return hexMarker + hexOf(bytes, start, end);
}

/** Lowercase hex digits of bytes[start, end). */
export function hexOf(bytes: Uint8Array, start: number, end: number): string {
  let out = '';
  for (let k = start; k < end; k++) out += hexDigits[bytes[k]!]!;
  return out;
}

/**
 * Why no raw value is ever read as `text` (undefined when some value is), with the text a raw value spelled `text`
 * is read as, where there is one: a text starting with `hex:` is only ever the hex form of bytes that need it, and a
 * text with a lone surrogate is no UTF-8 at all.
 */
export function unreadTextProblem(text: string): string | undefined {
  if (loneSurrogate.test(text)) return 'holds a lone UTF-16 surrogate, which no UTF-8 value decodes to';
  if (!text.startsWith(hexMarker)) return undefined;
  const digits = text.slice(hexMarker.length);
  if (/^(?:[0-9a-f]{2})*$/.test(digits)) {
    const bytes = Uint8Array.from(digits.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
    if (textOfBytes(bytes, 0, bytes.length) === text) return undefined;
  }
  const spelled = encoder.encode(text);
  return (
    `starts with '${hexMarker}', which marks the hex digits of a value's bytes: ` +
    `a raw value spelled '${text}' is read as '${textOfBytes(spelled, 0, spelled.length)}'`
  );
}

const loneSurrogate = /[\uD800-\uDFFF]/u; // with the u flag, only a surrogate outside a pair matches
const hexDigits = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
