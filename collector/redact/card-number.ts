import { isCardNumber } from './luhn.js';

/**
 * Card numbers arrive inside longer runs of digit groups ("order 12 4111 1111
 * 1111 1111", "4111-1111-1111-1111 5500 0000 0000 0004"), so the detector's
 * regex takes the whole run and this finds the cards in it: windows of whole
 * groups holding 13–19 digits that pass isCardNumber, longest first.
 */
export function locateCards(s: string, index: number, run: string): Array<[number, number]> {
  // A run glued to a letter is an identifier (`a4111…`, `…1111x`), not a number.
  if (isWordCode(s.charCodeAt(index + run.length))) return [];
  const starts: number[] = [];
  const ends: number[] = [];
  let inGroup = false;
  for (let i = 0; i < run.length; i++) {
    const c = run.charCodeAt(i);
    const digit = c >= 48 && c <= 57;
    if (digit && !inGroup) starts.push(i);
    if (!digit && inGroup) ends.push(i);
    inGroup = digit;
  }
  if (inGroup) ends.push(run.length);
  const digitsIn = (a: number, b: number) => run.slice(starts[a], ends[b]).replace(/[ -]/g, '');
  const found: Array<[number, number]> = [];
  let i = 0;
  while (i < starts.length) {
    let best = -1;
    let total = 0;
    for (let j = i; j < starts.length; j++) {
      total += ends[j] - starts[j];
      if (total > 19) break;
      if (total >= 13 && isCardNumber(digitsIn(i, j))) best = j;
    }
    if (best >= 0) {
      found.push([starts[i], ends[best]]);
      i = best + 1;
    } else {
      i++;
    }
  }
  return found;
}

function isWordCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/** An integer attribute can be a card number too (a 16-digit int64 fits a double). */
export function isCardInteger(n: number): boolean {
  return Number.isInteger(n) && n >= 1e12 && n < 1e19 && isCardNumber(String(n));
}
