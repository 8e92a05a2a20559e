/**
 * Folding for full-text search: what makes "Müller", "MÜLLER" and "muller"
 * the same word. Shared by indexing, querying and highlighting (through
 * search-text.ts), so every store answers alike.
 *
 * NFKC (compatibility forms: full-width letters, ligatures, circled digits),
 * lower case, then diacritics removed: NFD and the combining marks that are
 * accents (Latin, Greek, Cyrillic, Hebrew points, Arabic harakat) dropped,
 * then NFC again so Hangul and kana recompose. Marks that are letters'
 * vowels in other scripts (Devanagari, Thai, …) are kept: removing them
 * would merge different words. Format characters (soft hyphen, zero-width
 * joiners), variation selectors and emoji skin tones are dropped too.
 */

// Accents: combining diacritical marks (+ extended, supplement, for symbols, half marks),
// Hebrew points and cantillation, Arabic harakat and superscript alef, tatweel.
const ACCENTS = '\\u0300-\\u036f\\u1ab0-\\u1aff\\u1dc0-\\u1dff\\u20d0-\\u20ff\\ufe20-\\ufe2f\\u0591-\\u05bd\\u05bf\\u05c1\\u05c2\\u05c4\\u05c5\\u05c7\\u0610-\\u061a\\u064b-\\u065f\\u0670\\u06d6-\\u06dc\\u06df-\\u06e4\\u06e7\\u06e8\\u06ea-\\u06ed\\u0640';
// Variation selectors, skin-tone modifiers, tag characters (flag subdivisions).
const PRESENTATION = '\\ufe00-\\ufe0f\\u{e0100}-\\u{e01ef}\\u{1f3fb}-\\u{1f3ff}\\u{e0020}-\\u{e007f}';
const DROPPED = new RegExp(`[${ACCENTS}${PRESENTATION}\\p{Cf}]`, 'gu');

/** Letters that have no decomposition but fold as Elasticsearch's ICU/ASCII folding does. */
const LETTERS: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ł: 'l', ı: 'i', ħ: 'h', ς: 'σ' };
const HAS_LETTER = /[ßæœøđłıħς]/;
const LETTER_RE = /[ßæœøđłıħς]/g;

/** Text that needs no folding but lower case: checked first, as most payloads are ASCII. */
export const ASCII = /^[\x00-\x7f]*$/;

/** Folds one chunk of text (a word-ish run between separators). */
export function foldText(s: string): string {
  if (ASCII.test(s)) return s.toLowerCase();
  let t = s.normalize('NFKC').toLowerCase().normalize('NFD').replace(DROPPED, '').normalize('NFC');
  return HAS_LETTER.test(t) ? t.replace(LETTER_RE, (c) => LETTERS[c]) : t;
}
