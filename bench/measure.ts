import { readFileSync } from 'node:fs';

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function summarize(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), n: sorted.length };
}

/** Resident and peak resident memory of a process, in MiB (Linux /proc). */
export function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

/** What this process has written (Linux /proc/self/io): to storage, cancelled before reaching it, and through write calls. */
export function writtenBytes(): { write_bytes: number; cancelled_write_bytes: number; wchar: number } {
  const text = readFileSync('/proc/self/io', 'utf8');
  const get = (k: string) => Number(new RegExp(`^${k}: (\\d+)`, 'm').exec(text)![1]);
  return { write_bytes: get('write_bytes'), cancelled_write_bytes: get('cancelled_write_bytes'), wchar: get('wchar') };
}

/** Samples a process's RSS until stopped; returns the highest reading. */
export function sampleRss(pid: number, everyMs = 20) {
  let max = memoryOf(pid).rssMiB;
  const timer = setInterval(() => {
    try {
      max = Math.max(max, memoryOf(pid).rssMiB);
    } catch {
      /* process gone */
    }
  }, everyMs);
  return {
    stop(): number {
      clearInterval(timer);
      return max;
    },
  };
}
