/** How tables and charts show a null dimension value (an empty string shows as nothing). */
const shownNull = '(null)';

/**
 * A dimension value as tables and charts show it: null as `(null)`, control characters as JSON escapes (`\n`), so a
 * value cannot break a table's lines and a null cannot read as the text "null" (tables and charts are for reading;
 * CSV and JSON give values as they are).
 */
export function displayValue(s: string | null): string {
  return s === null ? shownNull : s.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}
