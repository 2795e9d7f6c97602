// Plain-text tables for the terminal: right-aligned numbers, left-aligned first column.
export function textTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ');
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

export const fixed = (value: number | null | undefined, digits = 1): string =>
  value === null || value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);

export const thousands = (value: number): string => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '-');

export const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

/** 0.41 → "0.41× (2.4× faster)"; 1.3 → "1.30× (1.3× slower)". */
export function ratio(ours: number, other: number): string {
  if (!Number.isFinite(ours) || !Number.isFinite(other) || other === 0) return '-';
  const value = ours / other;
  const how = value <= 1 ? `${(1 / value).toFixed(1)}× faster` : `${value.toFixed(1)}× slower`;
  return `${value.toFixed(2)}× (${how})`;
}

/** A difference with its sign: `+6.4`, `−14.8` (a minus sign, not a hyphen), `±0.0`. */
export function signed(value: number, digits = 1): string {
  const text = Math.abs(value).toFixed(digits);
  return Number(text) === 0 ? `±${text}` : `${value > 0 ? '+' : '−'}${text}`;
}
