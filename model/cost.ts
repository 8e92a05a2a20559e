/**
 * Costs are integer nano-USD inside (DESIGN.md "Pricing"): micro-USD rounded
 * a 10-token embedding call to zero. Amounts arrive as decimal text or as
 * doubles; both are read as the decimal they spell (a double by its shortest
 * round-trip form, so 0.0000193 is 19300 nanos, never 19299.999…), and
 * rounded once, at the ninth decimal. The API shows USD, converted once from
 * the integer, so a sum is the exact sum of what each entry shows.
 */
export const NANOS_PER_USD = 1_000_000_000;

/**
 * The most one entry may cost (≈ 9.007 million USD): every stored cost is a
 * safe integer, so JS arithmetic on one is exact. A larger amount is not a
 * cost any call has, and is ignored like a negative one.
 */
export const MAX_COST_NANOS = Number.MAX_SAFE_INTEGER;

/** Greater than every bound callers compare with; never stored. */
const TOO_BIG = 10n ** 40n;

export type Rounding = 'nearest' | 'up' | 'down';

// A sign is refused by the callers that need non-negative amounts; `.5` and `5.` are decimal text too.
const DECIMAL = /^\+?(?=\.?\d)(\d*)(?:\.(\d*))?(?:e([+-]?\d{1,6}))?$/i;

/**
 * USD written in decimal (or as a double) to integer nano-USD, exactly, with
 * the given rounding past the ninth decimal; null when it is not a
 * non-negative decimal number. Big amounts come back as big integers.
 */
export function nanosFromDecimal(value: string | number, rounding: Rounding = 'nearest'): bigint | null {
  if (typeof value === 'number' && !(Number.isFinite(value) && value >= 0)) return null;
  const m = DECIMAL.exec(typeof value === 'number' ? String(value) : value.trim());
  if (!m) return null;
  // value = digits × 10^(point − digits.length); nanos are 9 places further right
  let digits = `${m[1]}${m[2] ?? ''}`;
  let shift = m[1].length + (m[3] === undefined ? 0 : Number(m[3])) + 9;
  const zeros = /^0*/.exec(digits)![0].length;
  digits = digits.slice(zeros);
  shift -= zeros;
  if (digits === '') return 0n;
  if (shift > 40) return TOO_BIG; // 10^40 nanos: beyond any bound, and no big-number work for a sender's 1e999999
  if (shift >= digits.length) return BigInt(digits) * 10n ** BigInt(shift - digits.length);
  const whole = shift > 0 ? BigInt(digits.slice(0, shift)) : 0n;
  const rest = shift > 0 ? digits.slice(shift) : digits;
  const zerosBefore = shift < 0 ? -shift : 0; // rest starts this many places after the rounding digit
  let up = false;
  if (rounding === 'up') up = /[1-9]/.test(rest);
  else if (rounding === 'nearest') up = zerosBefore === 0 && rest[0] >= '5';
  return up ? whole + 1n : whole;
}

/** A non-negative decimal (a double by its shortest form) as mantissa × 10^exponent, exactly; null when it is not one. */
export function decimalParts(value: string | number): { mantissa: bigint; exponent: number } | null {
  if (typeof value === 'number' && !(Number.isFinite(value) && value >= 0)) return null;
  const m = DECIMAL.exec(typeof value === 'number' ? String(value) : value.trim());
  if (!m) return null;
  const fraction = m[2] ?? '';
  return { mantissa: BigInt(`${m[1]}${fraction}` || '0'), exponent: (m[3] === undefined ? 0 : Number(m[3])) - fraction.length };
}

/** Orders two non-negative decimals exactly (−1, 0, 1); both must be decimals. */
export function compareDecimals(a: string, b: string): number {
  const x = decimalParts(a)!;
  const y = decimalParts(b)!;
  const e = Math.min(x.exponent, y.exponent);
  return compareNanos(x.mantissa * 10n ** BigInt(x.exponent - e), y.mantissa * 10n ** BigInt(y.exponent - e));
}

/** An amount of USD as stated by a span (a number or numeric text) in nanos; null when absent, negative, not a number or over MAX_COST_NANOS. */
export function nanosFromUsd(v: unknown): number | null {
  if (typeof v !== 'number' && typeof v !== 'string') return null;
  const nanos = nanosFromDecimal(v);
  return nanos !== null && nanos <= BigInt(MAX_COST_NANOS) ? Number(nanos) : null;
}

/**
 * Nanos to USD for the API: the double nearest the exact decimal, i.e. what
 * parsing its decimal text gives (19300 → 0.0000193, 200 → 2e-7).
 * A safe integer divided by 1e9 is that double (IEEE division rounds
 * correctly); a larger sum goes through its decimal text.
 */
export function usdFromNanos(nanos: number | bigint): number {
  if (typeof nanos === 'number') {
    if (Number.isSafeInteger(nanos) || !Number.isFinite(nanos)) return nanos / NANOS_PER_USD;
    nanos = BigInt(Math.round(nanos));
  }
  const negative = nanos < 0n;
  const abs = (negative ? -nanos : nanos).toString().padStart(10, '0');
  const usd = Number(`${abs.slice(0, -9)}.${abs.slice(-9)}`);
  return negative ? -usd : usd;
}

/**
 * An exact running sum of nanos: a plain number while it is a safe integer
 * (nearly always), a bigint beyond, so no total ever drifts.
 */
export class NanoSum {
  private small = 0;
  private big = 0n;

  add(nanos: number | bigint): void {
    if (typeof nanos === 'bigint') {
      this.big += nanos;
      return;
    }
    if (!Number.isSafeInteger(nanos)) nanos = Math.round(nanos); // a REAL left by an overflowed SQLite sum
    const s = this.small + nanos;
    if (Number.isSafeInteger(s)) this.small = s;
    else {
      this.big += BigInt(this.small) + BigInt(nanos);
      this.small = 0;
    }
  }

  /** Nanos: a number when it is a safe integer, else a bigint. */
  get value(): number | bigint {
    if (this.big === 0n) return this.small;
    const total = this.big + BigInt(this.small);
    return total >= BigInt(Number.MIN_SAFE_INTEGER) && total <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(total) : total;
  }

  get usd(): number {
    return usdFromNanos(this.value);
  }
}

/** Compares two nano amounts of either representation (for sorting by cost). */
export function compareNanos(a: number | bigint, b: number | bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
