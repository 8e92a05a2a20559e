/** ISO 8601 UTC with microseconds, as the seed's example timestamp ("2024-12-28T10:30:00.123456Z"). */
export function isoFromMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  const micros = us - ms * 1000;
  const base = new Date(ms).toISOString(); // 2024-12-28T10:30:00.123Z
  return `${base.slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
}

/** Nanoseconds since the epoch (exact, as BigInt) to integer microseconds. */
export function microsFromNanos(ns: bigint): number {
  return Number(ns / 1000n);
}
