import { describe, expect, it } from 'vitest';
import { ASN_CHECK_ALPHABET, asnCheckLetter, generateAsn, looksLikeAsn, parseAsn } from '../../model/asn.js';
import { seededRandom } from '../../bench/seeded-random.js';

/** The check letter written out again, independently of model/asn.ts: Σ digit × position (1-based), mod 23. */
function expectedLetter(digits: string): string {
  const sum = [...digits].reduce((acc, d, i) => acc + Number(d) * (i + 1), 0);
  return 'ABCDEFGHJKLMNPQRSTUVWXY'[sum % 23];
}

describe('ASN', () => {
  it('has the seed\'s shape, the registration year and a check letter over the digits', () => {
    const rnd = seededRandom(7);
    for (let i = 0; i < 200; i++) {
      const asn = generateAsn(2026, (max) => Math.floor(rnd() * max));
      const m = /^ASN-(2026)-(\d{4})-(\d{4})-([A-Z])$/.exec(asn);
      expect(m, asn).not.toBeNull();
      expect(m![4]).toBe(expectedLetter(m![1] + m![2] + m![3]));
      expect(parseAsn(asn)).toBe(asn);
    }
  });

  it('uses a 23-letter alphabet without I, O and Z', () => {
    expect(ASN_CHECK_ALPHABET).toHaveLength(23);
    expect(ASN_CHECK_ALPHABET).not.toMatch(/[IOZ]/);
  });

  it('gives the seed\'s example digits the letter G', () => {
    expect(asnCheckLetter('202603847721')).toBe('G');
    expect(parseAsn('ASN-2026-0384-7721-G')).toBe('ASN-2026-0384-7721-G');
    // the seed's own example has another letter: under this scheme, a typo
    expect(parseAsn('ASN-2026-0384-7721-A')).toBeNull();
  });

  it('catches every single-digit typo and every swap of adjacent digits', () => {
    const rnd = seededRandom(11);
    for (let n = 0; n < 50; n++) {
      const digits = Array.from({ length: 12 }, () => String(Math.floor(rnd() * 10))).join('');
      const letter = asnCheckLetter(digits);
      for (let i = 0; i < 12; i++) {
        for (let d = 0; d <= 9; d++) {
          if (String(d) === digits[i]) continue;
          expect(asnCheckLetter(digits.slice(0, i) + d + digits.slice(i + 1))).not.toBe(letter);
        }
        if (i < 11 && digits[i] !== digits[i + 1]) {
          const swapped = digits.slice(0, i) + digits[i + 1] + digits[i] + digits.slice(i + 2);
          expect(asnCheckLetter(swapped)).not.toBe(letter);
        }
      }
    }
  });

  it('reads any case, and tells ASN-shaped strings from external ids', () => {
    expect(parseAsn('asn-2026-0384-7721-g')).toBe('ASN-2026-0384-7721-G');
    expect(looksLikeAsn('ASN-2026-0384-7721-A')).toBe(true);
    expect(looksLikeAsn('asn-2026-0384-7721-a')).toBe(true);
    for (const other of ['prod-agent-3', 'ASN-2026-0384-7721', 'ASN-2026-0384-7721-GG', 'ASN-26-0384-7721-G', 'xASN-2026-0384-7721-G']) {
      expect(looksLikeAsn(other), other).toBe(false);
      expect(parseAsn(other), other).toBeNull();
    }
  });
});
