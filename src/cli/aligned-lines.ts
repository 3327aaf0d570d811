/** How a column's cells are padded to the column's width: at the end ('left'), at the start ('right'), or not at all. */
export type Alignment = 'left' | 'right' | 'none';

/**
 * The lines of an aligned text table: every cell of `rows` (the header first) padded to its column's widest cell as
 * `alignOf` says, two spaces between columns, no trailing spaces. The widths are found with loops, not by spreading a
 * column into `Math.max`: a table may have millions of rows, and a spread of ~120,000 arguments overflows the stack.
 */
export function alignedLines(rows: readonly (readonly string[])[], alignOf: (column: number) => Alignment): string[] {
  const widths: number[] = [];
  for (const row of rows)
    for (let c = 0; c < row.length; c++) if (row[c]!.length > (widths[c] ?? 0)) widths[c] = row[c]!.length;
  return rows.map((row) =>
    row
      .map((cell, c) => {
        const align = alignOf(c);
        return align === 'left' ? cell.padEnd(widths[c]!) : align === 'right' ? cell.padStart(widths[c]!) : cell;
      })
      .join('  ')
      .trimEnd(),
  );
}
