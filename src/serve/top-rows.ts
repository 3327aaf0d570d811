/** The first rows of a list as a table shows them, and what the rows left out add up to (absent: none left out). */
export interface TopRows<T> {
  readonly shown: readonly T[];
  readonly rest?: { readonly count: number; readonly bytes: number };
}

/** The first `n` of `rows` (already in the order shown) and the count and bytes of the others, so none goes unsaid. */
export function topRows<T extends { readonly bytes: number }>(rows: readonly T[], n: number): TopRows<T> {
  if (rows.length <= n) return { shown: rows };
  let bytes = 0;
  for (let i = n; i < rows.length; i++) bytes += rows[i]!.bytes;
  return { shown: rows.slice(0, n), rest: { count: rows.length - n, bytes } };
}
