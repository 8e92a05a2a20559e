import { describe, expect, it } from 'vitest';
import { foldText } from '../../model/search-fold.js';
import { indexTokens, queryTokens, scanPieces, tokenSpans } from '../../model/search-text.js';

const tokens = (text: string) => {
  const out: string[] = [];
  indexTokens(text, out);
  return out;
};

describe('foldText', () => {
  it.each([
    ['Müller', 'muller'],
    ['MÜLLER', 'muller'],
    ['Straße', 'strasse'],
    ['café à l’hôtel', 'cafe a l’hotel'],
    ['Ærøskøbing', 'aeroskobing'],
    ['ＡＢＣ１２３', 'abc123'],
    ['ﬁne', 'fine'],
    ['İstanbul', 'istanbul'],
    ['ΟΔΟΣ', 'οδοσ'],
    ['مُحَمَّد', 'محمد'],
    ['أحمد', 'احمد'],
    ['שָׁלוֹם', 'שלום'],
    ['Ver\u00adsicherung', 'versicherung'],
    ['Tiếng Việt', 'tieng viet'],
  ])('%s → %s', (input, folded) => expect(foldText(input)).toBe(folded));

  it('keeps the vowel marks of scripts that need them', () => {
    expect(foldText('हिन्दी')).toBe('हिन्दी');
    expect(foldText('がぎぐ')).toBe('がぎぐ');
    expect(foldText('한국어')).toBe('한국어');
  });
});

describe('indexTokens', () => {
  it('splits words at punctuation, so identifiers are phrases of their parts', () => {
    expect(tokens('Order O-88231 for C-1042 via api.example.com, ops@example.com')).toEqual([
      'order', 'o', '88231', 'for', 'c', '1042', 'via', 'api', 'example', 'com', 'ops', 'example', 'com',
    ]);
    expect(tokens('database_query')).toEqual(['database', 'query']);
  });

  it('keeps symbols and emoji as tokens, without skin tones or variation selectors', () => {
    expect(tokens('a+b = 3 ^ $5')).toEqual(['a', '+', 'b', '=', '3', '^', '$', '5']);
    expect(tokens('great 🎉👍🏽 ❤️ 🇩🇪')).toEqual(['great', '🎉', '👍', '❤', '🇩🇪']);
    expect(tokens('👨‍👩‍👧')).toEqual(['👨', '👩', '👧']);
  });

  it('drops punctuation and query operators are only words', () => {
    expect(tokens(`"x" (y): {z} [w] * ! ? ; '; DROP TABLE entries; --`)).toEqual(['x', 'y', 'z', 'w', 'drop', 'table', 'entries']);
    expect(tokens('NEAR OR AND NOT')).toEqual(['near', 'or', 'and', 'not']);
  });

  it('indexes runs of scripts without spaces as bigrams and the last character', () => {
    expect(tokens('东京都')).toEqual(['东京', '京都', '都']);
    expect(tokens('寿')).toEqual(['寿']);
    expect(tokens('iPhone手机壳')).toEqual(['iphone', '手机', '机壳', '壳']);
    expect(tokens('東京タワーに')).toEqual(['東京', '京タ', 'タワ', 'ワー', 'ーに', 'に']);
    expect(tokens('서울에서')).toEqual(['서울', '울에', '에서', '서']);
    expect(tokens('สวัสดี')).toEqual(['สว', 'วั', 'ัส', 'สด', 'ดี', 'ี']);
  });

  it('keeps right-to-left words whole', () => {
    expect(tokens('مرحبا بالعالم')).toEqual(['مرحبا', 'بالعالم']);
    expect(tokens('שלום עולם')).toEqual(['שלום', 'עולם']);
  });

  it('cuts very long words', () => {
    expect(tokens('x'.repeat(500))).toEqual(['x'.repeat(64)]);
    expect(tokens(`${'é'.repeat(100)}`)[0]).toHaveLength(64);
  });

  it('gives ASCII text the same pieces on its fast path as the general one', () => {
    const ascii = `Hello C-1042 <tag> a+b=c ^ \`tick\` ~tilde | pipe $5 ${'long'.repeat(30)} 100%`;
    const general: string[] = [];
    // a non-ASCII character after the text forces the general path
    scanPieces(`${ascii} é`, (kind, piece) => general.push(kind === 'run' ? '' : piece));
    expect([...tokens(ascii), 'e']).toEqual(general);
  });
});

describe('tokenSpans', () => {
  it('points every token at its original text', () => {
    const text = 'Grüße aus KÖLN, 我在东京 🎉';
    const spans = tokenSpans(text);
    expect(spans.map((s) => [s.text, text.slice(s.start, s.end)])).toEqual([
      ['grusse', 'Grüße'],
      ['aus', 'aus'],
      ['koln', 'KÖLN'],
      ['我在', '我在'],
      ['在东', '在东'],
      ['东京', '东京'],
      ['京', '京'],
      ['🎉', '🎉'],
    ]);
  });
});

describe('queryTokens', () => {
  it('makes a prefix of a last word only', () => {
    expect(queryTokens('datab', true)).toEqual([{ text: 'datab', prefix: true, kind: 'word' }]);
    expect(queryTokens('C-104', true).map((t) => [t.text, t.prefix])).toEqual([['c', false], ['104', true]]);
    expect(queryTokens('🎉', true)).toEqual([{ text: '🎉', prefix: false, kind: 'symbol' }]);
  });

  it('matches runs by bigrams, a lone character by prefix, a run followed by more with its last character', () => {
    expect(queryTokens('东京', false).map((t) => t.text)).toEqual(['东京']);
    expect(queryTokens('京', false)).toEqual([{ text: '京', prefix: true, kind: 'run' }]);
    expect(queryTokens('手机iPhone', false).map((t) => t.text)).toEqual(['手机', '机', 'iphone']);
    expect(queryTokens('iPhone手机', false).map((t) => t.text)).toEqual(['iphone', '手机']);
  });
});
