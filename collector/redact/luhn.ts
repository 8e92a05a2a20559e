/** Luhn (mod 10) over a string of ASCII digits: card numbers carry it, random digit runs fail 9 times in 10. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * A payment card number: 13–19 digits, Luhn-valid, and a first digit that an
 * issuer network uses (2 Mastercard, 3 Amex/Diners/JCB, 4 Visa, 5 Mastercard,
 * 6 Discover/UnionPay). The first-digit rule keeps epoch-millisecond and
 * nanosecond timestamps (which start with 1) out: a tenth of them are Luhn-valid.
 */
export function isCardNumber(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false;
  const first = digits.charCodeAt(0);
  if (first < 50 /* '2' */ || first > 54 /* '6' */) return false;
  return luhnValid(digits);
}
