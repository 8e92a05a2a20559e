import { describe, expect, it } from 'vitest';
import { parseSearchQuery, SearchQueryError, type SearchQuery } from '../../model/search-query.js';

/** A query as words: phrases joined by spaces, `*` after a prefix token, `-` before an exclusion. */
function show(q: SearchQuery): string[] {
  const term = (t: SearchQuery['include'][number]) => t.tokens.map((k) => `${k.text}${k.prefix ? '*' : ''}`).join(' ');
  return [...q.include.map(term), ...q.exclude.map((t) => `-${term(t)}`)];
}

describe('parseSearchQuery', () => {
  it.each([
    ['refund failed', ['refund', 'failed']],
    ['  Refund   FAILED ', ['refund', 'failed']],
    ['"connection timeout" retry', ['connection timeout', 'retry']],
    ['datab*', ['datab*']],
    ['"connection tim"*', ['connection tim*']],
    ['refund -test', ['refund', '-test']],
    ['refund -"staging test"', ['refund', '-staging test']],
    ['C-1042', ['c 1042']],
    ['ops@example.com', ['ops example com']],
    ['a-b', ['a b']],
    ['foo*bar', ['foo bar']],
    ['NEAR OR AND NOT', ['near', 'or', 'and', 'not']],
    ['title:secret (x OR y)', ['title secret', 'x', 'or', 'y']],
    [`'; DROP TABLE entries; --`, ['drop', 'table', 'entries']],
    ['"unbalanced quote', ['unbalanced', 'quote']],
    ['say "hi" "there', ['say', 'hi', 'there']],
    ['^ {} $', ['^', '$']],
    ['- refund', ['refund']],
    ['东京 "订单已取消"', ['东京', '订单 单已 已取 取消']],
    ['京', ['京*']],
    ['Müller Straße', ['muller', 'strasse']],
  ])('%s', (q, expected) => expect(show(parseSearchQuery(q))).toEqual(expected));

  it.each([
    ['-refund', /not only exclusions/],
    ['-refund -"x y"', /not only exclusions/],
    ['{}', /nothing|no letters/],
    ['*', /no letters/],
    [':', /no letters/],
    ['"', /no letters/],
    ['"   "', /no letters/],
    ['a*', /at least 2/],
    ['C-1*', /at least 2/],
    [Array.from({ length: 33 }, (_, i) => `w${i}`).join(' '), /at most 32/],
    ['东'.repeat(300), /too long/],
  ])('refuses %s', (q, message) => {
    expect(() => parseSearchQuery(q)).toThrow(SearchQueryError);
    expect(() => parseSearchQuery(q)).toThrow(message);
  });
});
