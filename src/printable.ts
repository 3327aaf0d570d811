/**
 * Characters a reader cannot see or tell apart: controls, line and paragraph separators, format characters (byte-order
 * mark, zero-width and bidirectional marks) and every space but U+0020.
 */
const invisible = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Zs}]/gu;

/**
 * Text with the characters a reader cannot see escaped as JSON writes them (`\n`, `\u0000`, `\ufeff`, `\u{e0001}`),
 * so that a value from raw data reads as what it is in messages and tables and cannot forge a log line.
 */
export function printable(text: string): string {
  return text.replace(invisible, (c) => {
    if (c === ' ') return c;
    const code = c.codePointAt(0)!;
    if (code < 0x20) return JSON.stringify(c).slice(1, -1);
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
