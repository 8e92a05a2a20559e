/**
 * The seed's `search` is a literal, Unicode case-insensitive substring
 * (DESIGN.md "Queries"). Elasticsearch's own `case_insensitive` matching
 * folds one code point at a time (no NFC, no special casing such as
 * "İ" → "i̇" or a final sigma), so it would not agree with the SQLite store.
 * Both sides are therefore folded here, in JS, exactly as the SQLite store
 * folds (exporters/sqlite/ledger-filter-sql.ts foldCase; a unit test keeps
 * them equal), and matched case-sensitively.
 */
export function foldCase(s: string): string {
  return s.normalize('NFC').toLowerCase();
}

/** A literal for a wildcard pattern: `*`, `?` and `\` are the only special characters there. */
export function escapeWildcard(s: string): string {
  return s.replace(/[\\*?]/g, (c) => `\\${c}`);
}

/** `*<folded literal>*`: a substring match of already-folded text. */
export function containsPattern(needle: string): string {
  return `*${escapeWildcard(foldCase(needle))}*`;
}
