/**
 * 1 for each id that key column `column` holds in the records `rows` (undefined: the first `count` records) of `keys`
 * (`width` ints per record), in an array of `ids` entries. A loop of its own: it runs once per column of every segment.
 */
export function heldIds(
  keys: Int32Array,
  width: number,
  column: number,
  rows: Int32Array | undefined,
  count: number,
  ids: number,
): Uint8Array {
  const held = new Uint8Array(ids);
  if (rows) for (let r = 0; r < count; r++) held[keys[rows[r]! * width + column]!] = 1;
  else for (let r = 0; r < count; r++) held[keys[r * width + column]!] = 1;
  return held;
}
