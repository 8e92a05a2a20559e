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
