import { queryTokens, type QueryToken } from './search-text.js';

/**
 * The `q` syntax, parsed here and nowhere else; stores get the parsed form
 * and build their own query from its tokens, so user text is never store
 * syntax (FTS5 operators, Lucene syntax, SQL):
 *
 * - words: every one must match (`refund failed`);
 * - `"quoted phrases"`: the words next to each other, in order;
 * - a trailing `*`: a prefix (`datab*`, `"connection tim"*`), at least 2
 *   characters before it;
 * - `-word` / `-"a phrase"`: entries that match it are left out;
 * - everything else is literal text, tokenised like the indexed text:
 *   punctuation separates words (`C-1042` is the phrase `c 1042`), symbols
 *   and emoji are words of their own, `OR`, `AND`, `NOT`, `NEAR` are plain
 *   words, and an unmatched `"` is ignored.
 */
export interface SearchTerm {
  /** Matched as a phrase; a single token is a plain word. */
  tokens: QueryToken[];
}

export interface SearchQuery {
  /** Every one must match; never empty. */
  include: SearchTerm[];
  /** None may match. */
  exclude: SearchTerm[];
}

/** A `q` that cannot be searched; the message reads after the parameter name. */
export class SearchQueryError extends Error {
  override name = 'SearchQueryError';
}

export const MAX_TERMS = 32;
export const MAX_TOKENS = 256;

interface RawTerm {
  text: string;
  exclude: boolean;
  prefix: boolean;
}

function lex(q: string): RawTerm[] {
  // An odd number of quotes: the last one has no partner and is ignored.
  const quotes = q.split('"').length - 1;
  if (quotes % 2 === 1) {
    const last = q.lastIndexOf('"');
    q = `${q.slice(0, last)} ${q.slice(last + 1)}`;
  }
  const terms: RawTerm[] = [];
  let i = 0;
  while (i < q.length) {
    if (/\s/.test(q[i])) {
      i++;
      continue;
    }
    let exclude = false;
    if (q[i] === '-' && i + 1 < q.length && !/\s/.test(q[i + 1])) {
      exclude = true;
      i++;
    }
    let text: string;
    let prefix = false;
    if (q[i] === '"') {
      const close = q.indexOf('"', i + 1);
      text = q.slice(i + 1, close);
      i = close + 1;
      // `"connection tim"*`: a star right after the closing quote
      while (q[i] === '*') {
        prefix = true;
        i++;
      }
    } else {
      let end = i;
      while (end < q.length && !/\s/.test(q[end]) && q[end] !== '"') end++;
      text = q.slice(i, end);
      i = end;
      prefix = text.endsWith('*');
    }
    terms.push({ text, exclude, prefix });
  }
  return terms;
}

/** Parses `q`; throws SearchQueryError when nothing is left to find or it is too large. */
export function parseSearchQuery(q: string): SearchQuery {
  const query: SearchQuery = { include: [], exclude: [] };
  let tokenCount = 0;
  for (const raw of lex(q)) {
    const tokens = queryTokens(raw.text, raw.prefix);
    if (tokens.length === 0) continue;
    const last = tokens[tokens.length - 1];
    if (last.prefix && last.kind === 'word' && Array.from(last.text).length < 2) {
      throw new SearchQueryError('needs at least 2 letters or digits before a `*`');
    }
    tokenCount += tokens.length;
    (raw.exclude ? query.exclude : query.include).push({ tokens });
  }
  if (query.include.length + query.exclude.length > MAX_TERMS) throw new SearchQueryError(`may hold at most ${MAX_TERMS} words and phrases`);
  if (tokenCount > MAX_TOKENS) throw new SearchQueryError(`is too long to search (at most ${MAX_TOKENS} tokens)`);
  if (query.include.length === 0) {
    throw new SearchQueryError(
      query.exclude.length ? 'needs a word to find, not only exclusions (`-word`)' : 'has no letters, digits or symbols to search for',
    );
  }
  return query;
}
