import { randomInt } from 'node:crypto';

/**
 * Agent Serial Numbers, the activity seed's human identifier:
 * `ASN-<year>-<4 digits>-<4 digits>-<check letter>`, e.g. `ASN-2026-0384-7721-K`.
 *
 * The check letter is a weighted sum of the twelve digits, weights 1..12,
 * modulo 23 (a prime), read in a 23-letter alphabet without I, O and Z
 * (easily misread). Because 23 is prime and larger than any digit difference
 * and any weight, every single-digit typo and every swap of two adjacent
 * digits changes the letter: a mistyped ASN finds nothing, never resolves to
 * another agent.
 */
export const ASN_CHECK_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXY';

const SHAPE = /^ASN-(\d{4})-(\d{4})-(\d{4})-([A-Z])$/;

export function asnCheckLetter(digits: string): string {
  if (!/^\d{12}$/.test(digits)) throw new Error('an ASN check letter is computed over exactly 12 digits');
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(digits[i]) * (i + 1);
  return ASN_CHECK_ALPHABET[sum % 23];
}

/** A new ASN for an agent registered in `year`; uniqueness is the store's to enforce (it retries on a clash). */
export function generateAsn(year: number, random: (max: number) => number = randomInt): string {
  const a = String(random(10_000)).padStart(4, '0');
  const b = String(random(10_000)).padStart(4, '0');
  const y = String(year).padStart(4, '0').slice(-4);
  return `ASN-${y}-${a}-${b}-${asnCheckLetter(y + a + b)}`;
}

/** Looks like an ASN (any check letter, any case): such a string is never taken for an external id. */
export function looksLikeAsn(value: string): boolean {
  return SHAPE.test(value.toUpperCase());
}

/** The canonical (upper-case) ASN when the check letter is right; null otherwise. */
export function parseAsn(value: string): string | null {
  const upper = value.toUpperCase();
  const m = SHAPE.exec(upper);
  if (!m) return null;
  return asnCheckLetter(m[1] + m[2] + m[3]) === m[4] ? upper : null;
}
