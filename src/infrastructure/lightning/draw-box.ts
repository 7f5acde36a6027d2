/**
 * A box of asterisks around the lines, each padded to the longest, so the
 * right edge lines up whatever the URLs' lengths (`jq -r .msg` shows it whole).
 */
export function drawBox(lines: string[]): string[] {
  const width = Math.max(...lines.map((line) => line.length));
  const edge = '*'.repeat(width + 6);
  return [edge, ...lines.map((line) => `*  ${line.padEnd(width)}  *`), edge];
}
