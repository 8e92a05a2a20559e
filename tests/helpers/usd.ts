/**
 * The tests' own nano-USD → USD: through the decimal text, so the expected
 * value is what a reader of the exact amount would type (19300 → 0.0000193),
 * independent of model/cost.ts.
 */
export function usdOf(nanos: bigint | number): number {
  const n = BigInt(nanos);
  const digits = (n < 0n ? -n : n).toString().padStart(10, '0');
  return (n < 0n ? -1 : 1) * Number(`${digits.slice(0, -9)}.${digits.slice(-9)}`);
}
