import type { estypes } from '@elastic/elasticsearch';
import type { SearchQuery, SearchTerm } from '../../model/search-query.js';
import { SEARCH_ANALYZER } from './mappings.js';

type Query = estypes.QueryDslQueryContainer;

/**
 * `q` over `search_text`, which holds the shared tokens of model/search-text.ts
 * (indexed with a whitespace analyzer, so Elasticsearch neither splits nor
 * folds them again): every term is built from the parsed tokens alone, never
 * from user text, and every query kind below is exact:
 *
 * - a word: `term`; a word with `*`: `prefix`, answered from the field's
 *   `index_prefixes` for 1–19 characters, else expanded in full (constant score);
 * - a phrase: `match_phrase` (slop 0) over the tokens joined by spaces;
 * - a phrase ending in a prefix: `span_near` (slop 0, in order) of its words
 *   and a `span_multi` prefix, which Elasticsearch also answers from
 *   `index_prefixes`, or else expands fully or fails (too many clauses):
 *   never a silently truncated expansion such as match_phrase_prefix's.
 */
const FIELD = 'search_text';

function termQuery(term: SearchTerm): Query {
  const tokens = term.tokens;
  const last = tokens[tokens.length - 1];
  if (tokens.length === 1) {
    return last.prefix ? { prefix: { [FIELD]: { value: last.text } } } : { term: { [FIELD]: { value: last.text } } };
  }
  if (!last.prefix) {
    return { match_phrase: { [FIELD]: { query: tokens.map((t) => t.text).join(' '), analyzer: SEARCH_ANALYZER, slop: 0 } } };
  }
  const clauses: estypes.QueryDslSpanQuery[] = tokens.slice(0, -1).map((t) => ({ span_term: { [FIELD]: t.text } }));
  clauses.push({ span_multi: { match: { prefix: { [FIELD]: { value: last.text } } } } });
  return { span_near: { clauses, slop: 0, in_order: true } };
}

/** Every included term, none of the excluded ones. */
export function fullTextQuery(q: SearchQuery): Query {
  return {
    bool: {
      filter: q.include.map(termQuery),
      ...(q.exclude.length ? { must_not: q.exclude.map(termQuery) } : {}),
    },
  };
}
