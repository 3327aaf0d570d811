import { printable } from '../printable.js';

/** How tables and charts show a null dimension value (an empty string shows as nothing). */
const shownNull = '(null)';

/**
 * A dimension value as tables and charts show it: null as `(null)`, characters no one can see escaped (`\n`,
 * `\ufeff`: printable), so a value cannot break a table's lines or pass for another, and a null cannot read as the
 * text "null" (tables and charts are for reading; CSV and JSON give values as they are).
 */
export function displayValue(s: string | null): string {
  return s === null ? shownNull : printable(s);
}

/** A dimension value named in a sentence: as tables show it, and the empty string as '' (nothing reads as no name). */
export function namedValue(s: string): string {
  return s === '' ? "''" : displayValue(s);
}
