/**
 * One CSV cell, RFC 4180: quoted when it holds a quote, comma, CR or LF, with
 * quotes doubled. A cell a spreadsheet would run as a formula (starting with
 * = + - @, tab or CR) is prefixed with a single quote, as OWASP advises for
 * CSV injection; numbers are written as numbers and never need it.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text.startsWith("'") ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: readonly unknown[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
