/** 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z in milliseconds: RFC 3339 has four-digit years. */
const MIN_ISO_MS = -62_167_219_200_000;
const END_ISO_MS = 253_402_300_800_000;

/**
 * ISO 8601 UTC with microseconds, as the seed's example timestamp ("2024-12-28T10:30:00.123456Z").
 * Never throws: whatever a stored row holds (a value from an older version or
 * another writer), a time past the four-digit years reads as the nearest end
 * of them and a non-number as the epoch, so no read path fails on a row.
 */
export function isoFromMicros(us: number): string {
  const n = typeof us === 'number' || typeof us === 'bigint' || typeof us === 'string' ? Number(us) : 0;
  const t = Number.isNaN(n) ? 0 : Math.floor(n);
  const ms = Math.floor(t / 1000);
  if (ms < MIN_ISO_MS) return '0000-01-01T00:00:00.000000Z';
  if (ms >= END_ISO_MS) return '9999-12-31T23:59:59.999999Z';
  // past 2^53 µs a double has no exact microseconds: keep the digits in range
  const micros = Math.min(999, Math.max(0, t - ms * 1000));
  // the date from Date once a day (exports read rows in time order), the time of day by arithmetic:
  // toISOString per row was a tenth of an export's time
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDate = new Date(day * DAY_MS).toISOString().slice(0, 11); // 2024-12-28T
  }
  let rest = ms - day * DAY_MS;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const sec = Math.floor(rest / 1000);
  return `${cachedDate}${two(h)}:${two(m)}:${two(sec)}.${three(rest - sec * 1000)}${three(micros)}Z`;
}

const DAY_MS = 86_400_000;
let cachedDay = Number.NaN;
let cachedDate = '';
const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const three = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/** Nanoseconds since the epoch (exact, as BigInt) to integer microseconds. */
export function microsFromNanos(ns: bigint): number {
  return Number(ns / 1000n);
}

/** Date.parse rolls 2025-02-30 over to March; a date that does not exist is an error instead. */
function validCalendarFields(s: string): boolean {
  const [, y, mo, d, h = '0', mi = '0', sec = '0'] = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2}))?/.exec(s) ?? [];
  const year = Number(y);
  const month = Number(mo);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && Number(d) >= 1 && Number(d) <= daysInMonth && Number(h) <= 23 && Number(mi) <= 59 && Number(sec) <= 59;
}

export const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * RFC 3339 or a bare date, to µs; a message (to follow the parameter's name) when it is neither.
 * A bare date is the start of that UTC day, or its last microsecond at the `end` of a range.
 */
export function microsFromDateText(s: string, edge: 'start' | 'end'): number | string {
  const bare = DATE_ONLY.test(s);
  if (!bare && !RFC3339.test(s)) return 'must be an RFC 3339 date-time (2024-12-01T00:00:00Z) or a date (2024-12-01)';
  const ms = Date.parse(bare ? `${s}T00:00:00Z` : s);
  if (Number.isNaN(ms) || !validCalendarFields(s)) return 'is not a valid date';
  const fraction = bare ? '' : (/\.(\d+)/.exec(s)?.[1] ?? '');
  const extraMicros = Number(fraction.padEnd(6, '0').slice(3, 6)) || 0;
  const us = ms * 1000 + extraMicros;
  return bare && edge === 'end' ? us + 86_400_000_000 - 1 : us;
}
