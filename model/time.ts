/** 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z in microseconds: RFC 3339 has four-digit years. */
const MIN_ISO_US = -62_167_219_200_000_000;
const END_ISO_US = 253_402_300_800_000_000;

/**
 * ISO 8601 UTC with microseconds, as the seed's example timestamp ("2024-12-28T10:30:00.123456Z").
 * Never throws: whatever a stored row holds (a value from an older version or
 * another writer), a time past the four-digit years reads as the nearest end
 * of them and a non-number as the epoch, so no read path fails on a row.
 */
export function isoFromMicros(us: number): string {
  const n = typeof us === 'number' || typeof us === 'bigint' || typeof us === 'string' ? Number(us) : 0;
  let t = Number.isNaN(n) ? 0 : Math.floor(n);
  if (t < MIN_ISO_US) t = MIN_ISO_US;
  else if (t >= END_ISO_US) t = END_ISO_US - 1;
  const ms = Math.floor(t / 1000);
  const micros = t - ms * 1000;
  const base = new Date(ms).toISOString(); // 2024-12-28T10:30:00.123Z
  return `${base.slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
}

/** Nanoseconds since the epoch (exact, as BigInt) to integer microseconds. */
export function microsFromNanos(ns: bigint): number {
  return Number(ns / 1000n);
}
