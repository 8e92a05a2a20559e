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
  const base = new Date(ms).toISOString(); // 2024-12-28T10:30:00.123Z
  return `${base.slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
}

/** Nanoseconds since the epoch (exact, as BigInt) to integer microseconds. */
export function microsFromNanos(ns: bigint): number {
  return Number(ns / 1000n);
}
