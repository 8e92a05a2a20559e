import { ASCII, foldText } from './search-fold.js';

/**
 * Full-text tokenisation, one module for indexing, querying and
 * highlighting so that every store (SQLite now, Elasticsearch with a
 * whitespace analyzer over the same tokens later) answers alike.
 *
 * Text is cut into chunks at whitespace, punctuation and controls; each chunk
 * is folded (search-fold.ts) and split into pieces:
 * - words: letters, digits and marks (`C-1042` → `c` `1042`, `ops@example.com`
 *   → `ops` `example` `com`: typed as one word, they are found as a phrase);
 * - symbols, one token each: `$`, `+`, `^`, emoji (a flag is one token);
 * - runs of scripts written without spaces (Han, kana, Hangul, Thai, Lao,
 *   Khmer, Myanmar), indexed as overlapping bigrams followed by the run's
 *   last character: "東京都" → `東京` `京都` `都`. So every character starts
 *   a token, a phrase of bigrams finds any substring of two or more
 *   characters, and a single character is a prefix query (see queryTokens).
 */

export type PieceKind = 'word' | 'symbol' | 'run';

/** A piece of text; `start`/`end` are offsets in the original text (the whole chunk when folding changed its length). */
type PieceSink = (kind: PieceKind, text: string, start: number, end: number, exact: boolean) => void;

/** Longer words are cut (index and query alike): base64 blobs must not bloat the vocabulary. */
export const MAX_WORD_LENGTH = 64;

const CHUNK = /[^\p{White_Space}\p{P}\p{Z}\p{Cc}]+/gu;
const ASCII_PIECE = /([a-zA-Z0-9]+)|[$+<=>^`|~]/g;
const ASCII_TOKENS = /[a-z0-9]+|[$+<=>^`|~]/g;
const RUN_CHARS = '\\p{sc=Han}\\p{sc=Hiragana}\\p{sc=Katakana}\\p{sc=Hangul}\\p{sc=Thai}\\p{sc=Lao}\\p{sc=Khmer}\\p{sc=Myanmar}\\u30fc\\u3099\\u309a';
// The v flag (set subtraction) is built at run time: TypeScript checks literal flags against the ES2022 target.
const PIECE = new RegExp(`([${RUN_CHARS}]+)|([[\\p{L}\\p{N}\\p{M}]--[${RUN_CHARS}]]+)|\\p{RI}{2}|\\p{S}`, 'gv');

function capWord(word: string): string {
  if (word.length <= MAX_WORD_LENGTH) return word;
  const code = word.charCodeAt(MAX_WORD_LENGTH - 1);
  return word.slice(0, code >= 0xd800 && code <= 0xdbff ? MAX_WORD_LENGTH - 1 : MAX_WORD_LENGTH);
}

/** Calls `sink` for every piece of `text`, in order. Not re-entrant: `sink` must not scan text itself. */
export function scanPieces(text: string, sink: PieceSink): void {
  if (ASCII.test(text)) {
    // Same pieces as the general path for ASCII, without folding.
    ASCII_PIECE.lastIndex = 0;
    for (let m = ASCII_PIECE.exec(text); m; m = ASCII_PIECE.exec(text)) {
      const end = m.index + m[0].length;
      if (m[1] !== undefined) sink('word', capWord(m[0].toLowerCase()), m.index, end, true);
      else sink('symbol', m[0], m.index, end, true);
    }
    return;
  }
  CHUNK.lastIndex = 0;
  for (let c = CHUNK.exec(text); c; c = CHUNK.exec(text)) {
    const chunk = c[0];
    const folded = foldText(chunk);
    const exact = folded.length === chunk.length;
    const chunkEnd = c.index + chunk.length;
    PIECE.lastIndex = 0;
    for (let p = PIECE.exec(folded); p; p = PIECE.exec(folded)) {
      const kind: PieceKind = p[1] !== undefined ? 'run' : p[2] !== undefined ? 'word' : 'symbol';
      const start = exact ? c.index + p.index : c.index;
      const end = exact ? start + p[0].length : chunkEnd;
      sink(kind, kind === 'word' ? capWord(p[0]) : p[0], start, end, exact);
    }
  }
}

/** The tokens to index for `text`, appended to `out`. */
export function indexTokens(text: string, out: string[]): void {
  if (ASCII.test(text)) {
    // scanPieces' ASCII path in one native call: most payload text is ASCII, and this runs on every ingested value.
    const tokens = text.toLowerCase().match(ASCII_TOKENS);
    if (tokens !== null) for (const t of tokens) out.push(t.length > MAX_WORD_LENGTH ? t.slice(0, MAX_WORD_LENGTH) : t);
    return;
  }
  scanPieces(text, (kind, piece) => {
    if (kind !== 'run') out.push(piece);
    else pushRun(Array.from(piece), out);
  });
}

function pushRun(chars: string[], out: string[]): void {
  for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i] + chars[i + 1]);
  out.push(chars[chars.length - 1]);
}

export interface TokenSpan {
  text: string;
  /** UTF-16 offsets in the original text. */
  start: number;
  end: number;
}

/** indexTokens with where each token came from, for highlighting. */
export function tokenSpans(text: string): TokenSpan[] {
  const spans: TokenSpan[] = [];
  scanPieces(text, (kind, piece, start, end, exact) => {
    if (kind !== 'run') {
      spans.push({ text: piece, start, end });
      return;
    }
    const chars = Array.from(piece);
    const at: number[] = [start];
    for (const ch of chars) at.push(at[at.length - 1] + ch.length);
    const span = (i: number, n: number) => (exact ? { start: at[i], end: at[i + n] } : { start, end });
    for (let i = 0; i + 1 < chars.length; i++) spans.push({ text: chars[i] + chars[i + 1], ...span(i, 2) });
    spans.push({ text: chars[chars.length - 1], ...span(chars.length - 1, 1) });
  });
  return spans;
}

export interface QueryToken {
  text: string;
  /** Matches any indexed token that starts with `text`. */
  prefix: boolean;
  kind: PieceKind;
}

/**
 * The tokens of one query term (a word or a quoted phrase), to be matched as
 * a phrase. `prefix` (a trailing `*`) applies to a last piece that is a word.
 * A run becomes its bigrams; the index also holds each run's last character
 * right after them, so a run followed by more of the phrase adds that
 * character (the text's run must end there), and a lone character not
 * followed by anything is a prefix (it starts a bigram or ends a run).
 */
export function queryTokens(text: string, prefix: boolean): QueryToken[] {
  const pieces: Array<{ kind: PieceKind; text: string }> = [];
  scanPieces(text, (kind, piece) => pieces.push({ kind, text: piece }));
  const tokens: QueryToken[] = [];
  pieces.forEach((piece, i) => {
    const last = i === pieces.length - 1;
    if (piece.kind !== 'run') {
      tokens.push({ text: piece.text, prefix: last && prefix && piece.kind === 'word', kind: piece.kind });
      return;
    }
    const chars = Array.from(piece.text);
    for (let c = 0; c + 1 < chars.length; c++) tokens.push({ text: chars[c] + chars[c + 1], prefix: false, kind: 'run' });
    if (!last) tokens.push({ text: chars[chars.length - 1], prefix: false, kind: 'run' });
    else if (chars.length === 1) tokens.push({ text: chars[0], prefix: true, kind: 'run' });
  });
  return tokens;
}

/** Whether an indexed token matches a query token. */
export function tokenMatches(indexed: string, query: QueryToken): boolean {
  return query.prefix ? indexed.startsWith(query.text) : indexed === query.text;
}
