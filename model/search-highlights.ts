import { visitSearchableValues, type SearchableEntry } from './search-fields.js';
import type { SearchQuery } from './search-query.js';
import { tokenMatches, tokenSpans, type TokenSpan } from './search-text.js';

/**
 * Why an entry matched `q`: the fields whose text holds a searched word or
 * phrase, each with a short plain-text snippet where the matched text is
 * wrapped in « and ». Computed from the entry's own values with the same
 * tokeniser as the index, so every store gives the same highlights.
 * Guillemets already in the text are shown as ‹ and ›, so every « » pair is a
 * match. Snippets are plain text, never HTML.
 */
export interface Highlight {
  field: string;
  snippet: string;
}

export const MARK_OPEN = '«';
export const MARK_CLOSE = '»';
/** Characters of text around the first match. */
export const SNIPPET_CHARS = 120;
/** Of those, before the first match. */
const LEAD_CHARS = 40;
/** Fields listed per entry, in search-fields.ts order. */
export const MAX_HIGHLIGHTS = 5;

interface Range {
  start: number;
  end: number;
}

export function highlightsFor(entry: SearchableEntry, query: SearchQuery): Highlight[] {
  const highlights: Highlight[] = [];
  visitSearchableValues(entry, (field, text) => {
    if (highlights.length >= MAX_HIGHLIGHTS) return;
    const ranges = matchRanges(text, query);
    if (ranges.length) highlights.push({ field, snippet: snippet(text, ranges) });
  });
  return highlights;
}

/** Where the query's included terms occur in `text`, sorted and merged. */
export function matchRanges(text: string, query: SearchQuery): Range[] {
  const spans: TokenSpan[] = tokenSpans(text);
  const found: Range[] = [];
  for (const term of query.include) {
    const n = term.tokens.length;
    for (let i = 0; i + n <= spans.length; i++) {
      let j = 0;
      while (j < n && tokenMatches(spans[i + j].text, term.tokens[j])) j++;
      if (j === n) found.push({ start: spans[i].start, end: Math.max(spans[i].end, spans[i + n - 1].end) });
    }
  }
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Range[] = [];
  for (const r of found) {
    const last = merged[merged.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else merged.push({ ...r });
  }
  return merged;
}

/** Moves an offset off the second half of a surrogate pair. */
function onCodePoint(text: string, at: number): number {
  const code = text.charCodeAt(at);
  return code >= 0xdc00 && code <= 0xdfff ? at - 1 : at;
}

function plain(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/«/g, '‹').replace(/»/g, '›');
}

function snippet(text: string, ranges: Range[]): string {
  const first = ranges[0];
  const from = onCodePoint(text, Math.max(0, Math.min(first.start - LEAD_CHARS, text.length - SNIPPET_CHARS)));
  let to = Math.min(text.length, Math.max(from + SNIPPET_CHARS, first.end));
  if (to < text.length) to = onCodePoint(text, to);
  let out = from > 0 ? '…' : '';
  let at = from;
  for (const r of ranges) {
    if (r.start >= to) break;
    out += plain(text.slice(at, r.start)) + MARK_OPEN + plain(text.slice(r.start, Math.min(r.end, to))) + MARK_CLOSE;
    at = Math.min(r.end, to);
  }
  out += plain(text.slice(at, to));
  return to < text.length ? `${out}…` : out;
}
