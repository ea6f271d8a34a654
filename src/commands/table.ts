// The CLI's listings (`device list`, `token list`) as tables: a header, one line per row, columns
// as wide as their widest cell, two spaces between them.

export type Column<T> = [title: string, cell: (row: T) => string];

export function formatTable<T>(columns: Column<T>[], rows: T[], none: string): string {
  if (rows.length === 0) return `${none}\n`;
  const cells = [columns.map(([title]) => title), ...rows.map((row) => columns.map(([, cell]) => cell(row)))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i].length)));
  const lines = cells.map((line) =>
    line
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
  return `${lines.join('\n')}\n`;
}
