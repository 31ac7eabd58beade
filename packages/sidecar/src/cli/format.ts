/** A rate as a percentage with enough digits for rates of 0.1%. */
export function percent(value: number | null): string {
  if (value === null) return '—';
  const p = value * 100;
  return `${p < 1 ? p.toFixed(2) : p.toFixed(1)}%`;
}

/** A plain-text table: left-aligned first column, right-aligned numbers. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
