import { describe, expect, it } from 'vitest';
import { isoFromMicros } from '../../model/time.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

describe('isoFromMicros', () => {
  it('keeps microseconds', () => {
    expect(isoFromMicros(1_735_381_800_123_456)).toBe('2024-12-28T10:30:00.123456Z');
    expect(isoFromMicros(-1)).toBe('1969-12-31T23:59:59.999999Z');
  });

  it('never throws and always gives an RFC 3339 time, whatever a stored row holds', () => {
    const hostile: unknown[] = [
      1e27, -1e27, 1e30, Number.MAX_VALUE, -Number.MAX_VALUE, Infinity, -Infinity, NaN, 8.64e18, 8.64e18 + 1e6,
      -8.64e18, 253_402_300_800_000_000, 253_402_300_799_999_999, 2 ** 53 + 1, 2 ** 60 + 3, 1.5, -0.5, 18_446_744_073_709_551,
      null, undefined, 'abc', '1735381800123456', 12n, {}, [],
    ];
    for (const v of hostile) expect(isoFromMicros(v as number), String(v)).toMatch(ISO);
    expect(isoFromMicros(1e27)).toBe('9999-12-31T23:59:59.999999Z');
    expect(isoFromMicros(-1e27)).toBe('0000-01-01T00:00:00.000000Z');
    expect(isoFromMicros(NaN)).toBe('1970-01-01T00:00:00.000000Z');
  });
});
