/** One measured figure, optionally against the baseline it must be compared with. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  baseline?: number;
  /** value / baseline */
  ratio?: number;
}

function formatNumber(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}

export function printTable(rows: BenchRow[], write: (line: string) => void = (line) => console.log(line)): void {
  const header = ['bench', 'value', 'unit', 'baseline', 'ratio'];
  const cells = rows.map((row) => [
    row.name,
    formatNumber(row.value),
    row.unit,
    row.baseline === undefined ? '' : formatNumber(row.baseline),
    row.ratio === undefined ? '' : `${(row.ratio * 100).toFixed(1)}%`,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column].length)));
  const format = (line: string[]) =>
    line.map((cell, column) => (column === 0 || column === 2 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  write(format(header));
  write(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const line of cells) {
    write(format(line));
  }
}
