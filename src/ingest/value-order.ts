/**
 * Total order on dimension values: strings by code point, which is their UTF-8 bytes' order (Parquet's statistics,
 * SQL engines), null after every string. Before 2026-11-29 strings went by UTF-16 code unit, which puts a character
 * past U+FFFF (a surrogate pair) before U+E000-U+FFFF.
 */
export function compareNullableStrings(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return compareCodePoints(a, b);
}

/** -1, 0 or 1 as `a` comes before, with or after `b` in code point order. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return x < 0xd800 && y < 0xd800 ? (x < y ? -1 : 1) : codePointRank(x) < codePointRank(y) ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** A UTF-16 code unit from U+D800 up moved so that surrogates (code points past U+FFFF) come after U+E000-U+FFFF. */
function codePointRank(unit: number): number {
  return unit < 0xd800 ? unit : unit < 0xe000 ? unit + 0x2000 : unit - 0x800;
}
