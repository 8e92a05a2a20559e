/**
 * Fake secrets in the real formats, generated so that no credential-shaped
 * literal sits in the repository (secret scanners would flag those).
 */

import { seededRandom } from '../../bench/seeded-random.js';

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';

/**
 * `n` random characters of base62 (plus `extra`), or of one class. The first
 * three characters of base62 output are an upper, a lower and a digit, as
 * almost every real key has.
 */
export function fake(n: number, seed: number, extra = '', only?: 'upper' | 'digits'): string {
  const rnd = seededRandom(seed);
  const alphabet = only === 'upper' ? UPPER + DIGITS : only === 'digits' ? DIGITS : UPPER + LOWER + DIGITS + extra;
  const pick = (chars: string) => chars[Math.floor(rnd() * chars.length)];
  let out = only ? '' : pick(UPPER) + pick(LOWER) + pick(DIGITS);
  while (out.length < n) out += pick(alphabet);
  return out.slice(0, n);
}

function base64url(s: string): string {
  return Buffer.from(s).toString('base64url');
}

export function fakeJwt(): string {
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify({ sub: 'user-1234', org: 'acme', iat: 1730419200 }));
  return `${header}.${payload}.${fake(43, 99, '-_')}`;
}

export function fakePem(label: string): string {
  const body = Buffer.from(fake(600, label.length)).toString('base64').match(/.{1,64}/g)!.join('\n');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----`;
}

/** A Luhn-valid card number of `length` digits starting with `prefix`. */
export function fakeCard(prefix: string, length: number, seed: number): string {
  let digits = prefix + fake(length - prefix.length - 1, seed, '', 'digits');
  for (let check = 0; check <= 9; check++) {
    const candidate = digits + check;
    let sum = 0;
    for (let i = 0; i < candidate.length; i++) {
      let d = Number(candidate[candidate.length - 1 - i]);
      if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      sum += d;
    }
    if (sum % 10 === 0) {
      digits = candidate;
      break;
    }
  }
  return digits;
}
