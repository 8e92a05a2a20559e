import type { EntryRecord } from '../../model/ledger-entry.js';
import { visitSearchableValues } from '../../model/search-fields.js';
import type { SearchQuery, SearchTerm } from '../../model/search-query.js';
import { indexTokens, type QueryToken } from '../../model/search-text.js';
import type { QueryScope } from '../store.js';

/**
 * The shared tokens (model/search-text.ts) in a form FTS5's `unicode61`
 * tokenizer (with `tokenchars '_'`) keeps exactly as they are, one token
 * each: plain `[a-z0-9]+` tokens as they are, every other token as `_` and
 * the hex of its UTF-8 bytes. FTS5 then never splits, folds or drops
 * anything (its Unicode tables are 6.1 and treat marks, emoji and newer
 * letters as separators), and a prefix of a token's text is a prefix of
 * its hex. Tokens no text can produce mark the rest:
 * - `_` between two values, so a phrase never spans two fields;
 * - `_o<hex>` / `_u<hex>`: the entry's organization and user, so the
 *   tenant scope is part of the match (a term over millions of rows is
 *   counted inside FTS5, never row by row).
 */

const PLAIN = /^[a-z0-9]+$/;
const VALUE_BREAK = '_';

const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex');

/** A loop, not PLAIN.test: this runs for every token ingested. */
function isPlain(token: string): boolean {
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57))) return false;
  }
  return token.length > 0;
}

export function ftsToken(token: string): string {
  return isPlain(token) ? token : `_${hex(token)}`;
}

const scopeTokenCache = new Map<string, string>();
function scopeToken(kind: 'o' | 'u', id: string): string {
  const key = kind + id;
  let token = scopeTokenCache.get(key);
  if (token === undefined) {
    token = `_${kind}${hex(id)}`;
    if (scopeTokenCache.size > 10_000) scopeTokenCache.clear();
    scopeTokenCache.set(key, token);
  }
  return token;
}

/** The text indexed for an entry (the FTS row's only column). */
export function entryFtsText(e: EntryRecord): string {
  const parts: string[] = [scopeToken('o', e.organization_id)];
  if (e.user_id !== null) parts.push(scopeToken('u', e.user_id));
  const tokens: string[] = [];
  visitSearchableValues(
    e,
    (_field, text) => {
      tokens.length = 0;
      indexTokens(text, tokens);
      if (tokens.length === 0) return;
      parts.push(VALUE_BREAK);
      for (const t of tokens) parts.push(ftsToken(t));
    },
    false,
  );
  return parts.join(' ');
}

const quoted = (token: string, prefix: boolean) => `"${token}"${prefix ? ' *' : ''}`;

function phrase(tokens: QueryToken[], lastAsHex: boolean): string {
  return tokens
    .map((t, i) => quoted(lastAsHex && i === tokens.length - 1 ? `_${hex(t.text)}` : ftsToken(t.text), t.prefix))
    .join(' + ');
}

/**
 * A term as an FTS5 phrase. A plain prefix (`ab*`) must also find tokens
 * stored as hex because they hold other letters further on (`abç` folds to
 * `abc`, but `abə` stays `abə`), so it becomes two phrases ORed.
 */
function termExpression(term: SearchTerm): string {
  const last = term.tokens[term.tokens.length - 1];
  const main = phrase(term.tokens, false);
  if (!last.prefix || !PLAIN.test(last.text)) return main;
  return `(${main} OR ${phrase(term.tokens, true)})`;
}

/**
 * The MATCH expression: built only from our own tokens, each double-quoted
 * (and only [a-z0-9_] inside), so no user text is ever FTS5 syntax. With a
 * scope, its tokens are ANDed in: for counting in FTS5 alone; a query that
 * reads the rows applies the scope to them instead (null).
 */
export function matchExpression(query: SearchQuery, scope: QueryScope | null): string {
  const parts: string[] = [];
  if (scope?.organization_id) parts.push(quoted(scopeToken('o', scope.organization_id), false));
  if (scope?.user_id) parts.push(quoted(scopeToken('u', scope.user_id), false));
  for (const term of query.include) parts.push(termExpression(term));
  let expression = parts.join(' AND ');
  for (const term of query.exclude) expression = `(${expression}) NOT ${termExpression(term)}`;
  return expression;
}

/** Prefix tokens make FTS5 merge every matching term's list on each call: never probe row by row with them. */
export function hasPrefix(query: SearchQuery): boolean {
  return [...query.include, ...query.exclude].some((term) => term.tokens.some((t) => t.prefix));
}
